"""A task sent through real Redis is run by a real Celery worker process and answers back.

The worker gets its own Redis database number and pidfile and is ended by its PID, so the
test neither sees nor disturbs another worker on the machine.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from celery.result import allow_join_result

BASE_DIR = Path(__file__).resolve().parents[2]
TEST_REDIS_DB = 13

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the Celery round trip needs a real Redis (CI sets it)")
    parts = urlsplit(url)
    own = urlunsplit((parts.scheme, parts.netloc, f"/{TEST_REDIS_DB}", "", ""))
    redis.Redis.from_url(own).flushdb()
    yield own
    redis.Redis.from_url(own).flushdb()


@pytest.fixture
def worker(redis_url, tmp_path):
    pidfile = tmp_path / "worker.pid"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "REDIS_URL": redis_url,
        # The application keeps no task results; this worker gets a result backend of its
        # own (Celery reads the variable) so that the ping can answer.
        "CELERY_RESULT_BACKEND": redis_url,
    }
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "--app",
                "config",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--hostname",
                f"roundtrip-{os.getpid()}@%h",
                "--pidfile",
                str(pidfile),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        pid = int(pidfile.read_text()) if pidfile.exists() else process.pid
        os.kill(pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait(timeout=10)
        print(log.read_text()[-2000:])


def test_a_task_goes_through_redis_to_a_worker_and_back(redis_url, worker):
    client = Celery("roundtrip-client", broker=redis_url, backend=redis_url)
    started = time.monotonic()
    result = client.send_task("clearance.ping")
    # Celery keeps "we are inside a task, joining would block" in one flag for the whole
    # process. Browser tests run eager tasks in the live server's threads; two at once can
    # leave the flag set (each restores what it found). This test is not inside a task.
    with allow_join_result():
        answer = result.get(timeout=60)
    assert answer["pong"] is True
    # The worker is another process: the answer carries its PID, not ours.
    assert answer["pid"] != os.getpid()
    assert answer["pid"] == worker.pid
    assert time.monotonic() - started < 60
