"""A large usage file imported by real Celery workers through real Redis, on the test's
PostgreSQL database: the page follows the import from another process, a worker killed
(SIGKILL) in the middle of the import leaves nothing behind, and starting it again from the
page imports the file once, without uploading it again.

The worker gets its own Redis database number (11) and pidfile and is ended by its PID, so
the test neither sees nor disturbs another worker on the machine.
"""

import os
import signal

import psycopg
import pytest
from auditlog.models import LogEntry
from celery import Celery
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.celery_workers import Workers, own_redis_url, test_database_url, wait_until
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services, tasks
from vendors.models import UsageImport, UsageImportStatus, UsageRecord, VendorStatus

TEST_REDIS_DB = 11  # the other worker tests use 12 and 13
ROWS = 50

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url():
    yield from own_redis_url(TEST_REDIS_DB, "an import by a worker")


@pytest.fixture
def database_url():
    return test_database_url()


@pytest.fixture
def start_worker(redis_url, database_url, tmp_path):
    """`start_worker(name)` starts a worker; each is ended by its PID afterwards, if the test
    has not killed it."""
    workers = Workers(tmp_path, {"REDIS_URL": redis_url, "DATABASE_URL": database_url})
    yield workers.start
    workers.stop_all()


@pytest.fixture
def through_redis(redis_url, monkeypatch):
    """The import task, sent as the service sends it, goes to Redis instead of running in the
    test's process (the suite's Celery app is eager)."""
    client = Celery("import-test", broker=redis_url, set_as_current=False)
    monkeypatch.setattr(
        tasks.run_usage_import,
        "apply_async",
        lambda args, kwargs: client.send_task(tasks.run_usage_import.name, args, kwargs),
    )
    yield
    client.close()


def backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            # Idle connections left by other tests of the suite do not matter: only a backend
            # still inside a transaction (the dead worker's) does.
            "AND state IS DISTINCT FROM 'idle'"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_import_leaves_nothing_and_the_restart_imports_once(
    client, start_worker, through_redis, database_url, monkeypatch, tmp_path
):
    monkeypatch.setattr(services, "USAGE_IMPORT_IN_REQUEST_MAX_ROWS", 10)
    VendorFactory(name="Larkspur Language Cloud", status=VendorStatus.APPROVED)
    client.force_login(UserFactory(username="reviewer", role=Role.REVIEWER))
    lines = [f"Larkspur Language Cloud,Team {n},Purpose {n},Internal,api" for n in range(ROWS)]
    content = "\n".join(["vendor,team,purpose,data_classes,integration", *lines]).encode()
    client.post(reverse("usage_import"), {"file": SimpleUploadedFile("big.csv", content)})
    job = UsageImport.objects.get()
    status_url = reverse("usage_import_status", args=[job.token])

    # Another transaction holds the audit table: the worker's import will wait there, its
    # usage records written but not committed.
    holder = psycopg.connect(database_url)
    holder.execute(f'LOCK TABLE "{LogEntry._meta.db_table}" IN SHARE MODE')

    client.post(job.get_absolute_url())  # confirmed: queued for a worker
    assert UsageImport.objects.get().status == UsageImportStatus.QUEUED
    assert "Waiting for a worker" in client.get(status_url).content.decode()

    first = start_worker("first")
    wait_until(lambda: backends_waiting_on_a_lock() == 1)
    assert UsageImport.objects.get().status == UsageImportStatus.RUNNING
    assert f"Importing {ROWS} rows" in client.get(status_url).content.decode()

    os.kill(int((tmp_path / "first.pid").read_text()), signal.SIGKILL)
    first.wait(timeout=30)
    holder.rollback()  # the dead worker's backend goes on, finds no client, and rolls back
    holder.close()
    wait_until(lambda: other_backends() == 0)
    assert UsageRecord.objects.count() == 0
    assert not LogEntry.objects.filter(object_repr__startswith="Team ").exists()

    # Ten minutes later the page offers to start it again: same rows, no new upload.
    UsageImport.objects.update(started_at=timezone.now() - timezone.timedelta(minutes=11))
    assert "Not finished after 10 minutes" in client.get(job.get_absolute_url()).content.decode()
    client.post(job.get_absolute_url())
    start_worker("second")
    wait_until(lambda: UsageImport.objects.get().status == UsageImportStatus.DONE)

    assert f"Imported {ROWS} usage records" in client.get(status_url).content.decode()
    assert UsageRecord.objects.count() == ROWS
    assert LogEntry.objects.filter(object_repr__startswith="Team ").count() == ROWS
    job = UsageImport.objects.get()
    assert (job.imported_count, job.attempts, job.rows) == (ROWS, 2, [])
