"""`make run` serves with the Procfile's web process: a burst of people
arriving at once is served, nothing is reset, static files come with it,
and Ctrl-C stops it."""

import os
import signal
import threading
import urllib.error
import urllib.request

import pytest

from testing.processes import free_port, manage, procfile_process, wait_for

BURST = 400


@pytest.fixture
def web(tmp_path):
    """The Procfile's web process on a migrated SQLite database of its own,
    the way honcho starts it under `make run`."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CACHE_URL", "DEBUG", "SECRET_KEY")
        and not key.startswith("DJANGO_")
    } | {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    migrated = manage(env, "migrate", "--noinput", "-v0", timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    with procfile_process("web", env=env, log_path=tmp_path / "web.log") as process:
        base = f"http://127.0.0.1:{port}"

        def answers():
            assert process.poll() is None, (tmp_path / "web.log").read_text()
            try:
                return urllib.request.urlopen(f"{base}/ping", timeout=2).status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, what="the web process to answer")
        yield process, base


def test_a_burst_of_visitors_is_served_without_a_reset_connection(web):
    _, base = web
    start = threading.Barrier(BURST)
    outcomes = []

    def visit():
        start.wait()
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=60) as response:
                outcomes.append(response.status)
        except urllib.error.HTTPError as error:
            outcomes.append(error.code)
        except OSError as error:  # a reset or refused connection
            outcomes.append(repr(error))

    threads = [threading.Thread(target=visit) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [200] * BURST


def test_static_files_are_served_and_ctrl_c_stops_the_web_process(web):
    process, base = web
    with urllib.request.urlopen(f"{base}/static/css/admin.css", timeout=10) as response:
        assert response.status == 200
        assert b"{" in response.read()

    # honcho passes Ctrl-C on as SIGINT to each process, then waits.
    os.killpg(process.pid, signal.SIGINT)

    assert process.wait(timeout=15) == 0
