"""The usage import's pages after the upload: the preview kept until the import has
committed, a failed import tried again without uploading the file, a large file imported by a
worker while the page follows it, and who may do it. (Uploading and checking a file:
test_views_usage.py.)"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services, tasks
from vendors.models import UsageImport, UsageImportStatus, UsageRecord, VendorStatus

HEADER = "vendor,team,purpose,data_classes,integration,owner"
ROWS = [
    "Larkspur Language Cloud,Sales,Call summaries,Internal,api,dana",
    "Larkspur Language Cloud,Support,Ticket triage,Public,web_app,",
    "Larkspur Language Cloud,Legal,Contract notes,Confidential,api,",
]


@pytest.fixture
def larkspur(db):
    return VendorFactory(
        name="Larkspur Language Cloud",
        status=VendorStatus.APPROVED,
        approved_data_classes=["public", "internal"],
    )


@pytest.fixture
def dana(db):
    return UserFactory(username="dana")


@pytest.fixture
def large(monkeypatch):
    """Make three rows a large file, imported by a worker."""
    monkeypatch.setattr(services, "USAGE_IMPORT_IN_REQUEST_MAX_ROWS", 2)


def upload(client, rows=ROWS) -> UsageImport:
    content = "\n".join([HEADER, *rows]).encode()
    response = client.post(
        reverse("usage_import"), {"file": SimpleUploadedFile("inventory.csv", content)}
    )
    job = UsageImport.objects.latest("created_at")
    assert response["Location"] == job.get_absolute_url()
    return job


def status_of(client, job) -> str:
    return client.get(reverse("usage_import_status", args=[job.token])).content.decode()


def commit(callbacks) -> None:
    """Run what was left to do once the transaction commits: queue the task, which the
    worker (eager in tests) then runs."""
    for callback in callbacks:
        callback()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def failing_insert_into(table: str):
    """The database refuses every INSERT into `table` (a full disk, a lost connection)."""

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(f'INSERT INTO "{table}"'):
            raise OperationalError("could not extend file: No space left on device")
        return execute(sql, params, many, context)

    return wrapper


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "lead", "admin", "procurement", "outsider"])
def test_reviewers_leads_and_admins_import_and_nobody_else_may(
    client, users_by_role, larkspur, dana, who
):
    user = users_by_role[who]
    client.force_login(user)
    if who in ("procurement", "outsider"):
        response = client.post(
            reverse("usage_import"),
            {"file": SimpleUploadedFile("u.csv", "\n".join([HEADER, *ROWS]).encode())},
        )
        assert response.status_code == 403
        assert not UsageImport.objects.exists()
        return
    job = upload(client)
    assert client.get(job.get_absolute_url()).status_code == 200
    assert client.get(reverse("usage_import_status", args=[job.token])).status_code == 200
    client.post(job.get_absolute_url())
    assert UsageRecord.objects.filter(created_by=user).count() == 3


# --- Queries ----------------------------------------------------------------------------------


def queries_of_each_page(client, rows: int) -> list[int]:
    lines = [f"Larkspur Language Cloud,Team {n},Purpose {n},Internal,api,dana" for n in range(rows)]
    counts = []
    with CaptureQueriesContext(connection) as queries:
        job = upload(client, lines)
    counts.append(len(queries))
    for request in (client.get, client.post):
        with CaptureQueriesContext(connection) as queries:
            request(job.get_absolute_url())
        counts.append(len(queries))
    assert UsageImport.objects.get(pk=job.pk).imported_count == rows
    return counts


def test_upload_preview_and_import_take_as_many_queries_for_60_rows_as_for_5(
    client, reviewer, larkspur, dana
):
    client.force_login(reviewer)
    queries_of_each_page(client, 1)  # warm-up: the content types cached for the process
    assert queries_of_each_page(client, 60) == queries_of_each_page(client, 5)


# --- In the request: a failure keeps the preview ----------------------------------------------


def test_a_failed_import_keeps_the_preview_and_the_retry_needs_no_new_upload(
    client, reviewer, larkspur, dana
):
    client.force_login(reviewer)
    job = upload(client)
    with connection.execute_wrapper(failing_insert_into(LogEntry._meta.db_table)):
        response = client.post(job.get_absolute_url())
    assert response["Location"] == job.get_absolute_url()
    assert UsageRecord.objects.count() == 0  # the records written before the failure are gone

    preview = client.get(job.get_absolute_url()).content.decode()
    assert "The import failed: nothing was imported." in preview
    assert "No space left on device" in preview
    assert "Try again: import 3 records" in preview
    assert preview.count('data-testid="preview-row"') == 3

    retried = client.post(job.get_absolute_url())
    assert messages_of(retried) == [
        "Imported 3 usage records from “inventory.csv”. 1 of them are out of policy."
    ]
    assert UsageRecord.objects.count() == 3
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (UsageImportStatus.DONE, 2, "")


def test_a_preview_stays_until_it_is_imported(client, reviewer, larkspur, dana):
    client.force_login(reviewer)
    job = upload(client)
    for _ in range(2):
        assert client.get(job.get_absolute_url()).status_code == 200
    job.refresh_from_db()
    assert (job.status, len(job.rows)) == (UsageImportStatus.PREVIEW, 3)


# --- A large file: a worker imports it, the page follows ---------------------------------------


def test_a_large_file_is_queued_and_the_page_follows_it_to_the_result(
    client, reviewer, larkspur, dana, large, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    job = upload(client)
    preview = client.get(job.get_absolute_url()).content.decode()
    assert "imported in the background" in preview

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(job.get_absolute_url())
    assert response["Location"] == job.get_absolute_url()
    assert UsageRecord.objects.count() == 0  # the task is sent once the transaction commits

    page = client.get(job.get_absolute_url()).content.decode()
    status_url = reverse("usage_import_status", args=[job.token])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 1s"' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert "Waiting for a worker to start the import" in page

    UsageImport.objects.filter(pk=job.pk).update(
        status=UsageImportStatus.RUNNING, started_at=timezone.now()
    )
    fragment = status_of(client, job)
    assert "Importing 3 rows" in fragment and 'hx-trigger="every 1s"' in fragment
    assert "<html" not in fragment

    commit(queued)
    fragment = status_of(client, job)
    assert "Imported 3 usage records from “inventory.csv”" in fragment
    assert '<strong data-testid="import-out-of-policy">1</strong> of them is out of policy' in (
        fragment
    )
    assert "hx-trigger" not in fragment  # polling stops
    assert f'href="{reverse("usage_list")}?out_of_policy=yes"' in fragment
    assert UsageRecord.objects.count() == 3


def test_a_second_click_while_it_is_queued_queues_nothing_more(
    client, reviewer, larkspur, dana, large, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(reviewer)
    job = upload(client)
    with django_capture_on_commit_callbacks() as queued:
        client.post(job.get_absolute_url())
        again = client.post(job.get_absolute_url())
    sent = []
    monkeypatch.setattr(
        tasks.run_usage_import, "apply_async", lambda args, kwargs: sent.append(args)
    )
    commit(queued)
    assert sent == [(job.pk,)]
    assert messages_of(again) == [
        "Nothing was imported again. “inventory.csv” is being imported already."
    ]


def test_a_background_import_that_fails_offers_the_kept_preview_again(
    client, reviewer, larkspur, dana, large, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    job = upload(client)
    with django_capture_on_commit_callbacks() as queued:
        client.post(job.get_absolute_url())
    with connection.execute_wrapper(failing_insert_into(UsageRecord._meta.db_table)):
        commit(queued)
    fragment = status_of(client, job)
    assert "The import failed: nothing was imported" in fragment
    assert "No space left on device" in fragment
    assert f'href="{job.get_absolute_url()}">Back to the preview' in fragment
    assert "hx-trigger" not in fragment

    preview = client.get(job.get_absolute_url()).content.decode()
    assert "Try again: import 3 records" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url())
    assert "Imported 3 usage records" in status_of(client, job)
    assert UsageRecord.objects.count() == 3


def test_an_import_lost_by_its_worker_can_be_started_again(
    client, reviewer, larkspur, dana, large, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    job = upload(client)
    with django_capture_on_commit_callbacks():  # queued; the worker is then killed
        client.post(job.get_absolute_url())
    UsageImport.objects.filter(pk=job.pk).update(
        status=UsageImportStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=11)
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Not finished after 10 minutes" in page
    assert 'data-testid="restart-import"' in page
    assert "hx-trigger" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url())
    assert "Imported 3 usage records" in status_of(client, job)
    assert UsageRecord.objects.count() == 3
