"""notifications.services.deliver and due_for_delivery: the state each e-mail goes through.

claimed ("queued") → "sending", committed before the SMTP transaction → "sent", or "retrying"
with a next try by exponential backoff, or "failed" once the retry window (72 hours from the
claim) has passed; a row left "sending" by a crash is sent again after the stale period (15
minutes) with the same Message-ID. E-mails go to a real SMTP server on 127.0.0.1 (aiosmtpd,
tests/notifications/conftest.py) that accepts them or answers "451 try again later"; time is
frozen and moved with time-machine.
"""

import datetime as dt
import re
import threading

import pytest
from celery.exceptions import Retry
from django.db import connection

from notifications import services
from notifications.models import ReminderLog, ReminderStatus
from notifications.tasks import deliver_reminder
from tests.notifications.conftest import TEMPORARY_FAILURE, claim_due_reminder

T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
WINDOW = dt.timedelta(hours=72)
STALE = dt.timedelta(minutes=15)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine, settings):
    time_machine.move_to(T0, tick=False)
    # The defaults, stated here because the tests count on them.
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_WINDOW_HOURS = 72
    settings.REMINDER_SENDING_STALE_MINUTES = 15
    return time_machine


def fresh(log: ReminderLog) -> ReminderLog:
    log.refresh_from_db()
    return log


def fail_once(log: ReminderLog) -> services.DeliveryFailed:
    with pytest.raises(services.DeliveryFailed) as failure:
        services.deliver(log.pk)
    return failure.value


def crash_mid_send(log: ReminderLog, *, at: dt.datetime, attempts: int = 1) -> None:
    """Leave the row as a worker killed during the SMTP transaction leaves it."""
    ReminderLog.objects.filter(pk=log.pk).update(
        status=ReminderStatus.SENDING, sending_since=at, attempts=attempts, updated_at=at
    )


# --- The Message-ID ---------------------------------------------------------------------------


def test_each_claim_gets_its_own_message_id_under_the_site_host(clock):
    first = claim_due_reminder()
    second = claim_due_reminder(object_id=2)

    assert re.fullmatch(r"<[^<>@\s]+@clearance\.example\.org>", first.message_id)
    assert first.message_id != second.message_id


def test_the_email_received_carries_the_stored_message_id(smtp_server, mailbox, clock):
    log = claim_due_reminder()

    services.deliver(log.pk)

    assert mailbox.message_ids == [log.message_id]
    [message] = mailbox.received
    assert message["Subject"] == "[Clearance] Reassessment of Quillnote AI due in 7 days"
    assert message["To"] == "riley@example.com"
    log = fresh(log)
    assert (log.status, log.attempts, log.resends) == (ReminderStatus.SENT, 1, 0)
    assert (log.sent_at, log.sending_since, log.next_attempt_at, log.last_error) == (
        T0, None, None, "",
    )  # fmt: skip


def test_a_row_claimed_without_a_message_id_gets_one_at_its_first_try_and_keeps_it(
    smtp_server, mailbox, clock
):
    log = claim_due_reminder()
    ReminderLog.objects.filter(pk=log.pk).update(message_id="")  # as a bulk insert might
    mailbox.answer = TEMPORARY_FAILURE
    fail_once(log)
    chosen = fresh(log).message_id
    assert chosen.endswith("@clearance.example.org>")

    clock.move_to(T0 + MINUTE)
    mailbox.answer = None
    services.deliver(log.pk)

    assert mailbox.message_ids == [chosen]


# --- "sending" is committed before the SMTP transaction ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_says_sending_while_the_smtp_transaction_runs(smtp_server, mailbox, clock):
    """Read by the SMTP server's thread, on its own connection: only what is committed."""
    log = claim_due_reminder()
    seen = []
    mailbox.on_message = lambda message: seen.append(
        ReminderLog.objects.values_list("status", "sending_since", "attempts").get(pk=log.pk)
    )

    services.deliver(log.pk)

    assert seen == [(ReminderStatus.SENDING, T0, 1)]
    assert fresh(log).status == ReminderStatus.SENT


