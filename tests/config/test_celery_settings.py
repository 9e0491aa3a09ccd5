"""The Celery configuration a deployment starts with: no task result is stored or waited on,
and publishing to a broker that is down gives up within about a second."""

import json

import pytest

from tests.config.test_broker_down import MAX_TRIES
from tests.config.test_settings import PRODUCTION_ENV, run_python

READ_CELERY_CONFIGURATION = """
import json
import django
django.setup()
from config.celery import app
app.loader.import_default_modules()
conf = app.conf
print(json.dumps({
    "broker_url": conf.broker_url,
    "result_backend": conf.result_backend,
    "backend": type(app.backend).__name__,
    "task_ignore_result": conf.task_ignore_result,
    "tasks_storing_results": sorted(
        name for name, task in app.tasks.items()
        if not name.startswith("celery.") and not task.ignore_result
    ),
    "result_expires": conf.result_expires,
    "task_publish_retry": conf.task_publish_retry,
    "broker_connection_timeout": conf.broker_connection_timeout,
    "broker_transport_options": conf.broker_transport_options,
}))
"""


def celery_configuration(env: dict) -> dict:
    result = run_python(READ_CELERY_CONFIGURATION, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return celery_configuration({**PRODUCTION_ENV, "REDIS_URL": "redis://redis.internal:6379/0"})


@pytest.fixture(scope="module")
def embedded():
    return celery_configuration({"DJANGO_DEBUG": "1"})


def test_production_keeps_no_task_results(production):
    assert production["broker_url"] == "redis://redis.internal:6379/0"
    assert production["result_backend"] is None
    assert production["backend"] == "DisabledBackend"
    assert production["task_ignore_result"] is True
    assert production["result_expires"] is None  # so beat schedules no backend cleanup


def test_only_the_health_check_would_store_its_answer(production):
    """clearance.ping answers the round-trip test, whose worker has a backend of its own."""
    assert production["tasks_storing_results"] == ["clearance.ping"]


def test_publishing_to_a_broker_that_is_down_gives_up_within_a_second(production):
    options = production["broker_transport_options"]
    assert production["task_publish_retry"] is False
    assert options["max_retries"] == 0  # one connection attempt, no sleep between attempts
    assert production["broker_connection_timeout"] <= 1
    # A failing publish makes at most MAX_TRIES attempts (tests/config/test_broker_down.py),
    # each given up after socket_connect_timeout when the host does not answer.
    assert MAX_TRIES * options["socket_connect_timeout"] <= 1
    # A Redis that accepts connections but never answers is bounded too.
    assert 0 < options["socket_timeout"] <= 2


def test_the_embedded_broker_keeps_no_results_either(embedded, production):
    """`make run` (no REDIS_URL) differs only in where messages travel."""
    assert embedded["broker_url"] == "filesystem://"
    for name in ("result_backend", "backend", "task_ignore_result", "tasks_storing_results",
                 "result_expires", "task_publish_retry", "broker_connection_timeout"):  # fmt: skip
        assert embedded[name] == production[name], name
    assert embedded["broker_transport_options"]["max_retries"] == 0
