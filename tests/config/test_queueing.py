"""config.queueing.queue_on_commit: tasks leave after the commit, and say whether they left."""

import logging

import pytest
from django.db import transaction

from config.celery import ping
from config.queueing import queue_on_commit
from notifications.tasks import deliver_reminder

pytestmark = pytest.mark.django_db


def test_the_task_is_queued_only_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = queue_on_commit(ping, catch_up="nothing to catch up")
    assert outcome.queued is None  # not before the commit
    assert len(callbacks) == 1

    callbacks[0]()  # the commit; the suite's Celery runs the task in-process

    assert outcome.queued is True
    assert outcome.task_name == "clearance.ping"


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outcome = queue_on_commit(ping, catch_up="nothing to catch up")
        raise RuntimeError("the request failed")

    assert callbacks == []
    assert outcome.queued is None


def test_a_task_that_cannot_be_queued_is_logged_with_what_happens_instead(
    broker_down, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger="config.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = queue_on_commit(deliver_reminder, 12, catch_up="the next sweep sends it")

    assert outcome.queued is False
    assert outcome.catch_up == "the next sweep sends it"
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        "Could not queue notifications.tasks.deliver_reminder(12,): the next sweep sends it."
    )
    assert record.exc_info is not None  # the broker's error, for whoever reads the log
