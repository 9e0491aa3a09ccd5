"""A 3-hour SMTP outage loses nothing: every reminder is retried (every 30 minutes at most
once the backoff has grown) and delivered once the server is back, each exactly once.

The real local SMTP server (aiosmtpd) either answers "451 try again later" or is stopped
altogether. Time moves with time-machine in 5-minute steps; at each step what is due is
delivered, as the worker's timed retries and the sweep's catch-up both do
(notifications.services.due_for_delivery, then deliver).
"""

import contextlib
import datetime as dt

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import ReminderLog, ReminderStatus
from tests.notifications.conftest import TEMPORARY_FAILURE, claim_due_reminder

T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=5)
OUTAGE = dt.timedelta(hours=3)
REMINDERS = 20

pytestmark = pytest.mark.django_db


def run_what_is_due(now: dt.datetime) -> None:
    for log_id in services.due_for_delivery(now):
        with contextlib.suppress(services.DeliveryFailed):
            services.deliver(log_id)


@pytest.fixture
def outage(smtp_server, mailbox):
    """`outage.begin(kind)` and `outage.end()`: the server answers 451, or is not there."""

    class Outage:
        def begin(self, kind: str):
            self.kind = kind
            if kind == "451":
                mailbox.answer = TEMPORARY_FAILURE
            else:
                smtp_server.stop()

        def end(self):
            if self.kind == "451":
                mailbox.answer = None
            else:
                smtp_server.start()

    return Outage()


@pytest.mark.parametrize("kind", ["451", "server down"])
def test_nothing_is_lost_in_a_three_hour_outage_and_each_email_arrives_once(
    outage, mailbox, time_machine, settings, client, lead, kind
):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    time_machine.move_to(T0, tick=False)
    outage.begin(kind)
    logs = [claim_due_reminder(object_id=n) for n in range(1, REMINDERS + 1)]
    for log in logs:  # the first try, as the worker makes it at once
        with contextlib.suppress(services.DeliveryFailed):
            services.deliver(log.pk)

    now = T0
    while now < T0 + OUTAGE:
        now += STEP
        time_machine.move_to(now)
        if now == T0 + 2 * dt.timedelta(hours=1):
            # Two hours in: the log says what is happening, and nothing is given up.
            assert set(ReminderLog.objects.values_list("status", flat=True)) == {
                ReminderStatus.RETRYING
            }
            client.force_login(lead)
            page = client.get(reverse("reminder_log")).content.decode()
            assert ">Retrying</span>" in page
            assert ("SMTPDataError: 451" if kind == "451" else "ConnectionRefusedError") in page
        run_what_is_due(now)
    assert mailbox.received == []
    # Far more than the five tries that used to end in "failed" after 15 minutes.
    assert min(ReminderLog.objects.values_list("attempts", flat=True)) >= 8

    outage.end()
    back = now
    while now < back + dt.timedelta(minutes=30):
        now += STEP
        time_machine.move_to(now)
        run_what_is_due(now)

    assert sorted(mailbox.message_ids) == sorted(log.message_id for log in logs)
    assert set(ReminderLog.objects.values_list("status", "last_error")) == {
        (ReminderStatus.SENT, "")
    }
    assert all(back < sent_at <= back + dt.timedelta(minutes=30) for sent_at in
               ReminderLog.objects.values_list("sent_at", flat=True))  # fmt: skip
