"""Writes to vendors and evidence. Views and forms call these; nothing else saves.

Every function runs in a transaction; django-auditlog records each create, change and delete
with its actor (taken from the request by AuditlogMiddleware, or set with `auditlog_actor`).
"""

import datetime as dt
import logging
import secrets
from contextlib import contextmanager

from auditlog.cid import get_cid
from auditlog.context import auditlog_value, set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from vendors.evidence_facts import add_months
from vendors.models import (
    EVIDENCE_FACTS,
    SOC2_STALE_AFTER_MONTHS,
    Autonomy,
    DataClass,
    Evidence,
    EvidenceKind,
    Incident,
    IncidentSeverity,
    Integration,
    SpecialCategory,
    UsageImport,
    UsageImportStatus,
    UsageRecord,
    Vendor,
    VendorStatus,
)
from vendors.policy import APPROVED, out_of_policy_reasons
from vendors.selectors import evidence_summary_values, stale_evidence_summary_q
from vendors.uploads import check_upload
from vendors.usage_csv import StaleImport, load_rows

logger = logging.getLogger(__name__)

VENDOR_EDITABLE_FIELDS = [
    "name", "website", "description", "service_type", "models_used", "model_providers",
    "hosting_regions", "business_owner", "security_owner", "data_classes",
    "special_categories", "criticality", "autonomy", "integration", "business_justification",
    "status",
]  # fmt: skip

# Statuses a reviewer may set by hand; the others come from sign-off or retirement.
MANUAL_STATUSES = [VendorStatus.PROPOSED, VendorStatus.IN_REVIEW]

# How long evidence counts when the document states no validity (evidence_expiry).
DPA_VALID_MONTHS = 36
DEFAULT_VALID_MONTHS = 12


@contextmanager
def auditlog_actor(user):
    """Attribute audit entries to `user` outside a request (commands, tasks).

    django-auditlog's set_actor does not restore the actor it replaces, so inside a request
    (where AuditlogMiddleware set one) later saves would lose theirs; restore it here.
    """
    if user is None:
        yield
        return
    previous = auditlog_value.get(None)
    try:
        with set_actor(user):
            yield
    finally:
        if previous is not None:
            auditlog_value.set(previous)


def evidence_expiry(evidence: Evidence) -> dt.date | None:
    """The date after which the evidence no longer counts.

    SOC 2: 12 months after the audit period ends. ISO certificates: their expiry date.
    Penetration tests and red-team reports: a year after the document date unless they
    state a validity. A data processing agreement: the validity it states, else 36 months
    after it was signed. Every other kind (retention, encryption, training, sub-processors,
    model card, other): the validity it states, else 12 months after the document's date,
    else 12 months after the day it was recorded (today, for a record not yet saved): a
    document that states no validity does not count for ever. None only for a SOC 2 report
    without a period end, a certificate without an expiry date.

    vendors/migrations/0009 applies a copy of this rule to the records stored before it.
    """
    if evidence.kind == EvidenceKind.SOC2:
        if evidence.period_end is None:
            return None
        return add_months(evidence.period_end, SOC2_STALE_AFTER_MONTHS)
    if evidence.kind in (EvidenceKind.ISO27001, EvidenceKind.ISO42001):
        return evidence.expiry_date
    if evidence.valid_until:
        return evidence.valid_until
    recorded_on = timezone.localdate(evidence.recorded_at) if evidence.recorded_at else None
    if evidence.kind == EvidenceKind.DPA:
        start = evidence.signed_date or recorded_on or timezone.localdate()
        return add_months(start, DPA_VALID_MONTHS)
    start = evidence.document_date or recorded_on or timezone.localdate()
    return add_months(start, DEFAULT_VALID_MONTHS)


