"""`python manage.py send_reminders [--dry-run] [--date YYYY-MM-DD]`: the daily sweep, for
cron users and for previewing. Sends in this process; safe to run as often as you like."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from assessments.reminders import run_sweep


class Command(BaseCommand):
    help = "Send due reminders (idempotent). --dry-run lists them without sending."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, send nothing.")
        parser.add_argument("--date", help="Sweep as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-28, not {date!r}") from None
        result = run_sweep(today, dry_run=dry_run, deliver_inline=True)
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
        self.stdout.write(
            f"{len(result.claimed)} new reminder(s) sent or queued; "
            f"{len(result.planned) - len(result.claimed)} already sent before; "
            f"{result.redispatched} earlier one(s) retried."
        )
