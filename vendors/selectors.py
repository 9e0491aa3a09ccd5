"""Reads of vendors and evidence, shaped for the pages: every list is a constant number of
queries whatever its length (annotations and subqueries, no per-row lookups)."""

import datetime as dt

from auditlog.models import LogEntry
from django.db.models import Exists, OuterRef, Q, QuerySet

from vendors.models import (
    CORE_EVIDENCE,
    EXPIRING_WITHIN_DAYS,
    Evidence,
    EvidenceStatus,
    Vendor,
    evidence_status,
)


def _live_evidence(today: dt.date) -> Q:
    """Evidence that still counts today: no expiry, or not yet past it."""
    return Q(expires_on__isnull=True) | Q(expires_on__gte=today)


def _outdated_evidence(today: dt.date, *, expiring: bool) -> QuerySet:
    """Per vendor, evidence that is expired (or expiring) and not superseded by a record of
    the same kind that stays current for longer."""
    if expiring:
        window = Q(
            expires_on__gte=today, expires_on__lte=today + dt.timedelta(EXPIRING_WITHIN_DAYS)
        )
        better = Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    else:
        window = Q(expires_on__lt=today)
        better = _live_evidence(today)
    superseded = Evidence.objects.filter(
        better, vendor_id=OuterRef("vendor_id"), kind=OuterRef("kind")
    )
    return Evidence.objects.filter(window, vendor_id=OuterRef("pk")).exclude(Exists(superseded))


def with_evidence_summary(vendors: QuerySet, today: dt.date | None = None) -> QuerySet:
    """Annotate each vendor with `has_expired_evidence`, `has_expiring_evidence` and
    `has_<core key>` for each core evidence kind (live evidence only)."""
    today = today or dt.date.today()
    annotations = {
        "has_expired_evidence": Exists(_outdated_evidence(today, expiring=False)),
        "has_expiring_evidence": Exists(_outdated_evidence(today, expiring=True)),
    }
    for key, _label, kinds in CORE_EVIDENCE:
        annotations[f"has_{key}"] = Exists(
            Evidence.objects.filter(_live_evidence(today), vendor_id=OuterRef("pk"), kind__in=kinds)
        )
    return vendors.annotate(**annotations)


def ensure_evidence_summary(vendors: QuerySet, today: dt.date | None = None) -> QuerySet:
    """with_evidence_summary, unless the queryset already carries it."""
    if "has_expired_evidence" in vendors.query.annotations:
        return vendors
    return with_evidence_summary(vendors, today)


def missing_core_evidence_q() -> Q:
    """For a queryset annotated by with_evidence_summary: vendors lacking a core kind."""
    q = Q()
    for key, _label, _kinds in CORE_EVIDENCE:
        q |= Q(**{f"has_{key}": False})
    return q


def vendor_list(today: dt.date | None = None) -> QuerySet:
    return with_evidence_summary(
        Vendor.objects.select_related("business_owner", "security_owner"), today
    )


def vendor_page_rows(ids: list[int], today: dt.date | None = None) -> list[Vendor]:
    """The vendors of one list page, with their evidence summary, in the order of `ids`.

    The list pages a plain query of ids first and annotates only those rows: the evidence
    subqueries then run for 50 vendors, not for every vendor before the page's offset."""
    rows = vendor_list(today).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def vendor_detail(pk: int) -> Vendor:
    return Vendor.objects.select_related("business_owner", "security_owner", "created_by").get(
        pk=pk
    )


def vendor_evidence(vendor: Vendor) -> QuerySet:
    return vendor.evidence.select_related("recorded_by").order_by("kind", "-expires_on", "-pk")


def core_evidence_status(evidence: list[Evidence], today: dt.date | None = None) -> list[dict]:
    """For each core kind: its best status (the record that stays valid longest) or missing."""
    today = today or dt.date.today()
    rank = {
        EvidenceStatus.CURRENT: 0,
        EvidenceStatus.EXPIRING: 1,
        EvidenceStatus.EXPIRED: 2,
    }
    rows = []
    for key, label, kinds in CORE_EVIDENCE:
        records = [e for e in evidence if e.kind in kinds]
        if not records:
            rows.append(
                {"key": key, "label": label, "status": EvidenceStatus.MISSING, "record": None}
            )
            continue
        best = min(
            records,
            key=lambda e: (
                rank[evidence_status(e.expires_on, today)],
                -(e.expires_on or dt.date.max).toordinal(),
            ),
        )
        rows.append({"key": key, "label": label, "status": best.status(today), "record": best})
    return rows


def vendor_history(vendor: Vendor) -> QuerySet:
    """Audit entries of the vendor and of its evidence, newest first (deleted ones too)."""
    return (
        LogEntry.objects.filter(additional_data__vendor_id=vendor.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def vendor_counts(today: dt.date | None = None) -> dict:
    """Headline numbers for the dashboard, in one query."""
    from django.db.models import Count

    from vendors.models import VendorStatus

    active = ~Q(status=VendorStatus.RETIRED)
    return with_evidence_summary(Vendor.objects.all(), today).aggregate(
        total=Count("pk", filter=active),
        in_review=Count("pk", filter=Q(status__in=[VendorStatus.PROPOSED, VendorStatus.IN_REVIEW])),
        approved=Count(
            "pk",
            filter=Q(status__in=[VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS]),
        ),
        missing_evidence=Count("pk", filter=active & missing_core_evidence_q()),
        expired_evidence=Count("pk", filter=active & Q(has_expired_evidence=True)),
        expiring_evidence=Count("pk", filter=active & Q(has_expiring_evidence=True)),
    )
