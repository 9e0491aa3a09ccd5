"""notifications.services: who is written to, claiming a reminder once, and what the e-mail
says (subject prefix, plain-text and HTML parts, absolute link), sent with the locmem backend
of the test settings. Failures, retries and crashes, through a real SMTP server, are in
test_services_delivery.py.
"""

import datetime as dt

import pytest
from django.core import mail

from notifications import services
from notifications.models import NotificationPreference, ReminderLog, ReminderStatus
from tests.factories import UserFactory
from tests.notifications.conftest import DUE, claim_due_reminder

pytestmark = pytest.mark.django_db


def user(username, **fields):
    return UserFactory(username=username, **fields)


# --- Recipients -------------------------------------------------------------------------------


def test_each_address_is_written_to_once_in_lower_case():
    owner = user("owner", email="Olive@Example.com")
    same_person_again = user("olive2", email="olive@example.com")
    reviewer = user("riley")

    assert services.recipient_emails([reviewer, owner, None, same_person_again, owner]) == [
        "olive@example.com",
        "riley@example.com",
    ]


def test_inactive_users_and_users_without_an_email_are_skipped():
    gone = user("gone", is_active=False)
    silent = user("silent", email="")
    riley = user("riley")

    assert services.recipient_emails([gone, silent, riley]) == ["riley@example.com"]
    assert services.recipient_emails([gone, silent], escalation=True) == []


def test_a_user_who_turned_reminders_off_gets_no_reminder_but_still_gets_escalations():
    quiet, riley = user("quiet"), user("riley")
    NotificationPreference.objects.create(user=quiet, reminder_emails=False)
    NotificationPreference.objects.create(user=riley, reminder_emails=True)

    assert services.recipient_emails([quiet, riley]) == ["riley@example.com"]
    assert services.recipient_emails([quiet, riley], escalation=True) == [
        "quiet@example.com",
        "riley@example.com",
    ]


def test_links_are_absolute_from_site_url():
    assert services.absolute("/vendors/7/") == "https://clearance.example.org/vendors/7/"


# --- Claiming ---------------------------------------------------------------------------------


def test_a_claim_records_the_reminder_queued_with_the_subject_prefix():
    log = claim_due_reminder()

    assert log.subject == "[Clearance] Reassessment of Quillnote AI due in 7 days"
    assert (log.status, log.attempts, log.sent_at) == (ReminderStatus.QUEUED, 0, None)
    assert log.recipients == ["riley@example.com"]
    assert mail.outbox == []  # claiming sends nothing


def test_a_reminder_is_claimed_only_once():
    first = claim_due_reminder()

    assert claim_due_reminder() is None
    assert claim_due_reminder(recipients=["someone@example.com"]) is None
    assert list(ReminderLog.objects.all()) == [first]


@pytest.mark.parametrize(
    "change",
    [
        {"offset_days": 1},
        {"due_date": DUE + dt.timedelta(days=1)},
        {"object_id": 2},
        {"kind": "reassessment_overdue", "context": {"vendor": "Q", "days_overdue": 1}},
    ],
    ids=["another step", "another due date", "another vendor", "another kind"],
)
def test_a_reminder_differing_in_any_part_of_its_key_is_a_new_claim(change):
    claim_due_reminder()

    assert claim_due_reminder(**change) is not None
    assert ReminderLog.objects.count() == 2


def test_a_reminder_with_no_one_to_write_to_is_recorded_as_skipped_and_never_sent():
    log = claim_due_reminder(recipients=[])

    assert log.status == ReminderStatus.SKIPPED
    services.deliver(log.pk)
    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.SKIPPED, 0)
    assert mail.outbox == []


# --- Delivering -------------------------------------------------------------------------------


def test_delivery_sends_a_plain_text_and_an_html_part_with_the_link():
    log = claim_due_reminder()

    services.deliver(log.pk)

    [message] = mail.outbox
    assert message.subject == "[Clearance] Reassessment of Quillnote AI due in 7 days"
    assert message.from_email == "Clearance <clearance@example.org>"
    assert message.to == ["riley@example.com"]
    assert "Quillnote AI (Medium risk) must be reassessed by 2026-03-09." in message.body
    assert "Open the vendor: https://clearance.example.org/vendors/1/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://clearance.example.org/vendors/1/"' in html
    assert "Reassessment of Quillnote AI due in 7 days</h1>" in html
    log.refresh_from_db()
    assert (log.status, log.attempts, log.last_error) == (ReminderStatus.SENT, 1, "")
    assert log.sent_at is not None


def test_user_text_is_plain_in_the_text_part_and_escaped_in_the_html_part():
    log = claim_due_reminder(
        context={"vendor": "<b>Acme & Co</b>", "due": DUE.isoformat(), "days_left": 7,
                 "tier": "Medium"},
    )  # fmt: skip

    services.deliver(log.pk)

    [message] = mail.outbox
    assert message.subject == "[Clearance] Reassessment of <b>Acme & Co</b> due in 7 days"
    assert "Reassessment of <b>Acme & Co</b> due in 7 days" in message.body
    assert "&lt;b&gt;" not in message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in html
    assert "<b>Acme" not in html


def test_a_sent_reminder_is_never_sent_again():
    log = claim_due_reminder()

    services.deliver(log.pk)
    services.deliver(log.pk)

    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.SENT, 1)


# --- Dispatching ------------------------------------------------------------------------------


def test_delivery_is_queued_only_once_the_claim_has_committed(django_capture_on_commit_callbacks):
    log = claim_due_reminder()

    with django_capture_on_commit_callbacks() as callbacks:
        services.dispatch(log)
    assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: eager Celery delivers in-process
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert log.status == ReminderStatus.SENT


def test_nothing_is_queued_for_a_reminder_claimed_before_or_skipped(
    django_capture_on_commit_callbacks,
):
    skipped = claim_due_reminder(recipients=[])
    claimed_before = claim_due_reminder(object_id=2)
    services.deliver(claimed_before.pk)
    claimed_before.refresh_from_db()

    with django_capture_on_commit_callbacks() as callbacks:
        services.dispatch(None)  # what claim() returns for a reminder claimed before
        services.dispatch(skipped)
        services.dispatch(claimed_before)

    assert callbacks == []
