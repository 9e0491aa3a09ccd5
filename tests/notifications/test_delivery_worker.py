"""Delivery by real Celery workers through real Redis, to the real local SMTP server, on the
test's PostgreSQL database: a worker killed (SIGKILL) in the middle of an SMTP transaction
loses no e-mail, and the only duplicate carries the same Message-ID; a failed try is retried
by the worker at the time the row shows.

Each worker gets its own Redis database number (12) and pidfile and is ended by its PID, so
the test neither sees nor disturbs another worker on the machine.
"""

import os
import signal

import pytest
from celery import Celery
from django.utils import timezone

from notifications import services
from notifications.models import ReminderLog, ReminderStatus
from tests.celery_workers import Workers, own_redis_url, test_database_url, wait_until
from tests.notifications.conftest import claim_due_reminder

TEST_REDIS_DB = 12  # tests/config/test_celery_roundtrip.py uses 13
STALE = timezone.timedelta(minutes=15)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url():
    yield from own_redis_url(TEST_REDIS_DB, "delivery by a worker")


@pytest.fixture
def database_url():
    return test_database_url()


@pytest.fixture
def start_worker(redis_url, database_url, smtp_server, tmp_path):
    """`start_worker(name)` starts a worker that sends to the local SMTP server; each is
    ended by its PID afterwards, if the test has not killed it."""
    workers = Workers(
        tmp_path,
        {
            "REDIS_URL": redis_url,
            "DATABASE_URL": database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
            "REMINDER_RETRY_BASE_SECONDS": "1",
        },
    )
    yield workers.start
    workers.stop_all()


def queue(redis_url: str, logs: list[ReminderLog]) -> None:
    """Publish the delivery tasks, as dispatch() does once the claims have committed."""
    # Not the current app: the suite's tasks stay bound to its own (eager) app.
    client = Celery("delivery-test", broker=redis_url, set_as_current=False)
    for log in logs:
        client.send_task("notifications.tasks.deliver_reminder", args=[log.pk])


def statuses(logs: list[ReminderLog]) -> list[str]:
    by_pk = dict(ReminderLog.objects.values_list("pk", "status"))
    return [by_pk[log.pk] for log in logs]


def test_a_worker_killed_mid_send_loses_nothing_and_the_one_duplicate_has_the_same_message_id(
    redis_url, start_worker, mailbox, time_machine, tmp_path
):
    logs = [claim_due_reminder(object_id=n) for n in (1, 2, 3)]
    crashed = logs[0]
    mailbox.hold_next = True  # the server receives the first e-mail, then keeps it waiting
    queue(redis_url, logs)

    first = start_worker("first")
    assert mailbox.holding.wait(90), "the worker never reached DATA"
    # Committed before the SMTP transaction: the database already says "sending".
    assert statuses(logs) == [ReminderStatus.SENDING, ReminderStatus.QUEUED, ReminderStatus.QUEUED]
    pid = int((tmp_path / "first.pid").read_text())
    assert pid == first.pid  # the solo pool sends from the worker's own process
    os.kill(pid, signal.SIGKILL)
    assert first.wait(timeout=30) == -signal.SIGKILL
    mailbox.release.set()  # the server answers, to nobody

    # Restarted, a worker delivers what was still queued and leaves the crashed send alone:
    # its row says "sending" and is not stale yet.
    start_worker("second")
    wait_until(lambda: statuses(logs)[1:] == [ReminderStatus.SENT] * 2)
    crashed.refresh_from_db()
    assert (crashed.status, crashed.attempts, crashed.resends) == (ReminderStatus.SENDING, 1, 0)

    # Past the stale period, the catch-up run sends it again, with the same Message-ID.
    time_machine.move_to(timezone.now() + STALE + timezone.timedelta(seconds=5), tick=True)
    assert services.due_for_delivery(timezone.now()) == [crashed.pk]
    services.deliver(crashed.pk)

    crashed.refresh_from_db()
    assert (crashed.status, crashed.attempts, crashed.resends) == (ReminderStatus.SENT, 2, 1)
    received = mailbox.message_ids
    assert sorted(set(received)) == sorted(log.message_id for log in logs)  # none lost
    assert sorted(received) == sorted([crashed.message_id, *(log.message_id for log in logs)])


def test_a_worker_retries_a_failed_try_at_the_time_the_row_shows(redis_url, start_worker, mailbox):
    log = claim_due_reminder()
    mailbox.refuse_next = 1  # "451 try again later", once
    queue(redis_url, [log])

    start_worker("retrying")
    wait_until(lambda: statuses([log]) == [ReminderStatus.SENT])

    log.refresh_from_db()
    assert (log.attempts, log.resends, log.last_error) == (2, 0, "")
    assert (mailbox.refusals, mailbox.message_ids) == (1, [log.message_id])
