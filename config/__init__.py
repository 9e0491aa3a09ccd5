"""Clearance project configuration: settings, URLs, WSGI/ASGI and the Celery app."""

__version__ = "0.1.0"

# Load the Celery app whenever Django starts, so @shared_task binds to it.
from config.celery import app as celery_app  # noqa: E402

__all__ = ["__version__", "celery_app"]
