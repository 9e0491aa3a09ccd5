"""`python manage.py seed_demo`: load the demo users and data (idempotent, DEBUG only).

Each app contributes a `demo.seed(stdout)` function; they run in INSTALLED_APPS order so
that vendors exist before their assessments. Running the command twice changes nothing.
"""

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo users and demo data. Refuses to run with DJANGO_DEBUG off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with published passwords; it only runs with "
                "DJANGO_DEBUG=1 (local development and demos)."
            )
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                module_name = f"{app_config.name}.demo"
                ours = Path(app_config.path).parent == Path(settings.BASE_DIR)
                if ours and find_spec(module_name):
                    self.stdout.write(f"Seeding {app_config.verbose_name}:")
                    import_module(module_name).seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
