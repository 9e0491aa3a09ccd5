"""Importing a checked usage inventory (vendors.services.usage_import and the UsageImport that
carries a file from its preview to its import): set-based, all or nothing, in the audit trail,
and never twice."""

import datetime as dt
import threading

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services, tasks
from vendors.models import UsageImport, UsageImportStatus, UsageRecord, Vendor, VendorStatus
from vendors.selectors import vendor_history
from vendors.services import auditlog_actor
from vendors.usage_csv import load_rows, parse_usage_csv

HEADER = "vendor,team,purpose,data_classes,special_categories,integration,owner,active,controls"


@pytest.fixture
def vendors(db):
    return [
        VendorFactory(
            name=f"Vendor {n}",
            status=VendorStatus.APPROVED,
            approved_data_classes=["public", "internal"],
        )
        for n in range(3)
    ]


@pytest.fixture
def owners(db):
    return [UserFactory(username=f"owner{n}") for n in range(3)]


def inventory(rows: int) -> bytes:
    """A valid file of `rows` rows naming three vendors and three owners in turn; every
    fourth row processes Confidential data (out of policy)."""
    lines = [HEADER]
    for n in range(rows):
        classes = "Confidential" if n % 4 == 3 else "Internal; public"
        lines.append(f"vendor {n % 3},Team {n},Purpose {n},{classes},,api,owner{n % 3},yes,sso")
    return "\n".join(lines).encode()


def prepared(rows: int, uploaded_by) -> UsageImport:
    result = parse_usage_csv(inventory(rows))
    assert result.errors == []
    return services.usage_import_prepare(
        rows=result.rows, file_name="inventory.csv", uploaded_by=uploaded_by
    )


def usage_entries():
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(UsageRecord))


class FailingInsert:
    """Make the database refuse the `nth` INSERT into `table` (a disk full, a lost
    connection), as connection.execute_wrapper sees every statement."""

    def __init__(self, table: str, nth: int = 1):
        self.table, self.nth, self.seen = table, nth, 0

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith(f'INSERT INTO "{self.table}"'):
            self.seen += 1
            if self.seen == self.nth:
                raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)


# --- Queries ----------------------------------------------------------------------------------


