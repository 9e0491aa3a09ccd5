"""Settings for the test suite: config.settings plus the few overrides listed here.

Everything else (database from DATABASE_URL, broker from REDIS_URL) is the same module the
application runs with, so tests exercise the real configuration.
"""

import os

# The suite runs with DJANGO_DEBUG off, like production; it needs a key and a host list.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: E402,F403
from config.settings import VAR_DIR  # noqa: E402

# HTTPS redirects would turn every test request into a 301.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# The manifest storage needs collectstatic; tests serve the source files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Fast hashing: the suite creates many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Evidence uploads of the suite go to a throwaway folder, never the developer's var/media.
MEDIA_ROOT = VAR_DIR / "test-media"

# Tasks run in-process; tests/config/test_celery_roundtrip.py starts a real worker instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Serve static files from the source folders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
