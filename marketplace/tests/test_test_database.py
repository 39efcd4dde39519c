"""Tests on SQLite run on a file, never on Django's default in-memory
database: that one is a single connection shared by the test and every
request thread of the browser tests' live server, and two threads on one
SQLite connection can deadlock for good (one holds the connection inside a
Python SQL function and waits for the GIL; the other holds the GIL and waits
for the connection). A CI run once hung on it until its time ran out."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _test_db_name(database_url):
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.db import connection; print(connection.creation._get_test_db_name())",
        ],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_sqlite_database_is_tested_in_a_file_beside_it(tmp_path):
    name = _test_db_name(f"sqlite:///{tmp_path}/db.sqlite3")

    assert name == str(tmp_path / "test_db.sqlite3")


def test_an_in_memory_database_stays_in_memory():
    assert "memory" in _test_db_name("sqlite://:memory:")


@pytest.mark.django_db
def test_this_run_is_not_on_an_in_memory_database():
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
