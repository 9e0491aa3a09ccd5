"""With Redis down, a request that queues a task returns at once and logs what it could not
queue; the work is caught up later (the next sweep, the first download).

"At once" is asserted in the test's own terms, not by a clock on a shared machine: a failing
publish makes at most MAX_TRIES connection attempts and never sleeps, and each attempt is
bounded by the broker's socket_connect_timeout (tests/config/test_celery_settings.py pins
that MAX_TRIES of them fit in a second). The old configuration, a Redis result backend,
recorded 20 sleeps of 1 s here.
"""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.urls import reverse

from assessments import services as assessment_services
from config.celery import app as celery_app
from config.queueing import queue_on_commit
from notifications.models import ReminderLog, ReminderStatus
from notifications.tasks import deliver_reminder
from tests.config.conftest import celery_app_for
from tests.vendors.factories import VendorFactory
from vendors.models import Incident

MAX_TRIES = 2  # connection attempts one failing publish may make


@pytest.fixture
def vendor(lead):
    return VendorFactory(
        name="Quillnote AI", status="approved", approved_data_classes=["public", "internal"],
        data_classes=["public", "internal"], business_owner=lead,
    )  # fmt: skip


def record_incident(client, vendor):
    return client.post(
        reverse("incident_create"),
        {
            "vendor": vendor.pk, "title": "Conversation titles exposed", "severity": "high",
            "date_disclosed": dt.date.today().isoformat(),
            "summary": "A caching bug showed other customers' conversation titles.",
            "data_classes": ["internal"], "data_categories": ["personal"],
            "source_link": "https://status.example/incident",
        },
    )  # fmt: skip


def queue_failures(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "config.queueing"]


def test_recording_an_incident_with_redis_down_returns_at_once_and_logs_it(
    client, reviewer, vendor, broker_down, caplog, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)

    with (
        caplog.at_level(logging.ERROR, logger="config.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = record_incident(client, vendor)

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])
    [failure] = queue_failures(caplog)
    assert failure.startswith("Could not queue notifications.tasks.deliver_reminder(")
    assert failure.endswith("the next sweep sends it.")
    assert 1 <= broker_down.connection_attempts <= MAX_TRIES
    assert broker_down.sleeps == []
    # Nothing was sent and nothing is lost: the claimed notice waits for the next sweep.
    assert mail.outbox == []
    notice = ReminderLog.objects.get(kind="reassessment_required", vendor_id=vendor.pk)
    assert notice.status == ReminderStatus.QUEUED


def test_a_sign_off_report_that_cannot_be_queued_is_left_to_the_first_download(
    db, broker_down, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger="config.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = assessment_services.dispatch_report(4242)

    assert outcome.queued is False
    assert outcome.catch_up == "the first download renders it"
    assert queue_failures(caplog) == [
        "Could not queue assessments.tasks.store_signed_off_report(4242,): "
        "the first download renders it."
    ]
    assert 1 <= broker_down.connection_attempts <= MAX_TRIES
    assert broker_down.sleeps == []


def test_every_publish_fails_as_fast_while_redis_stays_down(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [queue_on_commit(deliver_reminder, pk, catch_up="later") for pk in (1, 2, 3)]

    assert [o.queued for o in outcomes] == [False, False, False]
    assert broker_down.connection_attempts <= 3 * MAX_TRIES
    assert broker_down.sleeps == []


def test_a_redis_that_dies_while_the_site_runs_fails_as_fast_and_is_used_again_on_return(
    db, redis_server, broker_probe, use_celery_app, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    use_celery_app(celery_app_for(redis_server.url, monkeypatch))
    broker_probe.port = redis_server.port

    def queue() -> bool | None:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = queue_on_commit(deliver_reminder, 7, catch_up="the next sweep sends it")
        return outcome.queued

    assert queue() is True  # the pool now holds a connection to this Redis
    redis_server.stop()
    broker_probe.reset()  # waiting for the server to end is the test's, not the request's

    assert queue() is False
    assert 1 <= broker_probe.connection_attempts <= MAX_TRIES
    assert broker_probe.sleeps == []

    redis_server.start()  # empty: it keeps nothing on disk
    assert queue() is True  # no restart of the web process needed
    assert redis_server.queued() == 1


def test_the_suite_gets_its_own_eager_app_back_after_a_broker_down_test(broker_down):
    assert deliver_reminder.app is not celery_app  # while the fixture is active


def test_the_suite_app_is_current_again():
    assert deliver_reminder.app is celery_app
    assert celery_app.conf.task_always_eager