# --- Failures, backoff and the retry window ---------------------------------------------------


def test_a_failed_try_says_retrying_with_the_error_and_the_next_try(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE

    failure = fail_once(log)

    log = fresh(log)
    assert (log.status, log.attempts, log.sent_at) == (ReminderStatus.RETRYING, 1, None)
    assert log.last_error == (
        "SMTPDataError: 451 4.3.0 Mailbox temporarily unavailable, try again later"
    )
    assert log.next_attempt_at == failure.next_attempt_at == T0 + MINUTE
    assert log.sending_since is None
    assert (mailbox.received, mailbox.refusals) == ([], 1)


def test_a_server_that_does_not_answer_is_a_failed_try_too(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    smtp_server.stop()

    fail_once(log)

    log = fresh(log)
    assert log.status == ReminderStatus.RETRYING
    assert log.last_error.startswith("ConnectionRefusedError")


def test_a_retry_is_not_tried_before_its_time_and_is_sent_when_it_comes(
    smtp_server, mailbox, clock
):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE
    fail_once(log)
    mailbox.answer = None

    clock.move_to(T0 + MINUTE - SECOND)
    services.deliver(log.pk)

    assert (fresh(log).status, log.attempts, mailbox.received) == (ReminderStatus.RETRYING, 1, [])

    clock.move_to(T0 + MINUTE)
    services.deliver(log.pk)

    log = fresh(log)
    assert (log.status, log.attempts, log.last_error, log.next_attempt_at) == (
        ReminderStatus.SENT, 2, "", None,
    )  # fmt: skip
    assert mailbox.message_ids == [log.message_id]


def test_the_wait_between_tries_doubles_up_to_half_an_hour(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE
    waits = []

    for _ in range(8):
        now = fresh(log).next_attempt_at or T0
        clock.move_to(now)
        failure = fail_once(log)
        waits.append((failure.next_attempt_at - now) / MINUTE)

    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert fresh(log).attempts == mailbox.refusals == 8


def test_a_try_failing_just_inside_the_window_is_tried_once_more_at_its_end(
    smtp_server, mailbox, clock
):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE

    clock.move_to(T0 + WINDOW - SECOND)
    failure = fail_once(log)

    assert fresh(log).status == ReminderStatus.RETRYING
    assert failure.next_attempt_at == log.next_attempt_at == T0 + WINDOW  # not a minute later
    # A late catch-up run still gives it that last try.
    assert services.due_for_delivery(T0 + WINDOW + dt.timedelta(hours=20)) == [log.pk]


def test_a_try_failing_once_the_window_has_passed_is_given_up(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE

    clock.move_to(T0 + WINDOW)
    services.deliver(log.pk)  # recorded, not raised: there is nothing to retry

    log = fresh(log)
    assert (log.status, log.next_attempt_at) == (ReminderStatus.FAILED, None)
    assert log.last_error.startswith("SMTPDataError: 451")
    assert services.due_for_delivery(T0 + WINDOW + dt.timedelta(days=1)) == []

    mailbox.answer = None
    clock.move_to(T0 + WINDOW + dt.timedelta(days=1))
    services.deliver(log.pk)  # a stray task later sends nothing

    assert (fresh(log).status, log.attempts, mailbox.received) == (ReminderStatus.FAILED, 1, [])


def test_the_window_is_a_setting(smtp_server, mailbox, clock, settings):
    settings.REMINDER_RETRY_WINDOW_HOURS = 1
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE

    clock.move_to(T0 + dt.timedelta(hours=1))
    services.deliver(log.pk)

    assert fresh(log).status == ReminderStatus.FAILED


@pytest.mark.parametrize(
    ("age", "tried"),
    [(WINDOW - SECOND, True), (WINDOW, False)],
    ids=["just inside the window", "once it has passed"],
)
def test_a_row_failed_for_good_before_the_window_existed_is_retried_while_it_lasts(
    smtp_server, mailbox, clock, age, tried
):
    """Rows that the five-tries rule recorded as failed, with no next try stored."""
    log = claim_due_reminder()
    ReminderLog.objects.filter(pk=log.pk).update(status=ReminderStatus.FAILED, attempts=5)

    clock.move_to(T0 + age)
    assert services.due_for_delivery(T0 + age) == ([log.pk] if tried else [])
    services.deliver(log.pk)

    assert fresh(log).status == (ReminderStatus.SENT if tried else ReminderStatus.FAILED)
    assert len(mailbox.received) == int(tried)


# --- A crash mid-send -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "resent"),
    [(STALE, False), (STALE + SECOND, True)],
    ids=["at the stale period", "just after it"],
)
def test_a_send_interrupted_by_a_crash_is_resent_only_once_it_is_stale(
    smtp_server, mailbox, clock, after, resent
):
    log = claim_due_reminder()
    crash_mid_send(log, at=T0)

    clock.move_to(T0 + after)
    assert services.due_for_delivery(T0 + after) == ([log.pk] if resent else [])
    services.deliver(log.pk)

    log = fresh(log)
    if resent:
        assert (log.status, log.attempts, log.resends) == (ReminderStatus.SENT, 2, 1)
        assert mailbox.message_ids == [log.message_id]
    else:
        assert (log.status, log.attempts, log.resends) == (ReminderStatus.SENDING, 1, 0)
        assert mailbox.received == []


def test_the_stale_period_is_a_setting(smtp_server, mailbox, clock, settings):
    settings.REMINDER_SENDING_STALE_MINUTES = 60
    log = claim_due_reminder()
    crash_mid_send(log, at=T0)

    clock.move_to(T0 + STALE + SECOND)
    services.deliver(log.pk)

    assert (fresh(log).status, mailbox.received) == (ReminderStatus.SENDING, [])


def test_a_resend_that_fails_is_retried_like_any_other_try(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    crash_mid_send(log, at=T0)
    mailbox.answer = TEMPORARY_FAILURE

    clock.move_to(T0 + STALE + SECOND)
    failure = fail_once(log)

    log = fresh(log)
    assert (log.status, log.attempts, log.resends) == (ReminderStatus.RETRYING, 2, 1)
    assert failure.next_attempt_at == T0 + STALE + SECOND + 2 * MINUTE


# --- Two workers, one row ---------------------------------------------------------------------


def deliver_in_thread(log_id: int) -> threading.Thread:
    def run():
        try:
            services.deliver(log_id)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_by_one_worker_is_left_alone_by_another(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.hold_next = True
    first_worker = deliver_in_thread(log.pk)
    assert mailbox.holding.wait(30), "the first worker never reached DATA"

    second_try = services.deliver(log.pk)  # another worker, given the same row meanwhile

    assert (second_try.status, second_try.attempts) == (ReminderStatus.SENDING, 1)
    mailbox.release.set()
    first_worker.join(30)
    log = fresh(log)
    assert (log.status, log.attempts, log.resends) == (ReminderStatus.SENT, 1, 0)
    assert mailbox.message_ids == [log.message_id]


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_rows_at_the_same_moment_send_each_once(
    smtp_server, mailbox, clock
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Workers racing on one row need PostgreSQL (SQLite serialises every writer). "
            "Run with DATABASE_URL=postgres://..."
        )
    logs = [claim_due_reminder(object_id=n) for n in range(1, 11)]
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait(10)
            for log in logs:
                services.deliver(log.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(mailbox.message_ids) == sorted(log.message_id for log in logs)
    assert set(ReminderLog.objects.values_list("status", "attempts")) == {(ReminderStatus.SENT, 1)}


# --- What the catch-up run delivers -----------------------------------------------------------


def test_the_catch_up_run_takes_what_was_never_sent_and_leaves_the_rest(clock):
    """One row in each state, just inside and just outside each boundary."""

    def row(object_id: int, created: dt.datetime, **state) -> int:
        clock.move_to(created)
        log = claim_due_reminder(object_id=object_id)
        if state:
            ReminderLog.objects.filter(pk=log.pk).update(**state)
        return log.pk

    now = T0 + dt.timedelta(days=3)
    old = T0  # the window of a row claimed at T0 ends at T0 + 72 h
    due = {
        row(1, now - 10 * MINUTE - SECOND),  # queued, never handed to a worker
        row(2, old, status="retrying", next_attempt_at=now),
        row(3, old, status="retrying", next_attempt_at=None),  # from before next tries
        row(4, old + SECOND, status="failed", next_attempt_at=None),  # window open
        row(5, old, status="sending", sending_since=now - STALE - SECOND),
    }
    left_alone = {
        row(11, now - 10 * MINUTE + SECOND),  # queued moments ago: the worker has it
        row(12, old, status="retrying", next_attempt_at=now + SECOND),
        row(13, old, status="failed", next_attempt_at=None),  # window passed: given up
        row(14, old, status="sending", sending_since=now - STALE),  # still being sent
        row(15, old, status="sent"),
        row(16, old, status="skipped"),
    }

    assert services.due_for_delivery(now) == sorted(due)
    assert not left_alone & set(services.due_for_delivery(now))


def test_a_claim_re_queued_by_retry_now_counts_from_then(clock, lead):
    log = claim_due_reminder()
    ReminderLog.objects.filter(pk=log.pk).update(status=ReminderStatus.FAILED)
    clock.move_to(T0 + dt.timedelta(days=5))
    services.retry_now(log.pk, requested_by=lead)  # its task is lost (the broker is down)
    ReminderLog.objects.filter(pk=log.pk).update(status=ReminderStatus.QUEUED)

    assert services.due_for_delivery(T0 + dt.timedelta(days=5, minutes=9)) == []
    assert services.due_for_delivery(T0 + dt.timedelta(days=5, minutes=11)) == [log.pk]


def test_retry_now_after_the_window_gives_one_more_try(smtp_server, mailbox, clock, lead):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE
    clock.move_to(T0 + WINDOW)
    services.deliver(log.pk)
    assert fresh(log).status == ReminderStatus.FAILED

    clock.move_to(T0 + WINDOW + dt.timedelta(days=2))
    services.retry_now(log.pk, requested_by=lead)
    services.deliver(log.pk)  # the task dispatched once the request commits

    log = fresh(log)
    assert (log.status, log.attempts, log.next_attempt_at) == (ReminderStatus.FAILED, 2, None)
    assert mailbox.refusals == 2

    services.retry_now(log.pk, requested_by=lead)
    mailbox.answer = None
    services.deliver(log.pk)

    assert (fresh(log).status, mailbox.message_ids) == (ReminderStatus.SENT, [log.message_id])


# --- The Celery task --------------------------------------------------------------------------


def test_the_task_retries_at_the_next_try_the_row_shows(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE

    with pytest.raises(Retry) as retry:
        deliver_reminder.apply(args=[log.pk], throw=True)

    assert retry.value.when == fresh(log).next_attempt_at == T0 + MINUTE


def test_a_copy_of_the_task_that_finds_nothing_due_does_nothing(smtp_server, mailbox, clock):
    log = claim_due_reminder()
    mailbox.answer = TEMPORARY_FAILURE
    fail_once(log)

    clock.move_to(T0 + 30 * SECOND)
    assert deliver_reminder.apply(args=[log.pk], throw=True).get() == ReminderStatus.RETRYING

    assert (fresh(log).attempts, mailbox.refusals) == (1, 1)


def test_the_task_reports_what_it_did(smtp_server, mailbox, clock):
    log = claim_due_reminder()

    assert deliver_reminder.apply(args=[log.pk], throw=True).get() == ReminderStatus.SENT
    assert deliver_reminder.apply(args=[log.pk], throw=True).get() == ReminderStatus.SENT
    assert mailbox.message_ids == [log.message_id]
