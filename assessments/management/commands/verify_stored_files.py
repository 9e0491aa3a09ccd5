"""`python manage.py verify_stored_files`: check every evidence file and stored PDF report
against the SHA-256 recorded when it was stored. Run it after restoring a backup
(docs/deployment.md, "Backup and restore"); it exits with status 1 when any file is missing
or altered."""

from django.core.management.base import BaseCommand, CommandError

from assessments.selectors import stored_file_checks


class Command(BaseCommand):
    help = "Check every evidence file and stored report against its recorded SHA-256."

    def handle(self, *args, **options):
        checked = 0
        problems = []
        for row in stored_file_checks():
            checked += 1
            if row.problem:
                problems.append(row)
                self.stderr.write(f"  {row.what} {row.pk} ({row.name}): {row.problem}")
        if problems:
            raise CommandError(f"{len(problems)} of {checked} stored file(s) failed the check.")
        self.stdout.write(f"{checked} stored file(s) checked: every SHA-256 matches.")
