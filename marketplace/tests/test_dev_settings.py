"""`make run` on the embedded defaults: e-mailed links follow the port it
serves on, and `migrate` on SQLite prints no warning."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sales.models import Order
from testing.processes import manage

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _env(tmp_path, **extra):
    """This process's environment without anything that would decide the
    settings under test, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SITE_URL", "HOST", "PORT", "DATABASE_URL", "DEBUG", "SECRET_KEY")
        and not key.startswith("DJANGO_")
    }
    env |= {"DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "marketplace.settings"}
    return env | extra


def _settings_in(env, *names):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_site_url_follows_the_port_make_run_serves_on(tmp_path):
    assert _settings_in(_env(tmp_path, PORT="8123"), "SITE_URL") == {
        "SITE_URL": "http://127.0.0.1:8123"
    }
    assert _settings_in(_env(tmp_path), "SITE_URL") == {"SITE_URL": "http://127.0.0.1:8000"}


def test_site_url_follows_the_host_and_a_wildcard_host_is_reached_on_loopback(tmp_path):
    named = _settings_in(_env(tmp_path, HOST="localhost", PORT="9000"), "SITE_URL")
    wildcard = _settings_in(_env(tmp_path, HOST="0.0.0.0", PORT="9000"), "SITE_URL")
    ipv6 = _settings_in(_env(tmp_path, HOST="::1", PORT="9000"), "SITE_URL")

    assert named["SITE_URL"] == "http://localhost:9000"
    assert wildcard["SITE_URL"] == "http://127.0.0.1:9000"
    assert ipv6["SITE_URL"] == "http://[::1]:9000"


def test_a_site_url_set_wins_over_host_and_port(tmp_path):
    env = _env(tmp_path, SITE_URL="https://marketplace.example.com", PORT="8123")

    assert _settings_in(env, "SITE_URL") == {"SITE_URL": "https://marketplace.example.com"}


def test_make_run_gives_the_seed_and_every_process_the_same_site_url():
    # honcho renumbers PORT for each Procfile process (the worker, which
    # sends the e-mail, gets PORT+100), so the Makefile passes SITE_URL itself.
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    seed = next(line for line in lines if "seed_demo" in line)
    start = next(line for line in lines if "honcho start" in line)
    assert "SITE_URL=http://127.0.0.1:8123 " in seed
    assert "SITE_URL=http://127.0.0.1:8123 " in start
    assert "PORT=8123 " in start
    assert any("http://127.0.0.1:8123/" in line for line in lines if "Serving on" in line)


def test_migrate_and_check_on_sqlite_print_no_warning(tmp_path):
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")

    migrated = manage(env, "migrate", "--noinput")
    checked = manage(env, "check", "--fail-level", "WARNING")

    assert migrated.returncode == 0, migrated.stderr
    assert "WARNINGS" not in migrated.stdout + migrated.stderr
    assert "W040" not in migrated.stdout + migrated.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_the_covering_index_keeps_its_include_for_postgresql(tmp_path):
    # Only SQLite, which ignores INCLUDE, silences the check about it.
    index = next(i for i in Order._meta.indexes if i.name == "order_seller_state_due")
    assert index.include == ("seller_first_message_at", "revisions_used", "created_at")
    postgres = _env(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/marketplace")
    silenced = _settings_in(postgres, "SILENCED_SYSTEM_CHECKS")["SILENCED_SYSTEM_CHECKS"]
    assert "models.W040" not in silenced
