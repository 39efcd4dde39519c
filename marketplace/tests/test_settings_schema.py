"""Settings read the environment through one schema, which the README's
settings table lists in full."""

import re
from pathlib import Path

from marketplace import settings as settings_module

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Read by the Procfile, not by settings, and listed in the same table.
READ_BY_THE_PROCFILE = {"WEB_CONCURRENCY"}


def _readme_settings():
    """The README's settings table: {variable: its default column}."""
    section = (BASE_DIR / "README.md").read_text().split("\n## Settings\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]*) \|", section, flags=re.MULTILINE))


def _shown(default):
    """A schema default as the README's table writes it."""
    if default in ("", []):
        return "empty"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, list):
        return ",".join(default)
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, str) and default.startswith(f"{BASE_DIR}/"):
        return f"{Path(default).relative_to(BASE_DIR)}/"
    return str(default)


def test_the_readme_lists_every_variable_of_the_schema_and_no_other():
    schema = set(settings_module.env.scheme)

    assert set(_readme_settings()) == schema | READ_BY_THE_PROCFILE
    for name in READ_BY_THE_PROCFILE:
        assert f"${{{name}:-" in (BASE_DIR / "Procfile").read_text()


def test_the_readme_gives_each_schema_default():
    readme = _readme_settings()
    for name, declared in settings_module.env.scheme.items():
        if not isinstance(declared, tuple):
            continue  # a default that follows another variable, in words
        shown = _shown(declared[1])
        cell = readme[name].strip()
        if name == "SECRET_KEY":
            assert cell == "a dev-only key"
        elif shown == "empty":
            assert cell.startswith("empty"), (name, cell)
        else:
            assert cell.startswith(f"`{shown}`"), (name, cell, shown)


def test_settings_read_the_environment_through_the_schema_alone():
    source = (BASE_DIR / "marketplace" / "settings.py").read_text()
    scheme = settings_module.env.scheme

    assert not re.search(r"\benv\.(str|int|bool|float|list|tuple|json|path)\(", source)
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z0-9_]+)[\"']", source))
    assert read == set(scheme)
    # A default outside the schema only for a variable declared by type alone.
    given = set(re.findall(r"\benv\(\s*\"([A-Z0-9_]+)\",\s*default=", source))
    assert given == {name for name, declared in scheme.items() if not isinstance(declared, tuple)}
