"""`python manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]`: the daily sweep, for
cron users and for previewing. Sends in this process; safe to run as often as you like."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.reminders import run_sweep

# How far --date may stray from today. Sending as of a later day would reopen accepted risks
# and announce expiries before they happen; as of a day long past, the e-mails would count
# days to dates that have gone by. A dry run changes nothing, so it may look further.
SEND_DAYS_BACK = 30
PREVIEW_DAYS = 366


class Command(BaseCommand):
    help = "Send due reminders (idempotent). --dry-run lists them without sending."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, send nothing.")
        parser.add_argument(
            "--date",
            help=(
                "Sweep as if today were this date (YYYY-MM-DD): to re-run a missed day, from "
                f"{SEND_DAYS_BACK} days ago to today; with --dry-run, to preview, up to "
                f"{PREVIEW_DAYS} days before or after today."
            ),
        )

    def handle(self, *args, dry_run=False, date=None, **options):
        today = self._day(date, dry_run=dry_run) if date else None
        result = run_sweep(today, dry_run=dry_run, queue_retries=False)
        for item in result.planned:
            to = ", ".join(item.recipients) or "nobody (no recipients)"
            self.stdout.write(f"  {item.kind:<24} {item.subject} -> {to}")
        if dry_run:
            self.stdout.write(f"{len(result.planned)} reminder(s) due; dry run: nothing sent.")
            return
        for draft in result.drafts_created:
            self.stdout.write(f"  created draft reassessment of {draft.vendor.name}")
        for finding in result.reopened:
            self.stdout.write(
                f"  reopened {finding.get_severity_display().lower()} finding of "
                f"{finding.vendor.name}: risk accepted until {finding.accepted_until}"
            )
        delivered = result.delivered
        self.stdout.write(
            f"{len(result.claimed)} new reminder(s) claimed by this run; "
            f"{len(result.planned) - len(result.claimed)} claimed before (by an earlier or a "
            f"concurrent run); {result.redispatched} earlier one(s) retried."
        )
        self.stdout.write(
            f"{len(delivered.sent)} sent; {len(delivered.retrying)} failed and will be retried; "
            f"{len(delivered.failed)} given up; "
            f"{len(delivered.not_tried)} not tried (mail server unreachable)."
        )

    def _day(self, value: str, *, dry_run: bool) -> dt.date:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-28, not {value!r}") from None
        today = timezone.localdate()
        if dry_run:
            earliest = today - dt.timedelta(days=PREVIEW_DAYS)
            latest = today + dt.timedelta(days=PREVIEW_DAYS)
            if not earliest <= day <= latest:
                raise CommandError(
                    f"--date {day} is too far from today ({today}): a dry run previews "
                    f"{earliest} to {latest}."
                )
        elif day > today:
            raise CommandError(
                f"--date {day} is after today ({today}): sending ahead would reopen accepted "
                "risks and announce expiries before they happen. Preview it with --dry-run."
            )
        elif day < today - dt.timedelta(days=SEND_DAYS_BACK):
            raise CommandError(
                f"--date {day} is more than {SEND_DAYS_BACK} days ago: its e-mails would count "
                f"days to dates long past (today is {today}). The daily sweep catches up missed "
                "days by itself; look back with --dry-run."
            )
        return day