def queries_to_check_and_import(rows: int, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        job = prepared(rows, user)
        job = services.usage_import_run(job.pk)
    assert (job.status, job.imported_count) == (UsageImportStatus.DONE, rows)
    return len(queries)


def test_checking_and_importing_take_as_many_queries_for_60_rows_as_for_5(
    vendors, owners, reviewer
):
    ContentType.objects.get_for_model(UsageRecord)  # cached for the process, as in production
    five = queries_to_check_and_import(5, reviewer)
    sixty = queries_to_check_and_import(60, reviewer)
    assert sixty == five
    # Reading the file 2, keeping it 3, importing it 11, and 6 savepoints of the test's own
    # transaction. Records and audit entries take one INSERT each per batch: 1,000 rows (66 on
    # SQLite, whose driver takes 999 parameters per statement).
    assert five <= 22
    assert UsageRecord.objects.count() == 65


def test_the_preview_takes_as_many_queries_for_60_rows_as_for_5(vendors, owners):
    from vendors.usage_csv import preview_rows

    counts = []
    for rows in (5, 60):
        stored = parse_usage_csv(inventory(rows)).rows
        with CaptureQueriesContext(connection) as queries:
            assert len(preview_rows(stored)) == rows
        counts.append(len(queries))
    assert counts == [3, 3]


# --- All or nothing ---------------------------------------------------------------------------


def test_a_failure_mid_import_rolls_everything_back_and_keeps_the_rows(
    vendors, owners, reviewer, monkeypatch
):
    monkeypatch.setattr(services, "USAGE_IMPORT_BATCH_ROWS", 2)
    job = prepared(5, reviewer)
    stored = list(job.rows)
    failing = FailingInsert(UsageRecord._meta.db_table, nth=2)  # the second batch of three
    with connection.execute_wrapper(failing):
        job = services.usage_import_run(job.pk)
    assert failing.seen == 2
    assert (UsageRecord.objects.count(), usage_entries().count()) == (0, 0)
    assert job.status == UsageImportStatus.FAILED
    assert job.error == "The database stopped the import (OperationalError: disk I/O error)."
    assert (job.rows, job.attempts, job.imported_count) == (stored, 1, 0)


def test_after_a_failure_the_kept_rows_import_on_the_next_try(vendors, owners, reviewer):
    job = prepared(5, reviewer)
    with connection.execute_wrapper(FailingInsert(LogEntry._meta.db_table)):
        assert services.usage_import_run(job.pk).status == UsageImportStatus.FAILED
    assert UsageRecord.objects.count() == 0
    job = services.usage_import_start(UsageImport.objects.get(pk=job.pk))
    assert (job.status, job.attempts, job.error, job.rows) == (UsageImportStatus.DONE, 2, "", [])
    assert UsageRecord.objects.count() == usage_entries().count() == 5


def test_a_row_that_breaks_a_model_rule_stops_the_whole_import(vendors, owners, reviewer):
    rows = load_rows(parse_usage_csv(inventory(3)).rows)
    rows[1]["team"] = "x" * 121
    rows[2]["data_classes"] = ["secret"]
    with pytest.raises(ValidationError) as refused:
        services.usage_import(rows, imported_by=reviewer)
    assert refused.value.messages == [
        "Line 3: team: Ensure this value has at most 120 characters (it has 121).",
        "Line 4: Unknown choice: secret.",
    ]
    assert UsageRecord.objects.count() == 0


def usage_create_problems(**fields) -> set[str]:
    try:
        services.usage_create(**fields)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # refused by a choice set on assignment
            return {f"Row 1: {message}" for message in error.messages}
        return {
            f"Row 1: {name.replace('_', ' ')}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        }
    return set()


def usage_import_problems(**fields) -> set[str]:
    imported_by = fields.pop("created_by")
    try:
        services.usage_import([fields], imported_by=imported_by)
    except ValidationError as error:
        return set(error.messages)
    return set()


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"team": "x" * 121},
        {"purpose": ""},
        {"data_classes": []},
        {"data_classes": ["internal", "secret"]},
        {"special_categories": ["gossip"]},
        {"integration": "carrier pigeon"},
        {"controls": ["prayer"]},
        {"vendor": "gone"},
        {"owner": "gone"},
        {"created_by": "gone"},
        {"team": "", "owner": "gone", "vendor": "gone"},
    ],
)
def test_the_import_refuses_exactly_what_usage_create_refuses(vendors, owners, reviewer, change):
    """The import's set-based checks (usage_import) and `full_clean` row by row
    (usage_create) say the same of every row."""
    gone_vendor = Vendor(pk=999_999, name="Gone")
    gone_user = UserFactory.build(pk=999_999)
    replacements = {"vendor": gone_vendor, "owner": gone_user, "created_by": gone_user}
    fields = {
        "vendor": vendors[0], "team": "Sales", "purpose": "Notes", "data_classes": ["internal"],
        "integration": "api", "owner": owners[0], "created_by": reviewer,
    }  # fmt: skip
    fields.update({k: replacements[k] if v == "gone" else v for k, v in change.items()})
    expected = usage_create_problems(**dict(fields))
    UsageRecord.objects.all().delete()
    assert usage_import_problems(**dict(fields)) == expected
    assert bool(expected) == bool(change)


# --- The audit trail --------------------------------------------------------------------------


def test_each_imported_record_has_the_audit_entry_a_record_made_by_hand_has(
    vendors, owners, reviewer
):
    fields = {
        "vendor": vendors[0], "team": "Sales", "purpose": "Call notes",
        "data_classes": ["internal"], "special_categories": ["personal"], "integration": "api",
        "owner": owners[0], "start_date": dt.date(2024, 3, 1), "controls": ["sso", "dlp"],
    }  # fmt: skip
    with auditlog_actor(reviewer):
        by_hand = services.usage_create(created_by=reviewer, **fields)
    [imported] = services.usage_import(
        [{**fields, "line": 7}],
        imported_by=reviewer,
        source={"id": 12, "file_name": "inventory.csv"},
    )
    hand_entry = LogEntry.objects.get_for_object(by_hand).get()
    entry = LogEntry.objects.get_for_object(imported).get()
    same = ["action", "content_type", "object_repr", "actor", "actor_email", "serialized_data"]
    assert [getattr(entry, f) for f in same] == [getattr(hand_entry, f) for f in same]
    renumbered = {**hand_entry.changes, "id": ["None", str(imported.pk)]}
    assert entry.changes == renumbered
    assert entry.additional_data == {
        **hand_entry.additional_data,
        "usage_import": {"id": 12, "file_name": "inventory.csv", "line": 7},
    }
    assert entry.object_id == imported.pk and entry.object_pk == str(imported.pk)


def test_the_vendor_history_shows_every_imported_record_with_who_imported_it(
    vendors, owners, reviewer
):
    job = services.usage_import_run(prepared(6, reviewer).pk)
    entries = [e for e in vendor_history(vendors[0]) if e.content_type.model == "usagerecord"]
    assert len(entries) == 2  # rows 1 and 4 of the file name vendor 0
    assert {e.actor for e in entries} == {reviewer}
    assert {e.additional_data["usage_import"]["line"] for e in entries} == {2, 5}
    assert {e.additional_data["usage_import"]["id"] for e in entries} == {job.pk}


