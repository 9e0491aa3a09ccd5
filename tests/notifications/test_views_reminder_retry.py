"""The reminder log's delivery columns and "Retry now": tries, resends after a crash, the last
error and the next try for everyone who may read the log; "Retry now" (a confirmation page,
then a POST with its CSRF token) for security leads and administrators only, recorded in the
audit log with who asked."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import ReminderLog, ReminderStatus
from tests.notifications.conftest import claim_due_reminder

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def reminder(status: str, **state) -> ReminderLog:
    log = claim_due_reminder(object_id=ReminderLog.objects.count() + 1)
    ReminderLog.objects.filter(pk=log.pk).update(status=status, **state)
    log.refresh_from_db()
    return log


@pytest.fixture
def given_up(clock):
    return reminder(
        ReminderStatus.FAILED, attempts=12,
        last_error="SMTPDataError: 451 4.3.0 Mailbox temporarily unavailable, try again later",
    )  # fmt: skip


def confirm_as(user, log: ReminderLog):
    """Open the confirmation page and press "Retry now", as a browser does (CSRF enforced)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    url = reverse("reminder_retry", args=[log.pk])
    page = browser.get(url)
    assert page.status_code == 200
    token = browser.cookies["csrftoken"].value
    return browser.post(url, {"csrfmiddlewaretoken": token}, follow=True)


# --- What the log shows -----------------------------------------------------------------------


def test_the_log_shows_tries_resends_the_last_error_and_the_next_try(client, reviewer, clock):
    reminder(
        ReminderStatus.RETRYING, attempts=3, next_attempt_at=T0 + dt.timedelta(minutes=4),
        last_error="SMTPDataError: 451 4.3.0 Mailbox temporarily unavailable, try again later",
    )  # fmt: skip
    reminder(ReminderStatus.SENT, attempts=2, resends=1)
    reminder(ReminderStatus.SENDING, attempts=1, sending_since=T0)
    reminder(ReminderStatus.FAILED, attempts=40, last_error="ConnectionRefusedError: refused")
    client.force_login(reviewer)

    page = client.get(reverse("reminder_log")).content.decode()

    assert "2 Mar 2026 06:04" in page  # the retrying one's next try
    assert "SMTPDataError: 451 4.3.0 Mailbox temporarily unavailable" in page
    assert "1 resent after a crash" in page
    assert ">Sending</span>" in page and "since 2 Mar 2026 06:00" in page
    assert "Given up" in page and "ConnectionRefusedError: refused" in page
    assert "Retry now" not in page  # reviewers may not


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_leads_are_offered_retry_now_for_retrying_and_failed_reminders_only(
    client, users_by_role, clock, who
):
    offered = [reminder(ReminderStatus.RETRYING), reminder(ReminderStatus.FAILED)]
    not_offered = [reminder(s) for s in (ReminderStatus.SENT, ReminderStatus.QUEUED,
                                         ReminderStatus.SENDING, ReminderStatus.SKIPPED)]  # fmt: skip
    client.force_login(users_by_role[who])

    page = client.get(reverse("reminder_log")).content.decode()

    for log in offered:
        assert f'href="{reverse("reminder_retry", args=[log.pk])}"' in page
    for log in not_offered:
        assert reverse("reminder_retry", args=[log.pk]) not in page


# --- Retry now --------------------------------------------------------------------------------


def test_a_lead_confirms_and_the_reminder_is_sent_again_now(
    lead, given_up, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once committed
        response = confirm_as(lead, given_up)

    assert response.redirect_chain == [(reverse("reminder_log"), 302)]
    page = response.content.decode()
    assert (
        "“[Clearance] Reassessment of Quillnote AI due in 7 days” is queued to be sent again now."
        in page
    )
    given_up.refresh_from_db()
    assert (given_up.status, given_up.attempts, given_up.last_error) == (
        ReminderStatus.SENT, 13, "",
    )  # fmt: skip
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == given_up.message_id


def test_who_asked_for_the_retry_is_in_the_audit_log(lead, given_up, clock):
    confirm_as(lead, given_up)

    [entry] = LogEntry.objects.get_for_object(given_up)
    assert entry.actor == lead
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes == {"status": ["failed", "queued"]}
    assert entry.additional_data == {"retry_requested_by": "lead"}


def test_the_confirmation_page_says_what_will_happen(client, lead, given_up):
    client.force_login(lead)

    page = client.get(reverse("reminder_retry", args=[given_up.pk])).content.decode()

    assert "Send this reminder again now?" in page
    assert "riley@example.com" in page
    assert "Failed after 12 tries" in page
    assert "SMTPDataError: 451" in page
    assert "same Message-ID" in page
    assert mail.outbox == []  # opening the page sends nothing


@pytest.mark.parametrize("who", ["reviewer", "procurement", "outsider"])
def test_only_leads_and_administrators_may_retry(client, users_by_role, given_up, who):
    client.force_login(users_by_role[who])
    url = reverse("reminder_retry", args=[given_up.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403

    given_up.refresh_from_db()
    assert given_up.status == ReminderStatus.FAILED
    assert mail.outbox == []


def test_retry_now_needs_a_sign_in(client, given_up):
    response = client.post(reverse("reminder_retry", args=[given_up.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_retry_without_the_csrf_token_is_refused(lead, given_up):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(lead)

    response = browser.post(reverse("reminder_retry", args=[given_up.pk]))

    assert response.status_code == 403
    given_up.refresh_from_db()
    assert given_up.status == ReminderStatus.FAILED


def test_a_sent_reminder_is_not_sent_again(client, lead, clock):
    sent = reminder(ReminderStatus.SENT, attempts=1)
    client.force_login(lead)

    response = client.post(reverse("reminder_retry", args=[sent.pk]), follow=True)

    assert response.redirect_chain == [(reverse("reminder_log"), 302)]
    assert "is sent: there is nothing to retry." in response.content.decode()
    assert mail.outbox == []
    assert not LogEntry.objects.get_for_object(sent).exists()


def test_an_unknown_reminder_is_not_found(client, lead):
    client.force_login(lead)

    assert client.get(reverse("reminder_retry", args=[999])).status_code == 404
