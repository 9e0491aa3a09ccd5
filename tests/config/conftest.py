"""A broker that is down, for tests of what a request does then.

The Celery app under test is configured by config/settings.py itself, read afresh with
REDIS_URL pointing at a port where nothing listens, as a deployment with a dead Redis starts.
Nothing is mocked: kombu and redis-py really connect and are really refused. The probe only
watches: it counts the connection attempts made to that port and replaces sleeping with a fake
clock that records what was asked, so a bound is asserted without timing anything.
"""

import os
import runpy
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import kombu.utils.functional
import pytest
import redis
import redis.connection
from celery import Celery
from celery._state import get_current_app

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
# Kept before broker_probe replaces time.sleep, for waiting on a server of our own to start.
real_sleep = time.sleep


def celery_app_for(redis_url: str, monkeypatch) -> Celery:
    """A Celery app configured as config/settings.py configures it when REDIS_URL is
    `redis_url` (config/celery.py reads the same CELERY_ names from Django's settings)."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    settings = runpy.run_path(str(SETTINGS_FILE))
    celery_settings = {k: v for k, v in settings.items() if k.startswith("CELERY_")}
    app = Celery("clearance-under-test", set_as_current=False)
    app.config_from_object(SimpleNamespace(**celery_settings), namespace="CELERY")
    return app


@pytest.fixture
def use_celery_app():
    """Make an app the current one for this thread, so that shared tasks sent from the test
    (and the views it calls) go through it instead of the suite's eager app."""
    previous = get_current_app()
    apps = []

    def use(app: Celery) -> Celery:
        apps.append(app)
        app.set_current()
        return app

    yield use
    previous.set_current()
    for app in apps:
        app.close()


@pytest.fixture
def closed_port():
    """A port bound on 127.0.0.1 without listening: connecting is refused, as with a Redis that
    is down, and no other process can start listening there during the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@dataclass
class BrokerProbe:
    port: int
    connection_attempts: int = 0
    sleeps: list[float] = field(default_factory=list)

    def reset(self) -> None:
        self.connection_attempts = 0
        self.sleeps.clear()


@pytest.fixture
def broker_probe(monkeypatch):
    """Watch the broker at `probe.port` (set it): count redis-py's connection attempts to it,
    and record every sleep (kombu's retry loop, redis-py's backoff) instead of waiting."""
    probe = BrokerProbe(port=0)
    connect = redis.connection.AbstractConnection.connect

    def counted_connect(connection):
        if getattr(connection, "port", None) == probe.port:
            probe.connection_attempts += 1
        return connect(connection)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counted_connect)
    monkeypatch.setattr(time, "sleep", probe.sleeps.append)
    monkeypatch.setattr(kombu.utils.functional, "sleep", probe.sleeps.append)
    return probe


@pytest.fixture
def broker_down(closed_port, broker_probe, use_celery_app, monkeypatch):
    """The application's Celery configuration, with Redis down; returns the probe."""
    use_celery_app(celery_app_for(f"redis://127.0.0.1:{closed_port}/0", monkeypatch))
    broker_probe.port = closed_port
    return broker_probe


class RedisServer:
    """A redis-server of the test's own on a free port, started and stopped by its PID."""

    def __init__(self, tmp_path: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = tmp_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                real_sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self) -> int:
        """Messages waiting in Celery's default queue."""
        return redis.Redis(port=self.port, socket_connect_timeout=1).llen("celery")


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        message = "redis-server is missing: `apt-get install redis-server` (CI installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
