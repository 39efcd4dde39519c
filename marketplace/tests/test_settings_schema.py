"""Settings read the environment through one schema, which the README's
settings table lists in full; reading them creates nothing, and a fresh
checkout (no data/ folder) still migrates and runs its worker and beat on
the filesystem broker."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace import settings as settings_module
from marketplace.celery import Scheduler, app
from testing.processes import manage, wait_for

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


def _environment(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "DEBUG", "SECRET_KEY")
        and not key.startswith("DJANGO_")
    }
    env |= {
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


@pytest.mark.parametrize(
    "code",
    [
        "import marketplace.settings",
        "import django; django.setup(); from marketplace.celery import app; app.conf.broker_url",
    ],
    ids=["import", "setup"],
)
def test_reading_the_settings_creates_nothing(tmp_path, code):
    # On SQLite and the filesystem broker, importing settings creates no
    # folder; on PostgreSQL and Redis, neither does setting Django and
    # Celery up (nothing of theirs lives on this machine).
    env = _environment(tmp_path)
    if code != "import marketplace.settings":
        env |= {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing_connects",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_beat_makes_the_folder_of_its_schedule(tmp_path):
    schedule = tmp_path / "fresh" / "celerybeat-schedule"

    Scheduler(app=app, schedule_filename=str(schedule), lazy=False).close()

    assert any(path.name.startswith("celerybeat-schedule") for path in schedule.parent.iterdir())


def test_a_fresh_checkout_migrates_and_runs_the_worker_and_beat(tmp_path):
    # What `make run` does with no data/ folder, on the embedded defaults:
    # migrate, then the Procfile's worker and beat (through honcho, as
    # `make run` starts them) on the filesystem broker, beat sending a scan
    # every second and the worker running it.
    env = _environment(tmp_path, DEADLINE_SCAN_SECONDS="1", EMAIL_URL="dummymail://")
    data = tmp_path / "data"

    migrated = manage(env, "migrate", "--noinput", "-v0", timeout=300)
    assert migrated.returncode == 0, migrated.stderr

    log_path = tmp_path / "honcho.log"
    with open(log_path, "wb") as log:
        honcho = subprocess.Popen(
            [str(BASE_DIR / ".venv" / "bin" / "honcho"), "start", "worker", "beat"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def scanned():
                text = log_path.read_text(errors="replace")
                assert honcho.poll() is None, text[-3000:]
                return re.search(r"Task sales\.tasks\.flag_late\[[^]]+\] succeeded", text)

            wait_for(scanned, timeout=120, what="the worker to run a scan beat sent")
        finally:
            honcho.send_signal(signal.SIGTERM)  # honcho stops the worker and beat
            honcho.wait(timeout=30)

    assert (data / "db.sqlite3").exists()
    assert (data / "celery" / "queue").is_dir() and (data / "celery" / "control").is_dir()
    assert any(path.name.startswith("celerybeat-schedule") for path in data.iterdir())
