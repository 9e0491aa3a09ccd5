"""`python manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]`: the daily sweep for cron
users and for previewing. It sends in its own process, without Celery."""

import datetime as dt
import io
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.db import connections

from accounts.roles import Role
from assessments.management.commands import send_reminders as send_reminders_command
from assessments.models import Assessment, AssessmentStatus
from notifications.models import ReminderLog, ReminderStatus
from tests.assessments.concurrency import needs_postgresql, role_groups_put_back  # noqa: F401
from tests.factories import UserFactory
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
        "1 new reminder(s) claimed by this run; 0 claimed before (by an earlier or a concurrent "
        "run); 0 earlier one(s) retried.\n"
        "1 sent; 0 failed and will be retried; 0 given up; 0 not tried (mail server unreachable).\n"
    )


def test_running_it_again_sends_nothing_twice(reviewer):
    due_vendor(TODAY + dt.timedelta(days=7))
    send_reminders()

    output = send_reminders()

    assert len(mail.outbox) == 1
    assert output.endswith(
        "0 new reminder(s) claimed by this run; 1 claimed before (by an earlier or a concurrent "
        "run); 0 earlier one(s) retried.\n"
        "0 sent; 0 failed and will be retried; 0 given up; 0 not tried (mail server unreachable).\n"
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


@pytest.mark.parametrize("day", ["2026-03-03", "2027-01-01", "9999-12-31"])
def test_it_refuses_to_send_as_of_a_day_after_today(reviewer, day):
    """Sending ahead would reopen accepted risks and say evidence expired before it does."""
    due_vendor(TODAY + dt.timedelta(days=8))

    with pytest.raises(CommandError) as refused:
        send_reminders("--date", day)

    assert str(refused.value) == (
        f"--date {day} is after today (2026-03-02): sending ahead would reopen accepted risks "
        "and announce expiries before they happen. Preview it with --dry-run."
    )
    assert not ReminderLog.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("day", ["2026-01-30", "2020-01-01", "0001-01-01"])
def test_it_refuses_to_send_as_of_a_day_more_than_30_days_ago(db, day):
    with pytest.raises(CommandError) as refused:
        send_reminders("--date", day)

    assert str(refused.value) == (
        f"--date {day} is more than 30 days ago: its e-mails would count days to dates long "
        "past (today is 2026-03-02). The daily sweep catches up missed days by itself; look "
        "back with --dry-run."
    )


@pytest.mark.parametrize("day", ["2026-01-31", "2026-03-02"])
def test_it_sends_as_of_any_day_from_30_days_ago_to_today(reviewer, day):
    output = send_reminders("--date", day)

    assert output.endswith("0 not tried (mail server unreachable).\n")


@pytest.mark.parametrize("day", ["2025-02-28", "2027-03-04", "9999-12-31", "0001-01-01"])
def test_a_dry_run_refuses_a_day_more_than_a_year_from_today(db, day):
    with pytest.raises(CommandError) as refused:
        send_reminders("--dry-run", "--date", day)

    assert str(refused.value) == (
        f"--date {day} is too far from today (2026-03-02): a dry run previews 2025-03-01 to "
        "2027-03-03."
    )


@pytest.mark.parametrize("day", ["2025-03-01", "2027-03-03"])
def test_a_dry_run_previews_up_to_a_year_either_side(reviewer, day):
    due_vendor(dt.date.fromisoformat(day) + dt.timedelta(days=7), name="Quillnote AI")

    output = send_reminders("--dry-run", "--date", day)

    assert "Reassessment of Quillnote AI due in 7 days" in output
    assert not ReminderLog.objects.exists()


def test_the_help_states_the_bounds_of_date():
    parser = send_reminders_command.Command().create_parser("manage.py", "send_reminders")

    help_text = " ".join(parser.format_help().split())
    assert "from 30 days ago to today; with --dry-run, to preview, up to 366 days" in help_text


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

    output = send_reminders()

    statuses = sorted(ReminderLog.objects.values_list("status", "attempts"))
    assert statuses == [(ReminderStatus.RETRYING, 1), (ReminderStatus.SENT, 1)]
    assert len(mail.outbox) == 1  # the failure did not stop the other reminder
    assert output.endswith(
        "1 sent; 1 failed and will be retried; 0 given up; 0 not tried (mail server unreachable).\n"
    )

    clock.move_to(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=True)  # cron, an hour on
    output = send_reminders()

    assert output.endswith(
        "0 new reminder(s) claimed by this run; 2 claimed before (by an earlier or a concurrent "
        "run); 1 earlier one(s) retried.\n"
        "1 sent; 0 failed and will be retried; 0 given up; 0 not tried (mail server unreachable).\n"
    )
    statuses = sorted(ReminderLog.objects.values_list("status", "attempts"))
    assert statuses == [(ReminderStatus.SENT, 1), (ReminderStatus.SENT, 2)]
    assert sorted(tries) == sorted([tries[0], tries[0], tries[1]])
    assert len(mail.outbox) == 2


@needs_postgresql
@pytest.mark.usefixtures("role_groups_put_back")  # after the database is emptied
def test_two_runs_at_once_each_report_only_what_they_did(transactional_db, mini_template):
    """Two cron runs started together: every draft is reported by the run that created it,
    every reminder counted as claimed by exactly one run, and each sent once."""
    UserFactory(username="reviewer", role=Role.REVIEWER)
    names = [f"Vendor {letter}" for letter in "ABCDEFGHIJKL"]
    for name in names:
        due_vendor(TODAY + dt.timedelta(days=7), name=name)
    barrier = threading.Barrier(2)
    outputs, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            outputs.append(send_reminders())
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(outputs) == 2
    drafts_reported = sorted(
        line.removeprefix("  created draft reassessment of ")
        for output in outputs
        for line in output.splitlines()
        if line.startswith("  created draft reassessment of ")
    )
    assert drafts_reported == names
    assert Assessment.objects.filter(status=AssessmentStatus.DRAFT).count() == len(names)
    claimed = [int(output.splitlines()[-2].split()[0]) for output in outputs]
    claimed_before = [int(output.splitlines()[-2].split("; ")[1].split()[0]) for output in outputs]
    assert sum(claimed) == ReminderLog.objects.count() == len(names)
    assert claimed_before == [len(names) - claimed[0], len(names) - claimed[1]]
    sent = [int(output.splitlines()[-1].split()[0]) for output in outputs]
    assert sum(sent) == len(mail.outbox) == len(names)
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
