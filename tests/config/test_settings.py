"""The settings module read in fresh processes, the way a deployment starts it."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-secret-" + "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "clearance.example.com",
    "SITE_URL": "https://clearance.example.com",
}


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "EMAIL_", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"))
    }
    clean.pop("SITE_URL", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        f"execute_from_command_line(['manage.py', *{list(args)!r}])",
        env,
    )


def test_it_refuses_to_start_without_a_secret_when_debug_is_off():
    result = run_python("import django; django.setup()", {"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    env = {**PRODUCTION_ENV}
    del env["DJANGO_ALLOWED_HOSTS"]
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_it_starts_in_debug_without_a_secret():
    result = run_python("import django; django.setup(); print('ok')", {"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_embedded_defaults_keep_everything_under_var():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE']); print(s.DATABASES['default']['NAME']); "
        "print(s.CELERY_BROKER_URL); print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH); "
        "print(s.MEDIA_ROOT)"
    )
    # run_python drops DATABASE_URL, REDIS_URL, EMAIL_URL and MEDIA_ROOT: nothing is set.
    result = run_python(code, {"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    var = str(BASE_DIR / "var")
    assert lines[0] == "django.db.backends.sqlite3"
    assert lines[1].startswith(var)
    assert lines[2] == "filesystem://"
    assert lines[3] == "django.core.mail.backends.filebased.EmailBackend"
    assert lines[4] == f"{var}/mail"
    assert lines[5] == f"{var}/media"


def test_urls_in_the_environment_choose_postgres_redis_and_smtp():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL); "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL)"
    )
    env = {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://clearance@db.internal:5432/clearance",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "EMAIL_URL": "smtp://mailer:secret@smtp.internal:587/?EMAIL_USE_TLS=False",
    }
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    engine, broker, email = result.stdout.strip().splitlines()
    assert engine == "django.db.backends.postgresql"
    assert broker == "redis://cache.internal:6379/0"
    assert email == "smtp.internal 587 False False"


def test_the_approval_grace_period_is_read_from_the_environment():
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.CLEARANCE_APPROVAL_GRACE_DAYS)"
    default = run_python(code, {"DJANGO_DEBUG": "1"})
    assert default.stdout.strip() == "30", default.stderr
    assert run_python(code, {"DJANGO_DEBUG": "1", "APPROVAL_GRACE_DAYS": "7"}).stdout.strip() == "7"


def test_a_grace_period_that_is_not_a_number_of_days_stops_the_start():
    not_a_number = run_python(
        "import django; django.setup()", {"DJANGO_DEBUG": "1", "APPROVAL_GRACE_DAYS": "thirty"}
    )
    assert not_a_number.returncode != 0
    assert 'env.int("APPROVAL_GRACE_DAYS"' in not_a_number.stderr
    negative = run_python(
        "import django; django.setup()", {"DJANGO_DEBUG": "1", "APPROVAL_GRACE_DAYS": "-1"}
    )
    assert negative.returncode != 0
    assert "APPROVAL_GRACE_DAYS must be a whole number of days, 0 or more, not -1." in (
        negative.stderr
    )
