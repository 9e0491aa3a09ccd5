"""`python manage.py load_question_bank [PATH ...]`: validate and load question banks.

Without paths, loads every bank shipped in assessments/question_banks/. All files are
validated first; nothing is written unless all are valid. Loading again changes nothing; a
changed file becomes a new version, and existing assessments keep the version they used.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.loader import default_bank_paths, load_banks


class Command(BaseCommand):
    help = "Validate and load question banks (YAML). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Bank files (default: shipped)")

    def handle(self, *args, paths, **options):
        paths = paths or default_bank_paths()
        if not paths:
            raise CommandError("No question bank files found.")
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        result = load_banks(paths)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(result.errors)} problem(s) found; nothing was loaded. Fix them and run again."
            )
        for template in result.created:
            count = template.questions.count()
            self.stdout.write(f"  loaded    {template} — {count} questions")
        for template in result.unchanged:
            self.stdout.write(f"  unchanged {template}")
