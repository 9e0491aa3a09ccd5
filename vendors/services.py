"""Writes to vendors and evidence. Views and forms call these; nothing else saves.

Every function runs in a transaction; django-auditlog records each create, change and delete
with its actor (taken from the request by AuditlogMiddleware, or set with `auditlog_actor`).
"""

import datetime as dt
from contextlib import contextmanager

from auditlog.context import auditlog_value, set_actor
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from vendors.models import (
    EVIDENCE_FACTS,
    SOC2_STALE_AFTER_MONTHS,
    DataClass,
    Evidence,
    EvidenceKind,
    Incident,
    UsageRecord,
    Vendor,
    VendorStatus,
)
from vendors.selectors import evidence_summary_values, stale_evidence_summary_q
from vendors.uploads import check_upload

VENDOR_EDITABLE_FIELDS = [
    "name", "website", "description", "service_type", "models_used", "model_providers",
    "hosting_regions", "business_owner", "security_owner", "data_classes",
    "special_categories", "criticality", "autonomy", "integration", "business_justification",
    "status",
]  # fmt: skip

# Statuses a reviewer may set by hand; the others come from sign-off or retirement.
MANUAL_STATUSES = [VendorStatus.PROPOSED, VendorStatus.IN_REVIEW]

ANNUAL_KINDS = {EvidenceKind.PENTEST, EvidenceKind.RED_TEAM}


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


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: day 28 exists in every month


def evidence_expiry(evidence: Evidence) -> dt.date | None:
    """The date after which the evidence no longer counts.

    SOC 2: 12 months after the audit period ends. ISO certificates: their expiry date.
    Penetration tests and red-team reports: a year after the document date unless they
    state a validity. Other kinds: the validity the document states, if any.
    """
    if evidence.kind == EvidenceKind.SOC2:
        if evidence.period_end is None:
            return None
        return add_months(evidence.period_end, SOC2_STALE_AFTER_MONTHS)
    if evidence.kind in (EvidenceKind.ISO27001, EvidenceKind.ISO42001):
        return evidence.expiry_date
    if evidence.valid_until:
        return evidence.valid_until
    if evidence.kind in ANNUAL_KINDS and evidence.document_date:
        return add_months(evidence.document_date, 12)
    return None


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


APPROVED_STATUSES = {VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS}


@transaction.atomic
def vendor_update(vendor: Vendor, *, changed_by, **fields) -> Vendor:
    # The stored classes: a bound ModelForm has already written the new ones on `vendor`.
    stored = Vendor.objects.filter(pk=vendor.pk).values_list("data_classes", flat=True).first()
    requested_before = set(stored or [])
    for name, value in fields.items():
        setattr(vendor, name, value)
    if "name" in fields:
        vendor.slug = _unique_slug(vendor.name, exclude_pk=vendor.pk)
    vendor.full_clean(exclude=["slug"])
    with auditlog_actor(changed_by):
        vendor.save()
    # Newly requested classes more sensitive than any approved one: a material change.
    approved_rank = max((DataClass.rank(c) for c in vendor.approved_data_classes), default=-1)
    beyond = [
        c for c in vendor.data_classes
        if DataClass.rank(c) > approved_rank and c not in requested_before
    ]  # fmt: skip
    if vendor.status in APPROVED_STATUSES and beyond:
        labels = ", ".join(DataClass(c).label for c in beyond)
        vendor_flag_reassessment(
            vendor, reason=f"Data classes requested beyond the approved ones: {labels}.",
            flagged_by=changed_by,
        )  # fmt: skip
    return vendor


@transaction.atomic
def vendor_flag_reassessment(vendor: Vendor, *, reason: str, flagged_by) -> Vendor:
    """Mark the vendor "reassessment required now" and tell its owners and the security team
    at once (an incident, or a material change such as more sensitive data)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from notifications import services as notifications

    today = timezone.localdate()
    vendor.reassessment_required = True
    vendor.reassessment_reason = reason[:300]
    vendor.reassessment_required_since = today
    with auditlog_actor(flagged_by):
        vendor.save(
            update_fields=[
                "reassessment_required", "reassessment_reason", "reassessment_required_since",
                "updated_at",
            ]
        )  # fmt: skip
    reviewers = get_user_model().objects.filter(groups__name="Security reviewers")
    recipients = notifications.recipient_emails(
        [vendor.business_owner, vendor.security_owner, *reviewers]
    )
    log = notifications.claim(
        kind="reassessment_required", object_type="vendor", object_id=vendor.pk,
        due_date=today, offset_days=0, vendor_id=vendor.pk,
        recipients=recipients,
        link=notifications.absolute(reverse("vendor_detail", args=[vendor.pk])),
        context={"vendor": vendor.name, "reason": vendor.reassessment_reason},
    )  # fmt: skip
    notifications.dispatch(log)
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


@transaction.atomic
def usage_import(rows: list[dict], *, imported_by) -> list[UsageRecord]:
    """Create every row or none (rows validated beforehand by vendors.usage_csv)."""
    return [usage_create(created_by=imported_by, **row) for row in rows]


@transaction.atomic
def incident_record(*, vendor: Vendor, recorded_by, **fields) -> Incident:
    """Record a vendor incident: the vendor needs reassessment now, and its owners and the
    security team are told at once."""
    incident = Incident(vendor=vendor, recorded_by=recorded_by, **fields)
    incident.full_clean()
    with auditlog_actor(recorded_by):
        incident.save()
    vendor_flag_reassessment(
        vendor,
        reason=f"Incident disclosed {incident.date_disclosed:%d %b %Y}: {incident.title}",
        flagged_by=recorded_by,
    )
    return incident
