"""notifications.services for the daily sweep: claim_many and deliver_many, against the real
local SMTP server (tests/notifications/conftest.py).

Claims go in with one INSERT per batch and come back by the caller's claim token; delivery
keeps deliver()'s state machine but moves many rows at once and sends them over one SMTP
connection, grouped by recipient set.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services
from notifications.models import ReminderLog, ReminderStatus
from tests.notifications.conftest import DUE, TEMPORARY_FAILURE

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(T0, tick=True)
    return time_machine


def claim(vendor_id: int, recipients: list[str], **overrides) -> services.Claim:
    fields = {
        "kind": "reassessment_due", "object_type": "vendor", "object_id": vendor_id,
        "due_date": DUE, "offset_days": 7, "vendor_id": vendor_id, "recipients": recipients,
        "link": services.absolute(f"/vendors/{vendor_id}/"),
        "context": {"vendor": f"Vendor {vendor_id}", "due": DUE.isoformat(), "days_left": 7,
                    "tier": "Medium"},
    }  # fmt: skip
    return services.Claim(**(fields | overrides))


TEAMS = [["olive@example.com"], ["olive@example.com", "sam@example.com"], ["riley@example.com"]]


def claims(count: int) -> list[services.Claim]:
    """`count` reminders, to three sets of recipients in turn."""
    return [claim(n, TEAMS[n % 3]) for n in range(1, count + 1)]


@pytest.fixture
def connections_made(mailbox):
    """The client ends (host, port) of the SMTP connections each accepted message came on."""
    peers = []
    accept = mailbox.handle_DATA

    async def handle_data(server, session, envelope):
        peers.append(session.peer)
        return await accept(server, session, envelope)

    mailbox.handle_DATA = handle_data
    return peers


# --- claim_many -------------------------------------------------------------------------------


def test_claims_are_inserted_once_with_subject_message_id_and_the_callers_token(settings):
    rows = services.claim_many([claim(1, ["olive@example.com"]), claim(2, [])])

    assert [(r.object_id, r.status) for r in rows] == [
        (1, ReminderStatus.QUEUED),
        (2, ReminderStatus.SKIPPED),  # nobody to write to
    ]
    assert rows[0].subject == "[Clearance] Reassessment of Vendor 1 due in 7 days"
    assert rows[0].message_id.startswith("<") and rows[0].message_id.endswith(
        "@clearance.example.org>"
    )
    assert rows[0].message_id != rows[1].message_id
    assert len(rows[0].claim_token) == 32 and rows[0].claim_token == rows[1].claim_token


def test_a_claim_made_before_is_not_claimed_again_and_not_returned():
    [first] = services.claim_many([claim(1, ["olive@example.com"])])

    again = services.claim_many([claim(1, ["olive@example.com"]), claim(2, ["sam@example.com"])])

    assert [r.object_id for r in again] == [2]
    assert ReminderLog.objects.count() == 2
    assert ReminderLog.objects.get(object_id=1).claim_token == first.claim_token


def test_claiming_takes_the_same_queries_for_5_reminders_as_for_40():
    """One read of what was claimed before, one INSERT, one read back (40 claims fit in one
    INSERT on SQLite too)."""
    counts = []
    for start, count in [(0, 5), (100, 40)]:
        batch = [claim(start + n, ["olive@example.com"]) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert len(services.claim_many(batch)) == count
        counts.append(len(queries))

    assert counts[0] == counts[1] == 3


# --- deliver_many -----------------------------------------------------------------------------


def test_many_emails_go_over_one_connection_grouped_by_recipient_set(
    smtp_server, mailbox, connections_made
):
    rows = services.claim_many(claims(30))

    outcome = services.deliver_many([row.pk for row in rows])

    assert sorted(outcome.sent) == sorted(row.pk for row in rows)
    assert len(set(connections_made)) == 1
    recipients = [tuple(sorted(m["To"].split(", "))) for m in mailbox.received]
    groups = [key for n, key in enumerate(recipients) if n == 0 or key != recipients[n - 1]]
    assert len(groups) == len(set(groups)) == 3  # each set's e-mails one after the other
    assert sorted(mailbox.message_ids) == sorted(row.message_id for row in rows)
    assert set(ReminderLog.objects.values_list("status", "attempts")) == {(ReminderStatus.SENT, 1)}


def test_delivery_takes_the_same_queries_for_5_emails_as_for_40(smtp_server):
    """Per batch of SEND_BATCH: read the rows that may be tried, move them to "sending", record
    them sent; per call: read their recipients."""
    counts = []
    for start, count in [(0, 5), (100, 40)]:
        rows = services.claim_many(claim(start + n, TEAMS[n % 3]) for n in range(count))
        with CaptureQueriesContext(connection) as queries:
            services.deliver_many([row.pk for row in rows])
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 6


def test_a_refused_email_is_left_to_retry_and_the_others_are_sent(smtp_server, mailbox, settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    rows = services.claim_many(claims(6))
    mailbox.refuse_next = 1

    outcome = services.deliver_many([row.pk for row in rows])

    [refused] = outcome.retrying
    assert len(outcome.sent) == 5 and refused not in outcome.sent
    log = ReminderLog.objects.get(pk=refused)
    assert (log.status, log.attempts) == (ReminderStatus.RETRYING, 1)
    assert log.last_error == f"SMTPDataError: {TEMPORARY_FAILURE}"
    assert log.next_attempt_at == outcome.retrying[refused]
    assert T0 < log.next_attempt_at <= timezone.now() + dt.timedelta(seconds=60)


def test_with_the_server_down_it_stops_after_a_few_batches_and_leaves_the_rest(
    smtp_server, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    batches = services.MAX_FAILURES_IN_A_ROW + 2
    rows = services.claim_many(claims(batches * services.SEND_BATCH))
    smtp_server.stop()

    outcome = services.deliver_many([row.pk for row in rows])

    tried = services.MAX_FAILURES_IN_A_ROW * services.SEND_BATCH
    assert (len(outcome.retrying), len(outcome.not_tried), outcome.sent) == (
        tried,
        2 * services.SEND_BATCH,
        [],
    )
    assert ReminderLog.objects.filter(status=ReminderStatus.RETRYING, attempts=1).count() == tried
    untouched = ReminderLog.objects.filter(pk__in=outcome.not_tried)
    assert set(untouched.values_list("status", "attempts")) == {(ReminderStatus.QUEUED, 0)}


def test_a_row_another_run_is_sending_is_left_alone_and_a_stale_one_is_resent_with_its_id(
    smtp_server, mailbox, settings
):
    busy, stale = services.claim_many(claims(2))
    ReminderLog.objects.filter(pk=busy.pk).update(
        status=ReminderStatus.SENDING, sending_since=timezone.now(), attempts=1
    )
    crashed = timezone.now() - dt.timedelta(minutes=settings.REMINDER_SENDING_STALE_MINUTES + 1)
    ReminderLog.objects.filter(pk=stale.pk).update(
        status=ReminderStatus.SENDING, sending_since=crashed, attempts=1
    )

    outcome = services.deliver_many([busy.pk, stale.pk])

    assert (outcome.sent, outcome.tried) == ([stale.pk], {stale.pk})
    assert mailbox.message_ids == [stale.message_id]
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.resends) == (ReminderStatus.SENT, 2, 1)
    busy.refresh_from_db()
    assert busy.status == ReminderStatus.SENDING


def test_a_server_refusing_everything_costs_a_few_tries_per_batch_not_one_per_email(
    smtp_server, mailbox, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    batches = services.MAX_FAILURES_IN_A_ROW + 1
    rows = services.claim_many(claims(batches * services.SEND_BATCH))
    mailbox.answer = TEMPORARY_FAILURE

    outcome = services.deliver_many([row.pk for row in rows])

    given_up = services.MAX_FAILURES_IN_A_ROW * services.SEND_BATCH
    assert mailbox.refusals == services.MAX_FAILURES_IN_A_ROW**2  # per batch, then it gives up
    assert (len(outcome.retrying), len(outcome.not_tried)) == (given_up, services.SEND_BATCH)
    retrying = ReminderLog.objects.filter(status=ReminderStatus.RETRYING, attempts=1)
    assert set(retrying.values_list("last_error", flat=True)) == {
        f"SMTPDataError: {TEMPORARY_FAILURE}"
    }
