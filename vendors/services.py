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
    UsageRecord,
    Vendor,
    VendorStatus,
)
from vendors.policy import APPROVED
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


@transaction.atomic
def usage_import(rows: list[dict], *, imported_by) -> list[UsageRecord]:
    """Create every row or none (rows validated beforehand by vendors.usage_csv)."""
    return [usage_create(created_by=imported_by, **row) for row in rows]


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
    )
    return incident
