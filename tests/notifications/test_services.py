"""notifications.services: who is written to, claiming a reminder once, and delivering it
(subject prefix, plain-text and HTML parts, absolute link), with SMTP failures recorded as
retrying and, after the last try, failed.

SMTP is the only thing mocked: `EmailMultiAlternatives.send` fails as a server that hangs up
would, then hands over to the real send (the locmem backend of the test settings).
"""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications import services
from notifications.models import NotificationPreference, ReminderLog, ReminderStatus
from tests.factories import UserFactory

DUE = dt.date(2026, 3, 9)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://clearance.example.org"
    settings.EMAIL_SUBJECT_PREFIX = "[Clearance] "
    settings.DEFAULT_FROM_EMAIL = "Clearance <clearance@example.org>"


@pytest.fixture
def failing_smtp(monkeypatch):
    """`failing_smtp(times)` makes the next `times` sends fail (None: every send); returns
    the list of messages the server was offered."""

    def install(times: int | None) -> list:
        tries = []
        real_send = EmailMultiAlternatives.send

        def send(message, fail_silently=False):
            tries.append(message)
            if times is None or len(tries) <= times:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            return real_send(message, fail_silently)

        monkeypatch.setattr(EmailMultiAlternatives, "send", send)
        return tries

    return install


def user(username, **fields):
    return UserFactory(username=username, **fields)


def claim_due_reminder(**overrides) -> ReminderLog | None:
    """A 7-day reassessment reminder for vendor 1, as the sweep would claim it."""
    fields = {
        "kind": "reassessment_due", "object_type": "vendor", "object_id": 1, "due_date": DUE,
        "offset_days": 7, "vendor_id": 1, "recipients": ["riley@example.com"],
        "link": services.absolute("/vendors/1/"),
        "context": {"vendor": "Quillnote AI", "due": DUE.isoformat(), "days_left": 7,
                    "tier": "Medium"},
    }  # fmt: skip
    return services.claim(**(fields | overrides))


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


def test_an_smtp_failure_is_recorded_as_retrying_and_raised_for_a_retry(failing_smtp):
    log = claim_due_reminder()
    failing_smtp(times=1)

    with pytest.raises(services.DeliveryFailed):
        services.deliver(log.pk)

    log.refresh_from_db()
    assert (log.status, log.attempts, log.sent_at) == (ReminderStatus.RETRYING, 1, None)
    assert log.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []


def test_a_retry_that_succeeds_clears_the_error(failing_smtp):
    log = claim_due_reminder()
    failing_smtp(times=1)
    with pytest.raises(services.DeliveryFailed):
        services.deliver(log.pk)

    services.deliver(log.pk)

    log.refresh_from_db()
    assert (log.status, log.attempts, log.last_error) == (ReminderStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_the_last_try_is_recorded_as_failed_and_nothing_is_tried_after_it(failing_smtp, settings):
    settings.REMINDER_MAX_ATTEMPTS = 3
    log = claim_due_reminder()
    tries = failing_smtp(times=None)

    for _ in range(2):
        with pytest.raises(services.DeliveryFailed):
            services.deliver(log.pk)
    services.deliver(log.pk)  # the last try: recorded, not raised
    services.deliver(log.pk)  # a stray retry afterwards sends nothing

    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.FAILED, 3)
    assert log.last_error.startswith("SMTPServerDisconnected")
    assert len(tries) == 3


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