def _unique_slug(name: str, exclude_pk=None) -> str:
    base = slugify(name)[:200] or "vendor"
    slug, n = base, 2
    while Vendor.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def evidence_summary_refresh(*, today: dt.date | None = None, vendor_ids=None) -> int:
    """Recompute the stored evidence summary (Vendor.evidence_*) as of `today`: for the
    vendors `vendor_ids`, or, when None, for every vendor whose summary is not of today.
    One UPDATE; returns the number of vendors written.

    Pages that show or filter by the summary call it first (cheap when nothing is stale: an
    indexed EXISTS), so a summary never outlives the day it was computed for."""
    today = today or timezone.localdate()
    vendors = Vendor.objects.order_by()
    if vendor_ids is not None:
        vendors = vendors.filter(pk__in=vendor_ids)
    else:
        stale = vendors.filter(stale_evidence_summary_q(today))
        # Look before writing: on SQLite an UPDATE takes the write lock even when it
        # changes nothing, and pages call this on every view.
        if not stale.exists():
            return 0
        vendors = stale
    return vendors.update(**evidence_summary_values(today))


@transaction.atomic
def vendor_create(*, created_by, **fields) -> Vendor:
    vendor = Vendor(created_by=created_by, **fields)
    vendor.slug = _unique_slug(vendor.name)
    vendor.full_clean(exclude=["slug"])
    with auditlog_actor(created_by):
        vendor.save()
    return vendor


# Incidents that suspend Confidential and Restricted data (incident_record).
SUSPENDING_SEVERITIES = {IncidentSeverity.HIGH, IncidentSeverity.CRITICAL}


# The profile an approval was assessed on: changing any of these after approval is a
# material change that needs a reassessment (vendor_update).
MATERIAL_FIELDS = ["data_classes", "special_categories", "autonomy", "integration"]


def material_changes(before: dict, vendor: Vendor) -> list[str]:
    """The material changes from the stored profile `before` (MATERIAL_FIELDS) to `vendor`,
    each in plain words ("health data added")."""
    old_categories, new_categories = before["special_categories"], vendor.special_categories
    old_classes, new_classes = before["data_classes"], vendor.data_classes
    changes = [
        f"{SpecialCategory(c).label.lower()} added"
        for c in new_categories
        if c not in old_categories
    ]
    changes += [
        f"{SpecialCategory(c).label.lower()} removed"
        for c in old_categories
        if c not in new_categories
    ]
    changes += [f"{DataClass(c).label} data requested" for c in new_classes if c not in old_classes]
    changes += [
        f"{DataClass(c).label} data no longer requested"
        for c in old_classes
        if c not in new_classes
    ]
    for name, label, choices_class in [
        ("autonomy", "autonomy", Autonomy),
        ("integration", "main integration", Integration),
    ]:
        old, new = before[name], getattr(vendor, name)
        if old != new:
            changes.append(
                f"{label} changed from “{choices_class(old).label}” to “{choices_class(new).label}”"
            )
    return changes


@transaction.atomic
def vendor_update(vendor: Vendor, *, changed_by, **fields) -> Vendor:
    """Save the vendor's changes. Changing the data classes requested, the special categories,
    the autonomy or the integration of an approved vendor is a material change: the vendor
    needs a reassessment, and new special categories stay unassessed until its sign-off."""
    # The stored profile: a bound ModelForm has already written the new one on `vendor`.
    before = Vendor.objects.filter(pk=vendor.pk).values(*MATERIAL_FIELDS).first()
    for name, value in fields.items():
        setattr(vendor, name, value)
    if "name" in fields:
        vendor.slug = _unique_slug(vendor.name, exclude_pk=vendor.pk)
    vendor.full_clean(exclude=["slug"])
    with auditlog_actor(changed_by):
        vendor.save()
    changes = material_changes(before, vendor) if before else []
    if vendor.status in APPROVED and changes:
        vendor_flag_reassessment(
            vendor, reason=f"Material change: {'; '.join(changes)}.", flagged_by=changed_by
        )
    return vendor


