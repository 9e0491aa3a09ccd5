"""Whether a usage of a vendor is within its approval. Pure rules plus the matching SQL.

A usage is out of policy when it is active and the vendor is not approved (proposed, in
review, rejected or retired), or when it processes a data class the vendor is not approved
for, or a special data category the vendor was not assessed for.
"""

from django.db.models import F, Q, QuerySet

from vendors.models import DataClass, SpecialCategory, VendorStatus

APPROVED = (VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS)


def out_of_policy_reasons(usage) -> list[str]:
    """Why this usage is out of policy; empty when it is within it (or ended)."""
    if not usage.active:
        return []
    vendor = usage.vendor
    reasons = []
    if vendor.status not in APPROVED:
        reasons.append(f"{vendor.name} is {vendor.get_status_display().lower()}, not approved.")
    else:
        beyond = [c for c in usage.data_classes if c not in vendor.approved_data_classes]
        if beyond:
            labels = ", ".join(DataClass(c).label for c in beyond)
            reasons.append(f"Processes {labels} data; {vendor.name} is approved for "
                           f"{vendor.approved_data_classes}.")  # fmt: skip
    unassessed = [c for c in usage.special_categories if c not in vendor.special_categories]
    if unassessed:
        labels = ", ".join(SpecialCategory(c).label.lower() for c in unassessed)
        reasons.append(f"Processes {labels}, which {vendor.name} was not assessed for.")
    return reasons


def out_of_policy_q() -> Q:
    """The same rule in SQL, for filters and counts (needs the usage table; joins vendor)."""
    return Q(active=True) & (
        ~Q(vendor__status__in=APPROVED)
        | ~Q(classes_within=F("data_classes"))
        | ~Q(categories_within=F("special_categories"))
    )


def annotate_policy(usages: QuerySet) -> QuerySet:
    """Annotate what out_of_policy_q() compares: the usage's classes and categories that the
    vendor covers (bitwise AND of the two masks)."""
    return usages.annotate(
        classes_within=F("data_classes").bitand(F("vendor__approved_data_classes")),
        categories_within=F("special_categories").bitand(F("vendor__special_categories")),
    )


def out_of_policy(usages: QuerySet) -> QuerySet:
    return annotate_policy(usages).filter(out_of_policy_q())
