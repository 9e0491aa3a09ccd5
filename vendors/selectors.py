"""Reads of vendors and evidence, shaped for the pages: every list is a constant number of
queries whatever its length (annotations and subqueries, no per-row lookups)."""

import datetime as dt

from auditlog.models import LogEntry
from django.db import connection
from django.db.models import BigIntegerField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from vendors.evidence_facts import (
    STRENGTH_RANK,
    appraise,
    core_evidence_gap,
    not_core_evidence_q,
)
from vendors.models import (
    CORE_EVIDENCE,
    EXPIRING_WITHIN_DAYS,
    Evidence,
    EvidenceStatus,
    Vendor,
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


def _core_evidence(today: dt.date) -> dict[str, Exists]:
    """Per core evidence key: whether the vendor has live evidence of one of its kinds that
    can be core evidence (not disqualified by its facts, no SOC 2 Type I): the rules of
    vendors.evidence_facts, as SQL."""
    return {
        key: Exists(
            Evidence.objects.filter(
                _live_evidence(today), vendor_id=OuterRef("pk"), kind__in=kinds
            ).exclude(not_core_evidence_q(today))
        )
        for key, _label, kinds in CORE_EVIDENCE
    }


def with_evidence_summary(vendors: QuerySet, today: dt.date | None = None) -> QuerySet:
    """Annotate each vendor with `has_expired_evidence`, `has_expiring_evidence` and
    `has_<core key>` for each core evidence kind (live evidence only), computed from the
    evidence: the rules that the stored summary (evidence_summary_values) follows."""
    today = today or dt.date.today()
    return with_core_evidence(vendors, today).annotate(
        has_expired_evidence=Exists(_outdated_evidence(today, expiring=False)),
        has_expiring_evidence=Exists(_outdated_evidence(today, expiring=True)),
    )


def with_core_evidence(vendors: QuerySet, today: dt.date | None = None) -> QuerySet:
    """Annotate each vendor with `has_<core key>` for each core evidence kind."""
    today = today or dt.date.today()
    return vendors.annotate(
        **{f"has_{key}": exists for key, exists in _core_evidence(today).items()}
    )


def evidence_summary_values(today: dt.date) -> dict:
    """For QuerySet.update(): the stored summary columns of each vendor, as of `today`, by the
    same rules as with_evidence_summary."""
    missing = Q()
    for exists in _core_evidence(today).values():
        missing |= ~exists
    return {
        "evidence_expired": Exists(_outdated_evidence(today, expiring=False)),
        "evidence_expiring": Exists(_outdated_evidence(today, expiring=True)),
        "evidence_missing_core": Case(When(missing, then=Value(True)), default=Value(False)),
        "evidence_summary_on": Value(today),
    }


def stale_evidence_summary_q(today: dt.date) -> Q:
    """Vendors whose stored summary is not of `today` (or was never computed); written as
    ranges so that the index on evidence_summary_on answers it."""
    return (
        Q(evidence_summary_on__isnull=True)
        | Q(evidence_summary_on__lt=today)
        | Q(evidence_summary_on__gt=today)
    )


VENDOR_LIST_COLUMNS = [
    "name", "models_used", "service_type", "status", "tier", "residual_score", "criticality",
    "data_classes", "evidence_expired", "evidence_expiring", "evidence_missing_core",
    "next_reassessment_date",
]  # fmt: skip


def vendor_list() -> QuerySet:
    """The vendor list's rows: the columns it shows (not the long texts), the evidence as the
    stored summary (refreshed by the view first), no join."""
    return Vendor.objects.only(*VENDOR_LIST_COLUMNS)


def vendor_page_rows(ids: list[int]) -> list[Vendor]:
    """The vendor list's rows for one page of ids, in the order of `ids`."""
    rows = vendor_list().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def vendor_export_rows(today: dt.date | None = None) -> QuerySet:
    """The CSV export's rows: owners joined, the stored evidence summary (refreshed by the
    view first) and, to name what is missing, the core evidence per kind."""
    return with_core_evidence(
        Vendor.objects.select_related("business_owner", "security_owner"), today
    )


def vendor_detail(pk: int) -> Vendor:
    return Vendor.objects.select_related("business_owner", "security_owner", "created_by").get(
        pk=pk
    )


def vendor_evidence(vendor: Vendor) -> QuerySet:
    return vendor.evidence.select_related("recorded_by").order_by("kind", "-expires_on", "-pk")


def core_evidence_status(
    evidence: list[Evidence], today: dt.date | None = None, *, data_classes=()
) -> list[dict]:
    """For each core evidence entry, the best of its records (vendors.evidence_facts.appraise):
    `{"key", "label", "status" (EvidenceStatus of the record, or missing), "record" (or None),
    "strength" ("sound", "weak", "disqualified", or "" when missing), "issues" (FactIssue),
    "met" (bool), "reason" (why it is unmet, "" when met)}`. `data_classes`, the vendor's
    requested classes, only add the issues that depend on them."""
    today = today or dt.date.today()
    by_id = {e.pk: e for e in evidence}
    appraisals = appraise(evidence, today=today, data_classes=data_classes)
    rows = []
    for key, label, kinds in CORE_EVIDENCE:
        candidates = [appraisals[kind] for kind in kinds if kind in appraisals]
        # The record that meets the entry, else the one that comes closest; then the one
        # that stays valid longest.
        best = min(
            candidates,
            key=lambda a: (
                not a.meets_core,
                not a.is_live,
                STRENGTH_RANK[a.strength],
                -(by_id[a.evidence_id].expires_on or dt.date.max).toordinal(),
            ),
            default=None,
        )
        record = by_id.get(best.evidence_id) if best else None
        reason = core_evidence_gap(key, appraisals)
        rows.append(
            {
                "key": key,
                "label": label,
                "status": record.status(today) if record else EvidenceStatus.MISSING,
                "record": record,
                "strength": best.strength if best else "",
                "issues": best.issues if best else (),
                "met": not reason,
                "reason": reason,
            }
        )
    return rows


# The vendor id that get_additional_data() stores with each audit entry, as SQL: exactly the
# expression of the index that migration vendors 0006 creates, so that the database uses it.
# (Django's `additional_data__vendor_id` lookup passes the JSON path as a parameter, which
# SQLite cannot match against an index expression.)
LOG_ENTRY_VENDOR_ID_SQL = {
    "postgresql": "((additional_data ->> 'vendor_id')::bigint)",
    "sqlite": "json_extract(additional_data, '$.vendor_id')",
}


def vendor_history(vendor: Vendor) -> QuerySet:
    """Audit entries of the vendor and of its evidence, newest first (deleted ones too)."""
    entries = LogEntry.objects.select_related("actor", "content_type")
    expression = LOG_ENTRY_VENDOR_ID_SQL.get(connection.vendor)
    if expression is None:  # another database: correct, without the index
        entries = entries.filter(additional_data__vendor_id=vendor.pk)
    else:
        entries = entries.alias(
            # A constant of this module, no user input: nothing to inject.
            log_vendor_id=RawSQL(expression, (), output_field=BigIntegerField())  # noqa: S611
        ).filter(log_vendor_id=vendor.pk)
    return entries.order_by("-timestamp", "-pk")


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    """The first day of this month and of the `months` - 1 after it, and of the one after."""
    firsts = []
    for i in range(months + 1):
        index = today.month - 1 + i
        firsts.append(dt.date(today.year + index // 12, index % 12 + 1, 1))
    return firsts


def vendor_counts(today: dt.date) -> dict:
    """The dashboard's numbers about vendors: three aggregate queries, each answered from the
    narrow index `vendor_dashboard_idx` rather than the vendor table.

    The evidence counts read the stored summary: call
    vendors.services.evidence_summary_refresh(today=today) first. Returns
    `{"headline": {total, in_review, approved, missing_evidence, expired_evidence,
    expiring_evidence}, "reassessment": {overdue, due_30, required}, "tiers": {tier: n} of
    active vendors ("" = not assessed), "statuses": {status: n}, "months": [(first day, n)]
    of reassessments due in this month and the 11 after}`."""
    from django.db.models import Count

    from vendors.models import Tier, VendorStatus

    vendors = Vendor.objects.order_by()
    not_retired = ~Q(status=VendorStatus.RETIRED)
    # Reassessment and tiers leave out rejected vendors too: nobody reassesses them.
    inactive = [VendorStatus.RETIRED, VendorStatus.REJECTED]
    active = ~Q(status__in=inactive)
    soon = today + dt.timedelta(days=30)
    # COUNT(status), not COUNT(id): a column of the index, so the index alone answers.
    row = vendors.aggregate(
        total=Count("status", filter=not_retired),
        in_review=Count("status", filter=Q(status__in=[VendorStatus.PROPOSED, VendorStatus.IN_REVIEW])),
        approved=Count(
            "status", filter=Q(status__in=[VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS])
        ),
        missing_evidence=Count("status", filter=not_retired & Q(evidence_missing_core=True)),
        expired_evidence=Count("status", filter=not_retired & Q(evidence_expired=True)),
        expiring_evidence=Count("status", filter=not_retired & Q(evidence_expiring=True)),
        overdue=Count("status", filter=active & Q(next_reassessment_date__lt=today)),
        due_30=Count(
            "status", filter=active & Q(next_reassessment_date__gte=today, next_reassessment_date__lte=soon)
        ),
        required=Count("status", filter=active & Q(reassessment_required=True)),
    )  # fmt: skip
    # One GROUP BY gives both the status counts and the tier counts (at most 7 × 5 groups).
    statuses = dict.fromkeys(VendorStatus.values, 0)
    tiers = dict.fromkeys([*Tier.values, ""], 0)
    for status, tier, n in vendors.values_list("status", "tier").annotate(n=Count("*")):
        statuses[status] = statuses.get(status, 0) + n
        if status not in inactive:
            tiers[tier] = tiers.get(tier, 0) + n
    # Counted per day in the database (an index range scan, at most 366 rows back) and added
    # up per month here: TruncMonth is a Python function per row on SQLite (18 ms at 10,000).
    firsts = _month_starts(today, 12)
    per_month = dict.fromkeys(firsts[:-1], 0)
    per_day = (
        vendors.filter(active, next_reassessment_date__gte=firsts[0],
                       next_reassessment_date__lt=firsts[-1])
        .values_list("next_reassessment_date").annotate(n=Count("*"))
    )  # fmt: skip
    for day, n in per_day:
        per_month[day.replace(day=1)] += n
    return {
        "headline": {
            key: row[key]
            for key in [
                "total",
                "in_review",
                "approved",
                "missing_evidence",
                "expired_evidence",
                "expiring_evidence",
            ]
        },  # fmt: skip
        "reassessment": {key: row[key] for key in ["overdue", "due_30", "required"]},
        "tiers": tiers,
        "statuses": statuses,
        "months": list(per_month.items()),
    }
