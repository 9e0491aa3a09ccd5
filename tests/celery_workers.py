"""Real Celery workers for integration tests: each test gets its own Redis database number,
each worker its own pidfile, and every worker is ended by its PID afterwards, so a test neither
sees nor disturbs another worker on the machine."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]


def own_redis_url(db_number: int, why: str):
    """REDIS_URL with the test's own database number, emptied before and after (a generator
    for a fixture); skips with `why` when REDIS_URL is unset (CI sets it)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip(f"REDIS_URL is not set: {why} needs a real Redis (CI sets it)")
    parts = urlsplit(url)
    own = urlunsplit((parts.scheme, parts.netloc, f"/{db_number}", "", ""))
    redis.Redis.from_url(own).flushdb()
    yield own
    redis.Redis.from_url(own).flushdb()


def test_database_url() -> str:
    """The test database as a URL a worker process can open; skips unless PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "A worker is another process: it needs the test database on PostgreSQL "
            "(DATABASE_URL=postgres://...), not SQLite in memory"
        )
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


class Workers:
    """`start(name)` starts a solo-pool worker with `env` added to the environment; `stop_all()`
    ends every one still running by its PID and prints the end of its log."""

    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path, self.env = tmp_path, env
        self.started: list[tuple[subprocess.Popen, Path, Path]] = []

    def pidfile(self, name: str) -> Path:
        return self.tmp_path / f"{name}.pid"

    def start(self, name: str) -> subprocess.Popen:
        pidfile, log = self.pidfile(name), self.tmp_path / f"{name}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1",
               **self.env}  # fmt: skip
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "--app", "config", "worker",
                    "--pool", "solo", "--loglevel", "INFO",
                    "--hostname", f"{name}-{os.getpid()}@%h", "--pidfile", str(pidfile),
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.started.append((process, pidfile, log))
        return process

    def stop_all(self) -> None:
        for process, pidfile, log in self.started:
            if process.poll() is None:
                pid = int(pidfile.read_text()) if pidfile.exists() else process.pid
                os.kill(pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.kill(pid, signal.SIGKILL)
                    process.wait(timeout=10)
            print(log.name, log.read_text()[-3000:])


def wait_until(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
