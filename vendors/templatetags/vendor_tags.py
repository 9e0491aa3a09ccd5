from django import template
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from vendors.models import EVIDENCE_FACTS, Criticality, Evidence, ServiceType, Tier, VendorStatus

register = template.Library()

UNITS = {"_days": "days", "_hours": "hours"}


@register.simple_tag
def evidence_facts(evidence: Evidence) -> list[tuple[str, str]]:
    """The facts of an evidence record as (label, text) pairs, in their display order."""
    facts = []
    for name in EVIDENCE_FACTS[evidence.kind]:
        field = evidence._meta.get_field(name)
        value = getattr(evidence, name)
        if value is None or value == "":
            text = "Not stated" if name.endswith(("_days", "_hours")) else "—"
            if field.get_internal_type() == "BooleanField":
                text = "Unknown"
        elif field.choices:
            text = getattr(evidence, f"get_{name}_display")()
        elif isinstance(value, bool):
            text = "Yes" if value else "No"
        elif hasattr(value, "isoformat"):
            text = format_date(value, "j M Y")
        else:
            text = str(value)
            for suffix, unit in UNITS.items():
                if name.endswith(suffix):
                    text = f"{value} {unit}"
        facts.append((field.verbose_name[:1].upper() + field.verbose_name[1:], text))
    return facts


@register.filter
def audit_action(entry) -> str:
    return {0: "created", 1: "changed", 2: "deleted", 3: "accessed"}.get(entry.action, "changed")


@register.filter
def person(user, empty: str = "—") -> str:
    """A user's full name, else username; `empty` when there is no user."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


# Badges are filters rather than {% include %}s: the vendor list shows two per row, and an
# include costs a template context and a render each time (docs/performance.md).
STATUS_BADGE_CLASSES = {
    VendorStatus.APPROVED: "text-bg-success",
    VendorStatus.APPROVED_WITH_CONDITIONS: "text-bg-info",
    VendorStatus.REJECTED: "text-bg-danger",
    VendorStatus.RETIRED: "text-bg-dark",
    VendorStatus.IN_REVIEW: "text-bg-primary",
}
# Looked up once: get_status_display() rebuilds its choices mapping on every call.
STATUS_LABELS = {value: str(label) for value, label in VendorStatus.choices}
NOT_ASSESSED = mark_safe('<span class="text-body-secondary small text-nowrap">Not assessed</span>')  # noqa: S308


@register.filter
def status_badge(vendor) -> str:
    """The vendor's status as a coloured badge."""
    css = STATUS_BADGE_CLASSES.get(vendor.status, "text-bg-secondary")
    label = STATUS_LABELS.get(vendor.status, vendor.status)
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.filter
def tier_badge(tier: str) -> str:
    """A risk tier (Tier value, or "" before any decision) as a coloured badge."""
    if tier not in Tier.values:
        return NOT_ASSESSED
    return format_html('<span class="badge tier-{}">{}</span>', tier, Tier(tier).label)


EVIDENCE_BADGES = {
    "expired": mark_safe('<span class="badge badge-status-expired">Expired</span>'),  # noqa: S308
    "expiring": mark_safe('<span class="badge badge-status-expiring">Expiring</span>'),  # noqa: S308
    "missing": mark_safe('<span class="badge badge-status-missing">Missing</span>'),  # noqa: S308
    "complete": mark_safe('<span class="badge badge-status-current">Complete</span>'),  # noqa: S308
}


def _evidence_badges(vendor) -> str:
    """The stored evidence summary as badges: expired, expiring, missing, or complete."""
    badges = []
    if vendor.evidence_expired:
        badges.append(EVIDENCE_BADGES["expired"])
    if vendor.evidence_expiring:
        badges.append(EVIDENCE_BADGES["expiring"])
    if vendor.evidence_missing_core:
        badges.append(EVIDENCE_BADGES["missing"])
    elif not badges:
        badges.append(EVIDENCE_BADGES["complete"])
    return mark_safe(" ".join(badges))  # noqa: S308  (constants above)


# The labels, looked up once: get_FOO_display() rebuilds its choices mapping on every call.
SERVICE_TYPE_LABELS = {value: str(label) for value, label in ServiceType.choices}
CRITICALITY_LABELS = {value: str(label) for value, label in Criticality.choices}
# A placeholder pk, so that the detail URL is reversed once per page rather than per row.
PK_PLACEHOLDER = "2147483647"
# "j M Y", as the date filter writes it in English (the only language Clearance ships).
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@register.simple_tag
def vendor_rows(vendors) -> str:
    """The vendor list's table rows. Built here rather than in a template loop, as the admin
    builds its change list: 50 rows of ten cells through the template engine cost about
    7 ms a page, here about 1 ms (docs/performance.md). Every value goes through
    format_html, so all of it is escaped."""
    detail_url = reverse("vendor_detail", args=[PK_PLACEHOLDER])
    rows = []
    for vendor in vendors:
        models_used = (
            format_html(
                '<div class="small text-body-secondary text-truncate" style="max-width: 18rem">'
                "{}</div>",
                vendor.models_used,
            )
            if vendor.models_used
            else ""
        )
        score = "—" if vendor.residual_score is None else vendor.residual_score
        day = vendor.next_reassessment_date
        reassess = f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else "—"
        rows.append(
            format_html(
                '<tr><td><a href="{}" class="fw-semibold">{}</a>{}</td>'
                '<td class="small">{}</td><td>{}</td><td>{}</td><td class="text-end">{}</td>'
                '<td>{}</td><td class="small">{}</td><td class="evidence-flags small">{}</td>'
                '<td class="small">{}</td></tr>',
                detail_url.replace(PK_PLACEHOLDER, str(vendor.pk)),
                vendor.name,
                models_used,
                SERVICE_TYPE_LABELS.get(vendor.service_type, vendor.service_type),
                status_badge(vendor),
                tier_badge(vendor.tier),
                score,
                CRITICALITY_LABELS.get(vendor.criticality, vendor.criticality),
                str(vendor.data_classes),
                _evidence_badges(vendor),
                reassess,
            )  # fmt: skip
        )
    return mark_safe("\n".join(rows))  # noqa: S308  (each row built by format_html)
