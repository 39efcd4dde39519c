"""Real processes for fault tests: a Redis server of the test's own (so it
can be stopped without touching the shared one) and Celery workers started
the way production starts them, on the test database."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]  # the project: manage.py, the Procfile


def wait_for(condition, *, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")


def conninfo():
    """A libpq connection string for the test database: a second connection,
    as another process or a database administrator would open."""
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def database_url():
    """The test database as a DATABASE_URL, for a process started by a test."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def use_broker(url):
    """Point the Celery app at ``url``, dropping its cached connection and
    producer pools so the next publish connects there."""
    from marketplace.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SilentServer:
    """A TCP server that accepts every connection and never answers: what a
    frozen Redis (or one behind a dropped NAT entry) looks like to a client.
    ``close()`` closes the connections it holds, which ends any client still
    waiting on one."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        self._thread.start()
        return self

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)  # kept open, read from by nobody

    def close(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.listener.close()
        for conn in self.accepted:
            conn.close()
        self._thread.join(timeout=5)


def answered_within(seconds, call, *, what="the call"):
    """Run ``call`` in a thread and return what it returned; fail if it has
    not answered within ``seconds`` (a hang is not waited out)."""
    from django.db import connection

    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    if thread.is_alive():
        raise AssertionError(f"{what} did not answer within {seconds:.1f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class RedisServer:
    """``redis-server`` on a free port, stoppable and restartable on that port."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._ping, timeout=10, what=f"redis-server on port {self.port}")

    def freeze(self):
        """SIGSTOP: the kernel still accepts connections, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        """Stop the server the way a crash or a restart would: at once."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_for(lambda: not self._ping(), timeout=10, what="redis-server to stop")


class Worker:
    """``celery -A marketplace worker`` in its own process group, logging to a file."""

    def __init__(
        self, name, *, broker_url, directory: Path, pool="prefork", concurrency=1, args=(), env=None
    ):
        self.name = name
        self.pool = pool
        self.concurrency = concurrency
        self.args = list(args)
        self.directory = directory
        self.log_path = directory / f"worker-{name}.log"
        self.mail_dir = directory / "mail"
        self.process = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            # django-environ drops the first slash of the path: three, then "/tmp/...".
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "DATA_DIR": str(directory / "data"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }

    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop/kill)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "-n",
                f"{self.name}@localhost",
                f"--pool={self.pool}",
                f"--concurrency={self.concurrency}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                *self.args,
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill takes the children too
        )
        self.wait_for_log("ready.", what=f"worker {self.name} to start")
        return self

    @property
    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text, *, count=1, timeout=60.0, what=None):
        def seen():
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log[-3000:]}")
            return self.log.count(text) >= count

        try:
            wait_for(seen, timeout=timeout, what=what or repr(text))
        except AssertionError as error:
            raise AssertionError(
                f"{error}\n--- worker {self.name} log ---\n{self.log[-3000:]}"
            ) from None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def child_pids(self):
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill(self):
        """SIGKILL the whole worker: nothing of it runs any cleanup."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log_file.close()

    def stop(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            self.log_file.close()

    def emails(self):
        """Every e-mail this worker's file backend wrote: (To, Subject) pairs."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")) if self.mail_dir.exists() else []:
            text = path.read_text(errors="replace")
            found += re.findall(r"^Subject: (.*)\n(?:.*\n)*?^To: (.*)$", text, re.MULTILINE)
        return [(to, subject) for subject, to in found]


def procfile_command(name):
    """The command the Procfile runs for process ``name``."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.partition(":")[2].strip()
    raise AssertionError(f"no {name} process in the Procfile")


@contextlib.contextmanager
def procfile_process(name, *, env, log_path):
    """The Procfile's ``name`` line, started as honcho starts it, in its own
    process group and logging to ``log_path``; killed, children and all, on
    leaving."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {procfile_command(name)}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def manage(env, *args, timeout=120):
    """Run ``manage.py`` in a process of its own, with exactly ``env``: how
    settings read from the environment are tested."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
