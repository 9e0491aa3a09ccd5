"""`python manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]`: the daily sweep for cron
users and for previewing. It sends in its own process, without Celery."""

import datetime as dt
import io
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command

from assessments.models import AssessmentStatus
from notifications.models import ReminderLog, ReminderStatus
from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC), tick=True)
    return time_machine


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://clearance.example.org"
    settings.EMAIL_SUBJECT_PREFIX = "[Clearance] "


def send_reminders(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def due_vendor(due: dt.date, **fields):
    return VendorFactory(
        **{"status": VendorStatus.APPROVED, "tier": "medium", "next_reassessment_date": due,
           **fields}
    )  # fmt: skip


def test_a_dry_run_lists_what_is_due_and_sends_nothing(reviewer, mini_template):
    vendor = due_vendor(TODAY + dt.timedelta(days=7), name="Quillnote AI")

    output = send_reminders("--dry-run")

    assert output == (
        "  reassessment_due         Reassessment of Quillnote AI due in 7 days"
        " -> reviewer@example.com\n"
        "1 reminder(s) due; dry run: nothing sent.\n"
    )
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert not vendor.assessments.exists()  # no draft either


def test_it_sends_the_reminders_due_today_in_its_own_process(reviewer, mini_template):
    vendor = due_vendor(TODAY + dt.timedelta(days=7), name="Quillnote AI")

    output = send_reminders()

    [message] = mail.outbox
    assert message.subject == "[Clearance] Reassessment of Quillnote AI due in 7 days"
    [log] = ReminderLog.objects.all()
    assert (log.status, log.attempts) == (ReminderStatus.SENT, 1)
    assert "  created draft reassessment of Quillnote AI\n" in output
    assert vendor.assessments.get().status == AssessmentStatus.DRAFT
    assert output.endswith(
        "1 new reminder(s) sent or queued; 0 already sent before; 0 earlier one(s) retried.\n"
    )


def test_running_it_again_sends_nothing_twice(reviewer):
    due_vendor(TODAY + dt.timedelta(days=7))
    send_reminders()

    output = send_reminders()

    assert len(mail.outbox) == 1
    assert output.endswith(
        "0 new reminder(s) sent or queued; 1 already sent before; 0 earlier one(s) retried.\n"
    )


def test_date_sweeps_as_if_today_were_that_day(reviewer):
    due_vendor(dt.date(2026, 2, 7), name="Quillnote AI")  # 7 days after 31 January

    output = send_reminders("--date", "2026-01-31")

    assert "Reassessment of Quillnote AI due in 7 days" in output
    [log] = ReminderLog.objects.all()
    assert (log.due_date, log.offset_days) == (dt.date(2026, 2, 7), 7)
    assert [m.subject for m in mail.outbox] == [
        "[Clearance] Reassessment of Quillnote AI due in 7 days"
    ]


def test_without_date_it_sweeps_the_local_today(reviewer, clock):
    due_vendor(dt.date(2026, 2, 7))
    clock.move_to(dt.datetime(2026, 1, 31, 6, 0, tzinfo=dt.UTC), tick=True)

    send_reminders()

    assert [log.offset_days for log in ReminderLog.objects.all()] == [7]


@pytest.mark.parametrize("bad", ["31/01/2026", "2026-02-30", "tomorrow"])
def test_a_bad_date_is_refused(db, bad):
    with pytest.raises(CommandError, match=f"--date must look like 2026-11-28, not '{bad}'"):
        send_reminders("--date", bad)


def test_a_reminder_with_no_one_to_write_to_is_listed_as_such(db):
    due_vendor(TODAY + dt.timedelta(days=1), name="Quillnote AI")

    output = send_reminders("--dry-run")

    assert "Reassessment of Quillnote AI due in 1 day -> nobody (no recipients)" in output


def test_an_smtp_failure_is_recorded_and_retried_by_a_later_run(reviewer, monkeypatch, clock):
    due_vendor(TODAY + dt.timedelta(days=7), name="Quillnote AI")
    due_vendor(TODAY + dt.timedelta(days=30), name="Lumen Scribe")
    real_send, tries = EmailMultiAlternatives.send, []

    def send_failing_first(message, fail_silently=False):
        tries.append(message.subject)
        if len(tries) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_failing_first)

    send_reminders()

    statuses = sorted(ReminderLog.objects.values_list("status", "attempts"))
    assert statuses == [(ReminderStatus.RETRYING, 1), (ReminderStatus.SENT, 1)]
    assert len(mail.outbox) == 1  # the failure did not stop the other reminder

    clock.move_to(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=True)  # cron, an hour on
    output = send_reminders()

    assert output.endswith(
        "0 new reminder(s) sent or queued; 2 already sent before; 1 earlier one(s) retried.\n"
    )
    statuses = sorted(ReminderLog.objects.values_list("status", "attempts"))
    assert statuses == [(ReminderStatus.SENT, 1), (ReminderStatus.SENT, 2)]
    assert sorted(tries) == sorted([tries[0], tries[0], tries[1]])
    assert len(mail.outbox) == 2