# --- Never twice ------------------------------------------------------------------------------


def test_running_an_import_again_imports_nothing_more(vendors, owners, reviewer):
    job = prepared(4, reviewer)
    assert services.usage_import_run(job.pk).status == UsageImportStatus.DONE
    again = services.usage_import_run(job.pk)
    assert (again.status, again.attempts) == (UsageImportStatus.DONE, 1)
    assert UsageRecord.objects.count() == 4
    with pytest.raises(ValidationError, match="was imported already"):
        services.usage_import_start(again)


def test_an_import_in_progress_is_not_started_again_until_it_looks_lost(vendors, owners, reviewer):
    job = prepared(4, reviewer)
    UsageImport.objects.filter(pk=job.pk).update(
        status=UsageImportStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=9)
    )
    job.refresh_from_db()
    with pytest.raises(ValidationError, match="is being imported already"):
        services.usage_import_start(job)
    UsageImport.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=11)
    )
    job.refresh_from_db()
    assert services.usage_import_is_stale(job)
    assert services.usage_import_start(job).status == UsageImportStatus.DONE
    assert UsageRecord.objects.count() == 4


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="SQLite runs one writing transaction at a time (IMMEDIATE) anyway",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_import_the_file_once(vendors, owners, reviewer):
    """A redelivered task and a restart by hand, at the same moment: the second run waits for
    the first one's transaction and then finds the import done."""
    job = prepared(200, reviewer)
    barrier, outcomes = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            outcomes.append(services.usage_import_run(job.pk).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == [UsageImportStatus.DONE, UsageImportStatus.DONE]
    assert UsageRecord.objects.count() == usage_entries().count() == 200


# --- Small in the request, large by a worker --------------------------------------------------


def test_a_small_file_is_imported_at_once(vendors, owners, reviewer):
    job = services.usage_import_start(prepared(services.USAGE_IMPORT_IN_REQUEST_MAX_ROWS, reviewer))
    assert job.status == UsageImportStatus.DONE


def test_a_large_file_is_queued_once_the_transaction_commits(
    vendors, owners, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "USAGE_IMPORT_IN_REQUEST_MAX_ROWS", 3)
    queued = []
    monkeypatch.setattr(
        tasks.run_usage_import, "apply_async", lambda args, kwargs: queued.append(args)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.usage_import_start(prepared(4, reviewer))
    assert (job.status, queued) == (UsageImportStatus.QUEUED, [])
    for callback in callbacks:
        callback()
    assert queued == [(job.pk,)]
    assert UsageRecord.objects.count() == 0


def test_the_task_imports_the_file_and_a_second_delivery_changes_nothing(vendors, owners, reviewer):
    job = prepared(4, reviewer)
    tasks.run_usage_import.delay(job.pk)
    tasks.run_usage_import.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.imported_count, job.out_of_policy_count) == (
        UsageImportStatus.DONE,
        1,
        4,
        1,
    )
    assert UsageRecord.objects.count() == 4


def test_without_a_broker_the_import_runs_in_the_request_instead(
    vendors, owners, reviewer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(services, "USAGE_IMPORT_IN_REQUEST_MAX_ROWS", 3)

    def broker_down(args, kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.run_usage_import, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.usage_import_start(prepared(4, reviewer))
    job.refresh_from_db()
    assert job.status == UsageImportStatus.DONE
    assert UsageRecord.objects.count() == 4
    assert (
        f"Could not queue vendors.tasks.run_usage_import({job.pk},): the import runs in the "
        "request instead." in caplog.text
    )


# --- Keeping and forgetting previews ----------------------------------------------------------


def test_a_new_upload_replaces_the_uploaders_unconfirmed_and_failed_imports_only(
    vendors, owners, reviewer, lead
):
    failed = prepared(2, reviewer)
    UsageImport.objects.filter(pk=failed.pk).update(status=UsageImportStatus.FAILED)
    running = prepared(2, reviewer)
    UsageImport.objects.filter(pk=running.pk).update(status=UsageImportStatus.RUNNING)
    done = services.usage_import_run(prepared(2, reviewer).pk)
    leads = prepared(2, lead)
    newest = prepared(2, reviewer)
    assert set(UsageImport.objects.all()) == {running, done, leads, newest}


def test_previews_nobody_confirmed_are_forgotten_after_a_day(vendors, owners, reviewer, lead):
    old = prepared(2, lead)
    UsageImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    newest = prepared(2, reviewer)
    assert list(UsageImport.objects.all()) == [newest]