@transaction.atomic
def vendor_flag_reassessment(
    vendor: Vendor, *, reason: str, flagged_by, notice_for: tuple[str, int] | None = None
) -> Vendor:
    """Mark the vendor "reassessment required now" and tell its owners and the security team
    at once (an incident, or a material change such as more sensitive data).

    The notice is keyed by what caused it, `notice_for` = (object type, id): an incident, or
    by default the audit entry of the change, so a second incident the same day is announced
    too. The claimed notice is left on `vendor.reassessment_notice` (None when nobody could
    be told) and what became of queueing it on `vendor.reassessment_notice_queue` (a
    config.queueing.QueuedTask, or None when there was nothing to send)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from notifications import services as notifications

    today = timezone.localdate()
    vendor.reassessment_required = True
    vendor.reassessment_reason = reason[:300]
    vendor.reassessment_required_since = today
    # Only an assessment submitted from now on considered this reason (assessment sign-off).
    vendor.reassessment_required_at = timezone.now()
    with auditlog_actor(flagged_by):
        vendor.save(
            update_fields=[
                "reassessment_required", "reassessment_reason", "reassessment_required_since",
                "reassessment_required_at", "updated_at",
            ]
        )  # fmt: skip
    reviewers = get_user_model().objects.filter(groups__name="Security reviewers")
    recipients = notifications.recipient_emails(
        [vendor.business_owner, vendor.security_owner, *reviewers]
    )
    if notice_for is None:
        entry = LogEntry.objects.get_for_object(vendor).order_by("-pk").first()
        notice_for = ("vendor_change", entry.pk) if entry else ("vendor", vendor.pk)
    object_type, object_id = notice_for
    log = notifications.claim(
        kind="reassessment_required", object_type=object_type, object_id=object_id,
        due_date=today, offset_days=0, vendor_id=vendor.pk,
        recipients=recipients,
        link=notifications.absolute(reverse("vendor_detail", args=[vendor.pk])),
        context={"vendor": vendor.name, "reason": vendor.reassessment_reason},
    )  # fmt: skip
    vendor.reassessment_notice = log
    vendor.reassessment_notice_queue = notifications.dispatch(log)
    return vendor


@transaction.atomic
def vendor_retire(vendor: Vendor, *, retired_by) -> Vendor:
    """Retire instead of deleting: the vendor, its evidence and history stay on record."""
    vendor.status = VendorStatus.RETIRED
    with auditlog_actor(retired_by):
        vendor.save(update_fields=["status", "updated_at"])
    return vendor


@transaction.atomic
def vendor_delete(vendor: Vendor, *, deleted_by) -> None:
    """Administrators only (checked by the view). Removes evidence files as well."""
    files = [e.file.name for e in vendor.evidence.all() if e.file]
    with auditlog_actor(deleted_by):
        for evidence in vendor.evidence.all():
            evidence.delete()
        vendor.delete()
    _delete_files_on_commit(files)


def _delete_files_on_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def remove():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)


def _apply_facts(evidence: Evidence, facts: dict) -> None:
    allowed = set(EVIDENCE_FACTS[evidence.kind]) | {"title", "notes"}
    unknown = set(facts) - allowed
    if unknown:
        raise ValueError(f"Not facts of {evidence.kind}: {', '.join(sorted(unknown))}")
    for name, value in facts.items():
        setattr(evidence, name, value)
    evidence.expires_on = evidence_expiry(evidence)


def _attach_file(evidence: Evidence, uploaded) -> None:
    checked = check_upload(uploaded)
    evidence.file_name = checked.original_name
    evidence.file_size = checked.size
    evidence.file_sha256 = checked.sha256
    evidence.file_content_type = checked.content_type
    evidence.file.save(checked.original_name, uploaded, save=False)


@transaction.atomic
def evidence_create(*, vendor: Vendor, kind: str, recorded_by, file=None, **facts) -> Evidence:
    evidence = Evidence(vendor=vendor, kind=kind, recorded_by=recorded_by)
    _apply_facts(evidence, facts)
    evidence.full_clean(exclude=["file"])
    if file is not None:
        _attach_file(evidence, file)
    with auditlog_actor(recorded_by):
        evidence.save()
    return evidence


@transaction.atomic
def evidence_update(
    evidence: Evidence, *, changed_by, file=None, remove_file: bool = False, **facts
) -> Evidence:
    _apply_facts(evidence, facts)
    evidence.full_clean(exclude=["file"])
    old_file = evidence.file.name if evidence.file else ""
    if remove_file and not file:
        evidence.file = ""
        evidence.file_name = evidence.file_sha256 = evidence.file_content_type = ""
        evidence.file_size = None
    if file is not None:
        _attach_file(evidence, file)
    with auditlog_actor(changed_by):
        evidence.save()
    if old_file and old_file != (evidence.file.name if evidence.file else ""):
        _delete_files_on_commit([old_file])
    return evidence


@transaction.atomic
def evidence_save(evidence: Evidence, *, saved_by) -> Evidence:
    """Save an evidence record whose fields were set elsewhere (the Django admin), new or
    not, by the rules of evidence_create and evidence_update: the expiry derived from its
    facts, the model's validation, the actor in the audit log. Files are not attached here:
    they come through evidence_create and evidence_update, which check their content."""
    if evidence._state.adding and evidence.recorded_by is None:
        evidence.recorded_by = saved_by
    evidence.expires_on = evidence_expiry(evidence)
    evidence.full_clean(exclude=["file"])
    with auditlog_actor(saved_by):
        evidence.save()
    return evidence


@transaction.atomic
def evidence_delete(evidence: Evidence, *, deleted_by) -> None:
    name = evidence.file.name if evidence.file else ""
    with auditlog_actor(deleted_by):
        evidence.delete()
    if name:
        _delete_files_on_commit([name])


# --- Usage records and incidents --------------------------------------------------------------

USAGE_FIELDS = [
    "vendor", "team", "purpose", "business_justification", "data_classes",
    "special_categories", "integration", "owner", "start_date", "active", "end_date", "controls",
]  # fmt: skip


@transaction.atomic
def usage_create(*, created_by, **fields) -> UsageRecord:
    usage = UsageRecord(created_by=created_by, **fields)
    usage.full_clean()
    with auditlog_actor(created_by):
        usage.save()
    return usage


@transaction.atomic
def usage_update(usage: UsageRecord, *, changed_by, **fields) -> UsageRecord:
    for name, value in fields.items():
        setattr(usage, name, value)
    usage.full_clean()
    with auditlog_actor(changed_by):
        usage.save()
    return usage


# --- Usage import (a checked CSV file: vendors.usage_csv) -------------------------------------

# A file of at most this many rows is imported in the request that confirms it (a fraction of a
# second); a bigger one by a worker (vendors.tasks.run_usage_import) while the page shows how
# it stands.
USAGE_IMPORT_IN_REQUEST_MAX_ROWS = 500
# Rows per INSERT statement. On SQLite Django makes batches smaller still: its driver takes at
# most 999 parameters per statement (66 usage records).
USAGE_IMPORT_BATCH_ROWS = 1000
# A preview can be confirmed for this long after the upload; later, the file is checked again
# against the vendors and users of the day by uploading it again.
USAGE_IMPORT_MAX_AGE = dt.timedelta(hours=1)
# Previews nobody confirmed are deleted after this long (when someone next uploads a file).
USAGE_IMPORT_FORGET_AFTER = dt.timedelta(days=1)
# A queued or running import that has not finished after this long was lost (a worker killed,
# a message dropped): it may be started again. Both runs cannot write: the first to commit
# marks it done and the other then finds it done (usage_import_run).
USAGE_IMPORT_STALE_AFTER = dt.timedelta(minutes=10)

# Checked in one query per model for a whole import (usage_import), not one per row.
USAGE_FOREIGN_KEYS = ["vendor", "owner", "created_by"]


def _missing_references(usages: list[UsageRecord], where: list[str]) -> list[str]:
    """What `full_clean` says of each foreign key whose row no longer exists, for every
    usage at once: one query for the vendors and one for the users, with the same manager,
    lookup and message as ForeignKey.validate."""
    problems = []
    for model, names in [(Vendor, ["vendor"]), (get_user_model(), ["owner", "created_by"])]:
        wanted = {getattr(u, f"{n}_id") for u in usages for n in names} - {None}
        found = set(
            model._base_manager.filter(pk__in=wanted).order_by().values_list("pk", flat=True)
        )
        for usage, place in zip(usages, where, strict=True):
            for name in names:
                value = getattr(usage, f"{name}_id")
                if value is not None and value not in found:
                    field = UsageRecord._meta.get_field(name)
                    message = field.error_messages["invalid"] % {
                        "model": model._meta.verbose_name,
                        "pk": value,
                        "field": field.remote_field.field_name,
                        "value": value,
                    }
                    problems.append(f"{place}: {name.replace('_', ' ')}: {message}")
    return problems


def _usage_creation_entries(usages: list[UsageRecord], lines: list, *, actor, source: dict):
    """The audit entries django-auditlog writes when a usage record is created (its post_save
    receiver: the same changes, representation, actor, address and correlation id), for
    records saved by bulk_create, which sends no signal. Each also names the import and the
    line of the file it came from (`additional_data["usage_import"]`)."""
    context = auditlog_value.get(None) or {}  # the request's address, from AuditlogMiddleware
    content_type = ContentType.objects.get_for_model(UsageRecord)
    correlation_id = get_cid()
    return [
        LogEntry(
            content_type=content_type,
            object_pk=str(usage.pk),
            object_id=usage.pk,
            object_repr=str(usage),
            action=LogEntry.Action.CREATE,
            changes=model_instance_diff(
                None, usage, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
            ),
            actor=actor,
            actor_email=getattr(actor, "email", None),
            remote_addr=context.get("remote_addr"),
            remote_port=context.get("remote_port"),
            cid=correlation_id,
            additional_data={
                **usage.get_additional_data(),
                "usage_import": {**source, "line": line},
            },
        )
        for usage, line in zip(usages, lines, strict=True)
    ]


@transaction.atomic
def usage_import(rows: list[dict], *, imported_by, source: dict | None = None) -> list[UsageRecord]:
    """Create every row or none, in bulk: a fixed number of queries, plus one INSERT per batch
    of USAGE_IMPORT_BATCH_ROWS records and one per batch of their audit entries.

    `rows` are the keyword arguments of usage_create (vendor and owner instances), each with
    the `line` of the file it came from if any (vendors.usage_csv.load_rows). Each row meets
    the rules of usage_create, `full_clean`: the model's field rules in memory, the vendors
    and users it names in one query per model; any row that breaks one raises
    ValidationError, with a message per problem naming the line, and nothing is written.

    django-auditlog does not see bulk_create: each record gets the audit entry the signal
    would have written (one per record, so the vendor's history and the record's own read
    as if it had been recorded by hand), plus `source` (which import) and its line."""
    usages, where, lines = [], [], []
    problems = []
    for number, row in enumerate(rows, start=1):
        values = dict(row)
        line = values.pop("line", None)
        place = f"Line {line}" if line else f"Row {number}"
        try:
            usage = UsageRecord(created_by=imported_by, **values)
        except ValidationError as error:  # a choice set refuses an unknown value at once
            problems += [f"{place}: {message}" for message in error.messages]
            continue
        try:
            usage.full_clean(exclude=USAGE_FOREIGN_KEYS)
        except ValidationError as error:
            problems += [
                f"{place}: {name.replace('_', ' ')}: {' '.join(messages)}"
                for name, messages in error.message_dict.items()
            ]
        usages.append(usage)
        where.append(place)
        lines.append(line)
    problems += _missing_references(usages, where)
    if problems:
        raise ValidationError(problems)
    UsageRecord.objects.bulk_create(usages, batch_size=USAGE_IMPORT_BATCH_ROWS)
    LogEntry.objects.bulk_create(
        _usage_creation_entries(usages, lines, actor=imported_by, source=source or {}),
        batch_size=USAGE_IMPORT_BATCH_ROWS,
    )
    return usages


def usage_import_prepare(*, rows: list[dict], file_name: str, uploaded_by) -> UsageImport:
    """Keep the rows of a checked file (vendors.usage_csv.parse_usage_csv, no errors) for its
    preview and import. The uploader's earlier imports that were not confirmed, or failed,
    are replaced (the newest upload is the one to import), and anyone's previews older than
    USAGE_IMPORT_FORGET_AFTER are deleted."""
    pending = [UsageImportStatus.PREVIEW, UsageImportStatus.FAILED]
    with transaction.atomic():
        UsageImport.objects.filter(uploaded_by=uploaded_by, status__in=pending).delete()
        UsageImport.objects.filter(
            status__in=pending, created_at__lt=timezone.now() - USAGE_IMPORT_FORGET_AFTER
        ).delete()
        return UsageImport.objects.create(
            token=secrets.token_urlsafe(16),
            uploaded_by=uploaded_by,
            file_name=file_name[:200],
            rows=rows,
            row_count=len(rows),
        )


def usage_import_discard(job: UsageImport) -> None:
    """Forget an import that was not confirmed, or failed (a preview too old, or naming a
    vendor or owner that has gone); one being imported is left to finish."""
    pending = [UsageImportStatus.PREVIEW, UsageImportStatus.FAILED]
    UsageImport.objects.filter(pk=job.pk, status__in=pending).delete()


def usage_import_is_stale(job: UsageImport, *, now: dt.datetime | None = None) -> bool:
    """Queued or running for longer than USAGE_IMPORT_STALE_AFTER: lost, may start again."""
    if job.status not in (UsageImportStatus.QUEUED, UsageImportStatus.RUNNING):
        return False
    since = job.started_at if job.status == UsageImportStatus.RUNNING else job.queued_at
    since = since or job.created_at
    return (now or timezone.now()) - since > USAGE_IMPORT_STALE_AFTER


def usage_import_refusal(job: UsageImport, *, now: dt.datetime | None = None) -> str:
    """Why the import `job` cannot be started now; empty when it can."""
    now = now or timezone.now()
    if job.status == UsageImportStatus.DONE:
        return f"“{job.file_name}” was imported already; it is not imported twice."
    if job.status in (UsageImportStatus.QUEUED, UsageImportStatus.RUNNING):
        if not usage_import_is_stale(job, now=now):
            return f"“{job.file_name}” is being imported already."
        return ""
    if now - job.created_at > USAGE_IMPORT_MAX_AGE:
        return (
            "This preview is more than an hour old. Upload the file again, so that it is "
            "checked against the vendors and users of today."
        )
    return ""


def usage_import_start(job: UsageImport) -> UsageImport:
    """Start importing the rows kept in `job` (a preview, a failed import, or a lost one):
    here and now when there are at most USAGE_IMPORT_IN_REQUEST_MAX_ROWS of them, else by a
    worker, queued once the current transaction commits. Returns the import as it stands
    then: done or failed when it ran here, queued otherwise.

    Raises ValidationError when it cannot start (usage_import_refusal). Call it outside a
    transaction when it may run here: its failure is recorded in a transaction of its own."""
    problem = usage_import_refusal(job)
    if problem:
        raise ValidationError(problem)
    if job.row_count <= USAGE_IMPORT_IN_REQUEST_MAX_ROWS:
        return usage_import_run(job.pk)
    # Only from the state just read: of two clicks at once, one queues it.
    queued = (
        UsageImport.objects.filter(pk=job.pk, status=job.status)
        .exclude(status=UsageImportStatus.DONE)
        .update(status=UsageImportStatus.QUEUED, queued_at=timezone.now(), error="")
    )
    if queued:
        _queue_usage_import(job.pk)
    job.refresh_from_db()
    return job


def _queue_usage_import(import_id: int) -> None:
    """Queue the import once the transaction commits (config.queueing). When the broker
    cannot take it, import here instead: a few thousand rows take a second or two, better
    than an import that no worker will ever start."""
    from config.queueing import queue_on_commit
    from vendors.tasks import run_usage_import

    queued = queue_on_commit(
        run_usage_import, import_id, catch_up="the import runs in the request instead"
    )

    def catch_up():  # runs after the publish above: on_commit keeps the order
        if queued.queued is False:
            usage_import_run(import_id)

    transaction.on_commit(catch_up)


def usage_import_run(import_id: int) -> UsageImport | None:
    """Import the rows kept in UsageImport `import_id`, all or nothing (the task's body).

    Marks it running (committed, for the page that follows it), then in one transaction:
    claims it (a second run waits on the row, then finds it done), loads its vendors and
    owners (vendors.usage_csv.load_rows), writes the records and their audit entries
    (usage_import), and marks it done with its counts, emptying the kept rows. A failure
    rolls all of that back and is recorded on the import (failed, with the reason), which
    keeps its rows for another try. Idempotent: an import done already is left alone.
    Returns the import as it ends (None if it was deleted)."""
    UsageImport.objects.filter(pk=import_id).exclude(status=UsageImportStatus.DONE).update(
        status=UsageImportStatus.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
    )
    job = UsageImport.objects.select_related("uploaded_by").filter(pk=import_id).first()
    if job is None or job.status == UsageImportStatus.DONE:
        return job
    try:
        with transaction.atomic():
            claimed = (
                UsageImport.objects.filter(pk=import_id)
                .exclude(status=UsageImportStatus.DONE)
                .update(status=UsageImportStatus.RUNNING)
            )
            if claimed:
                created = usage_import(
                    load_rows(job.rows),
                    imported_by=job.uploaded_by,
                    source={"id": job.pk, "file_name": job.file_name},
                )
                today = timezone.localdate()
                UsageImport.objects.filter(pk=import_id).update(
                    status=UsageImportStatus.DONE,
                    rows=[],
                    imported_count=len(created),
                    out_of_policy_count=sum(
                        1 for usage in created if out_of_policy_reasons(usage, today)
                    ),
                    finished_at=timezone.now(),
                    error="",
                )
    except Exception as error:  # recorded on the import and shown to its uploader
        _usage_import_failed(import_id, error)
    return UsageImport.objects.filter(pk=import_id).first()


def _usage_import_failed(import_id: int, error: Exception) -> None:
    if isinstance(error, StaleImport):
        reason = f"{error} Upload the file again."
    elif isinstance(error, ValidationError):
        reason = " ".join(error.messages)
    elif isinstance(error, DatabaseError):
        logger.warning("Usage import %s failed in the database: %s", import_id, error)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        reason = f"The database stopped the import ({type(error).__name__}: {first_line})."
    else:
        logger.exception("Usage import %s failed", import_id, exc_info=error)
        reason = f"An unexpected error stopped the import ({type(error).__name__})."
    UsageImport.objects.filter(pk=import_id).exclude(status=UsageImportStatus.DONE).update(
        status=UsageImportStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


@transaction.atomic
def incident_record(*, vendor: Vendor, recorded_by, **fields) -> Incident:
    """Record a vendor incident: the vendor needs reassessment now, and its owners and the
    security team are told at once. A high or critical incident also suspends Confidential
    and Restricted data (vendors.policy) until a reassessment submitted after it is signed
    off."""
    incident = Incident(vendor=vendor, recorded_by=recorded_by, **fields)
    incident.full_clean()
    with auditlog_actor(recorded_by):
        incident.save()
        if incident.severity in SUSPENDING_SEVERITIES:
            vendor.incident_suspended_at = timezone.now()
            vendor.save(update_fields=["incident_suspended_at", "updated_at"])
    vendor_flag_reassessment(
        vendor,
        reason=f"Incident disclosed {incident.date_disclosed:%d %b %Y}: {incident.title}",
        flagged_by=recorded_by,
        notice_for=("incident", incident.pk),
    )
    incident.notice = vendor.reassessment_notice
    incident.notice_queue = vendor.reassessment_notice_queue
    return incident
