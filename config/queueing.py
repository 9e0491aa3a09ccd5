"""The one way Clearance hands work to Celery: queue a task once the transaction commits.

A task sent before the commit could run before its rows exist, or for rows a rollback
removed (pretix's TransactionAwareTask solves the same problem). Publishing can fail, for
instance with the broker down: the failure is logged and never raised into the request, and
the returned QueuedTask says whether the task was queued, so a page claims only what was. How
long a failing publish may take is bounded by the Celery settings (config/settings.py).
"""

import logging
from dataclasses import dataclass

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass
class QueuedTask:
    """What became of one task handed to queue_on_commit.

    `queued` is None until the transaction commits (and stays None if it rolls back), then
    True once the broker accepted the task, or False if publishing failed. `catch_up` says
    what delivers the work instead, in words a page can show."""

    task_name: str
    catch_up: str
    queued: bool | None = None


def queue_on_commit(task: Task, *args, catch_up: str, **kwargs) -> QueuedTask:
    """Send `task(*args, **kwargs)` when the current transaction commits (at once when no
    transaction is open). If the broker refuses or cannot be reached, log it with `catch_up`
    (what will do the work instead: a sweep, a first download) and return normally.

    Arguments are IDs and plain values, never model instances; `catch_up` is this helper's,
    so no task keyword argument may have that name."""
    outcome = QueuedTask(task_name=task.name, catch_up=catch_up)

    def publish() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # any publish failure; the request has committed and goes on
            outcome.queued = False
            logger.exception("Could not queue %s%r: %s.", task.name, args, catch_up)
        else:
            outcome.queued = True

    transaction.on_commit(publish)
    return outcome
