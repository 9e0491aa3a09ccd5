"""Clearance settings: one module, every value read from the environment.

Each variable is documented in README.md ("Configuration"). Defaults are the embedded
ones `make run` uses (SQLite, a file-system Celery broker and e-mails written to files,
all under var/). With DJANGO_DEBUG off the module refuses to start without the secrets a
production deployment needs, instead of running quietly with an unsafe value.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config import __version__

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A .env file beside manage.py is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

CLEARANCE_VERSION = __version__

# --- Core ---------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off: generate one "
            "with `python -c 'import secrets; print(secrets.token_urlsafe(64))'` and export it, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Development only: sessions signed with this key are worthless anywhere else.
    SECRET_KEY = "django-insecure-clearance-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. List the host names Clearance is served under, "
        "comma-separated (for example clearance.example.com)."
    )

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [f"{urlsplit(SITE_URL).scheme}://{urlsplit(SITE_URL).netloc}"] + env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", default=[]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's own widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "auditlog",
    # Clearance apps, in dependency order: later apps may use earlier ones, never the reverse.
    "accounts",
    "notifications",
    "vendors",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.clearance",
            ],
        },
    },
]

# Widgets render with the project's template engine, so a widget's template can live in
# templates/ beside the pages that use it (vendors.widgets.VendorSearchInput).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -----------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clearance.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers work during a write, and
    # IMMEDIATE transactions wait for the lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # vendor_name_order_idx includes `name` for PostgreSQL's index-only scans; SQLite ignores
    # included columns (its indexes carry the row id already), and Django warns about it.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and private media -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence files live here. Nothing in urls.py serves MEDIA_ROOT: every file is streamed by a
# view that checks the user's role first.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url_config(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
    # django-environ passes query flags through as strings, where "False" would be truthy.
    EMAIL_USE_TLS = str(_email.get("EMAIL_USE_TLS", "")).lower() in {"1", "true", "yes", "on"}
    EMAIL_USE_SSL = str(_email.get("EMAIL_USE_SSL", "")).lower() in {"1", "true", "yes", "on"}
    # django-environ drops the leading slash of an absolute file path; keep it.
    EMAIL_FILE_PATH = urlsplit(EMAIL_URL).path or str(VAR_DIR / "mail")
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clearance <clearance@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="[Clearance] ")

# --- Celery -------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_DATA_DIR = VAR_DIR / "celery"
# With the broker down or unreachable, publishing a task holds a request for a second at most
# (2 s if Redis accepts connections but never answers); config.queueing.queue_on_commit then
# logs the failure and the next sweep (or the first download of a report) catches up. Celery's
# and kombu's option names:
# - task_publish_retry off: no task_publish_retry_policy loop. redis-py already reconnects a
#   pooled connection that a Redis restart closed, so a retry would only wait on a dead broker.
# - broker_transport_options "max_retries" 0, with broker_connection_timeout (kombu's
#   connect_timeout, default 4 s): a publisher (re)opening its connection tries once, instead
#   of retrying with sleeps until that timeout runs out.
# - broker_transport_options "socket_connect_timeout" 0.5 s: what a host that drops packets
#   costs a try. A failing publish makes at most 2 tries (tests/config/test_broker_down.py),
#   without sleeping. "socket_timeout" (2 s) bounds a Redis that accepts but never answers; it
#   stays above the 1 s BRPOP an idle worker waits on.
# Workers and beat keep reconnecting patiently (broker_connection_max_retries, default 100).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 0,
        "socket_connect_timeout": 0.5,
        "socket_timeout": 2,
    }
else:
    # Embedded default: a broker made of files, so `make run` needs no Redis.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 0,
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        # Broadcast (worker control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
# No result backend, and results ignored (result_backend, task_ignore_result): nothing in
# Clearance reads a task's return value; tasks record what they did in the database. A Redis
# result backend subscribed to each task's result as it was sent, and with Redis down retried
# that 20 times 1 s apart. With no results there is nothing to expire (result_expires), so
# beat adds no hidden celery.backend_cleanup entry to the schedule below.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
# Every periodic task is declared here, in one place.
CELERY_BEAT_SCHEDULE = {
    "nightly-evidence-summary": {
        "task": "vendors.tasks.refresh_evidence_summaries",
        "schedule": crontab(hour=0, minute=5),
    },
    "daily-reminder-sweep": {
        "task": "assessments.tasks.reminder_sweep",
        "schedule": crontab(hour=6, minute=0),  # in TIME_ZONE (CELERY_TIMEZONE)
    },
}
# Delivery of reminder e-mails (notifications.services.deliver). A failed try is retried after
# this delay, doubling each time (at most 30 minutes apart), until the retry window, counted
# from the claim, has passed; then it is recorded as failed. A row left "sending" longer than
# the stale period was interrupted by a crash and is sent again with the same Message-ID.
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
REMINDER_RETRY_WINDOW_HOURS = env.int("REMINDER_RETRY_WINDOW_HOURS", default=72)
REMINDER_SENDING_STALE_MINUTES = env.int("REMINDER_SENDING_STALE_MINUTES", default=15)
if REMINDER_RETRY_BASE_SECONDS < 1 or REMINDER_RETRY_WINDOW_HOURS < 1:
    raise ImproperlyConfigured(
        "REMINDER_RETRY_BASE_SECONDS and REMINDER_RETRY_WINDOW_HOURS must be whole numbers, 1 or "
        f"more, not {REMINDER_RETRY_BASE_SECONDS} and {REMINDER_RETRY_WINDOW_HOURS}."
    )
# Far longer than an SMTP transaction can last (EMAIL_TIMEOUT bounds each step to 20 seconds),
# so a send still in progress is never taken for a crashed one.
if REMINDER_SENDING_STALE_MINUTES < 5:
    raise ImproperlyConfigured(
        "REMINDER_SENDING_STALE_MINUTES must be a whole number of minutes, 5 or more, not "
        f"{REMINDER_SENDING_STALE_MINUTES}."
    )

# --- Forms and UI -------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -----------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Production assumes HTTPS, terminated by a reverse proxy that sets X-Forwarded-Proto.
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging ------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint and fontTools report every unsupported CSS property at INFO/DEBUG.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Evidence uploads ---------------------------------------------------------------------

EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_MB", default=25) * 1024 * 1024

# --- Risk appetite ------------------------------------------------------------------------

# The highest residual risk (0-100) accepted for each data class; see docs/scoring.md.
CLEARANCE_RISK_APPETITE = {
    "public": env.float("RISK_APPETITE_PUBLIC", default=60),
    "internal": env.float("RISK_APPETITE_INTERNAL", default=40),
    "confidential": env.float("RISK_APPETITE_CONFIDENTIAL", default=25),
    "restricted": env.float("RISK_APPETITE_RESTRICTED", default=15),
}

# Days an approval stays valid after its next reassessment date; a reassessment not signed
# off by then lets the approval lapse (vendors.policy). Read as an integer: a typo fails here.
CLEARANCE_APPROVAL_GRACE_DAYS = env.int("APPROVAL_GRACE_DAYS", default=30)
if CLEARANCE_APPROVAL_GRACE_DAYS < 0:
    raise ImproperlyConfigured(
        "APPROVAL_GRACE_DAYS must be a whole number of days, 0 or more, not "
        f"{CLEARANCE_APPROVAL_GRACE_DAYS}."
    )

# The longest a finding's risk may be accepted, in months from the day it is accepted.
CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS = env.int("MAX_RISK_ACCEPTANCE_MONTHS", default=12)
if not 1 <= CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS <= 120:
    raise ImproperlyConfigured(
        "MAX_RISK_ACCEPTANCE_MONTHS must be a whole number of months from 1 to 120, not "
        f"{CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS}."
    )

# --- Audit trail --------------------------------------------------------------------------

# Store a related object's name in the change, so showing a history needs no query per entry
# (and a deleted user still reads as who they were).
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
