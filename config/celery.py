"""The Celery app.

Settings come from Django's settings under the CELERY_ namespace. With REDIS_URL set the
broker is Redis; without it, a file-system broker under var/celery/ (see config/settings.py),
so the embedded `make run` needs no server. There is no result backend: tasks record what they
did in the database, and are queued through config.queueing.queue_on_commit.
"""

import os
import socket
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clearance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender, **kwargs):
    """The file-system transport expects its folders to exist; make them on first use."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# The one task whose answer is read: it stores it wherever a result backend is configured (the
# round-trip test gives its worker one; the application has none and never waits on it).
@app.task(name="clearance.ping", ignore_result=False)
def ping() -> dict:
    """Answer from the worker that ran it: a health check for the broker round trip."""
    return {"pong": True, "worker_host": socket.gethostname(), "pid": os.getpid()}
