"""Tests on SQLite run on a file, never on Django's default in-memory
database: that one is a single connection shared by the test and every
request thread of the browser tests' live server, and two threads on one
SQLite connection can deadlock for good (one holds the connection inside a
Python SQL function and waits for the GIL; the other holds the GIL and waits
for the connection). A CI run once hung on it until its time ran out."""

import re
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


def test_a_sqlite_database_is_tested_in_a_file_beside_it_one_per_run(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    names = {_test_db_name(url) for _ in range(2)}

    # Two runs on one DATABASE_URL must not clobber each other's database.
    assert len(names) == 2
    for name in names:
        path = Path(name)
        assert path.parent == tmp_path
        assert re.fullmatch(r"test_\d+_db\.sqlite3", path.name)


def test_an_in_memory_database_stays_in_memory():
    assert _test_db_name("sqlite://:memory:") == "file:memorydb_default?mode=memory&cache=shared"


@pytest.mark.django_db
def test_this_run_is_not_on_an_in_memory_database():
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
