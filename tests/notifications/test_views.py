"""The notification pages: each signed-in user's reminder preference, and the reminder log
(for reviewers, leads and administrators) with its filters, pages and empty states."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import NotificationPreference, ReminderKind, ReminderLog, ReminderStatus
from notifications.views import REMINDERS_PER_PAGE

ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]
_object_ids = itertools.count(1)


def reminder(kind=ReminderKind.REASSESSMENT_DUE, status=ReminderStatus.SENT, *,
             subject="[Clearance] Reassessment of Quillnote AI due in 7 days",
             created: dt.datetime | None = None, **fields) -> ReminderLog:  # fmt: skip
    """A row of the reminder log; `created` backdates it."""
    row = ReminderLog.objects.create(
        kind=kind, status=status, subject=subject, object_type="vendor",
        object_id=next(_object_ids), due_date=dt.date(2026, 3, 9), offset_days=7,
        recipients=["reviewer@example.com"], link="https://clearance.example.org/vendors/1/",
        **fields,
    )  # fmt: skip
    if created is not None:
        ReminderLog.objects.filter(pk=row.pk).update(created_at=created)
    return row


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 6, 0, tzinfo=dt.UTC)


def listed(response) -> list[str]:
    return [log.subject for log in response.context["page"].object_list]


# --- Preferences ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_every_signed_in_user_has_a_preferences_page_with_reminders_on(client, users_by_role, who):
    client.force_login(users_by_role[who])

    response = client.get(reverse("notification_preferences"))

    assert response.status_code == 200
    assert response.context["form"]["reminder_emails"].value() is True
    assert "Escalations to leads are always sent." in response.content.decode()


def test_the_preferences_page_needs_a_sign_in(client):
    response = client.get(reverse("notification_preferences"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def post_from_the_page(user, data: dict):
    """Submit the preferences form as a browser does: with its CSRF token, and without the
    checkbox when it is unticked."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    url = reverse("notification_preferences")
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    return browser.post(url, {"csrfmiddlewaretoken": token, **data}, follow=True)


@pytest.mark.parametrize("who", ROLES)
def test_a_user_turns_reminders_off_and_on_again(users_by_role, who):
    user = users_by_role[who]

    response = post_from_the_page(user, {})

    assert response.redirect_chain == [(reverse("notification_preferences"), 302)]
    assert "Reminder e-mails are off. Escalations are always sent." in response.content.decode()
    assert NotificationPreference.objects.get(user=user).reminder_emails is False
    assert response.context["form"]["reminder_emails"].value() is False

    response = post_from_the_page(user, {"reminder_emails": "on"})

    assert "Reminder e-mails are on. Escalations are always sent." in response.content.decode()
    assert NotificationPreference.objects.get(user=user).reminder_emails is True


def test_a_user_changes_only_their_own_preference(client, reviewer, lead):
    post_from_the_page(reviewer, {})

    assert NotificationPreference.objects.get(user=reviewer).reminder_emails is False
    assert not NotificationPreference.objects.filter(user=lead, reminder_emails=False).exists()


# --- Reminder log: access ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_the_reminder_log_is_for_reviewers_leads_and_administrators(client, users_by_role, who):
    client.force_login(users_by_role[who])

    response = client.get(reverse("reminder_log"))

    assert response.status_code == (403 if who in ("procurement", "outsider") else 200)


def test_the_reminder_log_needs_a_sign_in(client):
    response = client.get(reverse("reminder_log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Reminder log: contents, filters, pages ---------------------------------------------------


@pytest.fixture
def three_reminders(db):
    return {
        "due": reminder(created=at(1)),
        "expired": reminder(
            ReminderKind.EVIDENCE_EXPIRED,
            ReminderStatus.FAILED,
            created=at(2) - dt.timedelta(days=10),
            subject="[Clearance] SOC 2 report of Quillnote AI has expired",
            attempts=5,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        ),  # fmt: skip
        "overdue": reminder(
            ReminderKind.REASSESSMENT_OVERDUE,
            ReminderStatus.RETRYING,
            created=at(2),
            subject="[Clearance] Reassessment of Lumen Scribe is 8 days overdue",
            attempts=2,
        ),  # fmt: skip
    }


def test_the_log_lists_the_newest_first_with_status_tries_and_error(client, lead, three_reminders):
    client.force_login(lead)

    response = client.get(reverse("reminder_log"))

    assert listed(response) == [
        "[Clearance] Reassessment of Lumen Scribe is 8 days overdue",
        "[Clearance] Reassessment of Quillnote AI due in 7 days",
        "[Clearance] SOC 2 report of Quillnote AI has expired",
    ]
    page = response.content.decode()
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert ">Failed</span>" in page and ">Retrying</span>" in page and ">Sent</span>" in page
    assert 'href="https://clearance.example.org/vendors/1/"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "evidence_expired"}, ["expired"]),
        ({"status": "retrying"}, ["overdue"]),
        ({"status": "sent"}, ["due"]),
        ({"since": "2026-03-01"}, ["overdue", "due"]),
        ({"since": "2026-03-02"}, ["overdue"]),
        ({"kind": "reassessment_due", "since": "2026-03-01"}, ["due"]),
    ],
)
def test_the_log_filters_by_kind_status_and_creation_date(
    client, reviewer, three_reminders, query, expected
):
    client.force_login(reviewer)

    response = client.get(reverse("reminder_log"), query)

    assert listed(response) == [three_reminders[name].subject for name in expected]
    assert "Clear</a>" in response.content.decode()


def test_filters_that_match_nothing_say_so_and_offer_to_clear_them(
    client, reviewer, three_reminders
):
    client.force_login(reviewer)

    response = client.get(reverse("reminder_log"), {"kind": "conditions_overdue"})

    page = response.content.decode()
    assert listed(response) == []
    assert "No reminder matches these filters." in page
    assert f'href="{reverse("reminder_log")}">Clear</a>' in page


def test_an_empty_log_says_when_the_sweep_runs(client, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("reminder_log")).content.decode()

    assert "No reminders have been sent yet. The daily sweep runs at 06:00." in page
    assert "Clear</a>" not in page


def test_the_log_is_paged_and_the_pages_keep_the_filters(client, reviewer):
    for _ in range(REMINDERS_PER_PAGE + 1):
        reminder()
    reminder(ReminderKind.EVIDENCE_EXPIRING, subject="[Clearance] other kind")
    client.force_login(reviewer)

    first = client.get(reverse("reminder_log"), {"kind": "reassessment_due"})
    second = client.get(reverse("reminder_log"), {"kind": "reassessment_due", "page": 2})

    assert len(listed(first)) == REMINDERS_PER_PAGE == 50
    assert len(listed(second)) == 1
    assert "[Clearance] other kind" not in listed(first) + listed(second)
    assert "1–50 of 51" in first.content.decode()
    assert 'href="?kind=reassessment_due&amp;page=2">Next</a>' in first.content.decode()


def test_the_log_costs_the_same_queries_whatever_its_length(client, reviewer):
    client.force_login(reviewer)
    reminder()
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reminder_log"))
    for _ in range(30):
        reminder()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reminder_log"))

    assert len(many) == len(one)
