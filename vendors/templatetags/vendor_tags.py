from django import template
from django.template.defaultfilters import date as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from vendors.models import EVIDENCE_FACTS, Evidence, Tier, VendorStatus

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
NOT_ASSESSED = mark_safe('<span class="text-body-secondary small text-nowrap">Not assessed</span>')  # noqa: S308


@register.filter
def status_badge(vendor) -> str:
    """The vendor's status as a coloured badge."""
    css = STATUS_BADGE_CLASSES.get(vendor.status, "text-bg-secondary")
    return format_html('<span class="badge {}">{}</span>', css, vendor.get_status_display())


@register.filter
def tier_badge(tier: str) -> str:
    """A risk tier (Tier value, or "" before any decision) as a coloured badge."""
    if tier not in Tier.values:
        return NOT_ASSESSED
    return format_html('<span class="badge tier-{}">{}</span>', tier, Tier(tier).label)
