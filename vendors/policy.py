"""What a vendor may receive today, and whether a usage of it is within that. The one place
for the rule: "can we use it?", the usage list, its filters and exports, the dashboard and
the reports all read it. Pure rules on loaded objects plus the matching SQL.

What a vendor may receive is derived from the facts its last sign-off stored (approval_state):

- a vendor whose status is not an approval may receive nothing;
- an approval lapses the day after `approval_valid_until` (the next reassessment date plus
  the grace period): from then on nothing is allowed until a reassessment is signed off;
- a high or critical incident (`incident_suspended_at`) suspends Confidential and Restricted
  data until a reassessment submitted after it is signed off;
- only the special categories the approval assessed (`assessed_special_categories`) are
  allowed, and a category needs its minimum class allowed (vendors.classification).

A usage is out of policy when it is active and its vendor may receive nothing today, or it
processes a class the vendor may not receive (counting the minimum class of each of its
special categories), or a special category the approval did not assess.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from vendors.classification import CATEGORY_MIN_CLASS, category_reason, classes_needed
from vendors.models import DataClass, SpecialCategory, UsageRecord, Vendor, VendorStatus

APPROVED = (VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS)
# The classes a high or critical incident suspends until a newer assessment is signed off.
SUSPENDED_CLASSES = (DataClass.CONFIDENTIAL, DataClass.RESTRICTED)


def plain_date(day: dt.date) -> str:
    """3 Mar 2027: how dates read in reasons (not ISO)."""
    return f"{day.day} {day:%b %Y}"


def _labels(values, choices_class, lower: bool = False) -> str:
    labels = [choices_class(v).label for v in values]
    labels = [label.lower() for label in labels] if lower else labels
    return ", ".join(labels) or "no data class"


@dataclass(frozen=True)
class ApprovalState:
    """What a vendor may receive on one day, and why it may receive less than its approval.

    `approved_classes` is the approval as signed off; `allowed_classes` what it allows today
    (nothing when not approved or lapsed; without Confidential and Restricted while
    suspended). `reasons` says, in plain sentences, why anything approved is not allowed."""

    allowed_classes: tuple[str, ...] = ()
    allowed_categories: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    approved: bool = False
    lapsed: bool = False
    suspended: bool = False
    approved_classes: tuple[str, ...] = ()
    valid_until: dt.date | None = None

    @property
    def allows_nothing(self) -> bool:
        return not self.approved or self.lapsed

    @property
    def allowed_classes_text(self) -> str:
        """The classes allowed today as labels ("Public, Internal"), or "Nothing"."""
        return ", ".join(DataClass(c).label for c in self.allowed_classes) or "Nothing"


def lapse_reason(vendor: Vendor) -> str:
    lapsed_on = vendor.approval_valid_until + dt.timedelta(days=1)
    reason = f"The approval lapsed on {plain_date(lapsed_on)}"
    if vendor.next_reassessment_date:
        due = plain_date(vendor.next_reassessment_date)
        return f"{reason}: the reassessment due on {due} was not signed off."
    return f"{reason}: no reassessment was signed off in time."


def suspension_reason(vendor: Vendor) -> str:
    recorded = plain_date(timezone.localtime(vendor.incident_suspended_at).date())
    return (
        f"Confidential and Restricted data are suspended: a high or critical incident was "
        f"recorded on {recorded}, and a reassessment submitted after it must be signed off."
    )


def approval_state(vendor: Vendor, today: dt.date) -> ApprovalState:
    """What `vendor` may receive on `today` (see the module's docstring)."""
    approved_classes = tuple(vendor.approved_data_classes)
    if vendor.status not in APPROVED:
        status = vendor.get_status_display().lower()
        return ApprovalState(
            reasons=(f"{vendor.name} is {status}: it is not approved for any data.",),
            approved_classes=approved_classes,
        )
    valid_until = vendor.approval_valid_until
    if valid_until is not None and valid_until < today:
        return ApprovalState(
            reasons=(lapse_reason(vendor),),
            approved=True,
            lapsed=True,
            approved_classes=approved_classes,
            valid_until=valid_until,
        )
    suspended = vendor.incident_suspended_at is not None
    allowed = approved_classes
    reasons = ()
    if suspended:
        allowed = tuple(c for c in approved_classes if c not in SUSPENDED_CLASSES)
        reasons = (suspension_reason(vendor),)
    return ApprovalState(
        allowed_classes=allowed,
        allowed_categories=tuple(vendor.assessed_special_categories),
        reasons=reasons,
        approved=True,
        suspended=suspended,
        approved_classes=approved_classes,
        valid_until=valid_until,
    )


def out_of_policy_reasons(usage: UsageRecord, today: dt.date) -> list[str]:
    """Why this usage is out of policy on `today`; empty when it is within it (or ended)."""
    if not usage.active:
        return []
    vendor = usage.vendor
    state = approval_state(vendor, today)
    if state.allows_nothing:
        return list(state.reasons)
    reasons = []
    # The minimum class of each special category counts as processed (health: Restricted).
    needed = classes_needed(usage.data_classes, usage.special_categories)
    beyond = [c for c in needed if c not in state.allowed_classes]
    suspended = [c for c in beyond if c in state.approved_classes]
    requested = [c for c in beyond if c not in suspended and c in usage.data_classes]
    if requested:
        reasons.append(
            f"Processes {_labels(requested, DataClass)} data; {vendor.name} is approved "
            f"for {_labels(state.approved_classes, DataClass)}."
        )
    for category in usage.special_categories:
        data_class = CATEGORY_MIN_CLASS.get(category)
        if data_class in beyond and data_class not in suspended + requested:
            class_label = DataClass(data_class).label
            reasons.append(
                category_reason(SpecialCategory(category).label, class_label)
                + f" {vendor.name} is not approved for {class_label} data."
            )
    unassessed = [c for c in usage.special_categories if c not in state.allowed_categories]
    if unassessed:
        labels = _labels(unassessed, SpecialCategory, lower=True)
        reasons.append(f"Processes {labels}, which {vendor.name} was not assessed for.")
    if suspended:
        reasons.extend(state.reasons)
    return reasons


# --- The same rule in SQL ---------------------------------------------------------------------


def _class_mask(data_classes) -> int:
    return UsageRecord._meta.get_field("data_classes").mask(data_classes)


def _classes_needed_expression():
    """The usage's classes plus the minimum class of each of its special categories, as a
    bit mask (vendors.classification.classes_needed in SQL)."""
    expression = F("data_classes")
    by_class: dict[str, list[str]] = {}
    for category, data_class in CATEGORY_MIN_CLASS.items():
        by_class.setdefault(data_class, []).append(category)
    for data_class, categories in by_class.items():
        expression = expression.bitor(
            Case(
                When(
                    special_categories__has_any=categories,
                    then=Value(_class_mask([data_class])),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    return expression


def _allowed_classes_expression():
    """The vendor's approved classes, without Confidential and Restricted while suspended."""
    unsuspended = [c for c in DataClass.values if c not in SUSPENDED_CLASSES]
    return Case(
        When(vendor__incident_suspended_at__isnull=True, then=F("vendor__approved_data_classes")),
        default=F("vendor__approved_data_classes").bitand(Value(_class_mask(unsuspended))),
        output_field=IntegerField(),
    )


def annotate_policy(usages: QuerySet) -> QuerySet:
    """Annotate what out_of_policy_q() compares: the classes the usage needs, those of them
    the vendor is allowed, and its special categories that the approval assessed."""
    return usages.annotate(
        classes_needed=_classes_needed_expression(),
    ).annotate(
        classes_within=F("classes_needed").bitand(_allowed_classes_expression()),
        categories_within=F("special_categories").bitand(F("vendor__assessed_special_categories")),
    )


def lapsed_q(today: dt.date) -> Q:
    """Vendors whose approval has lapsed by `today` (a filter on the vendor table)."""
    return Q(status__in=APPROVED, approval_valid_until__lt=today)


def out_of_policy_q(today: dt.date) -> Q:
    """The same rule in SQL, for filters and counts (on a queryset annotated by
    annotate_policy; joins the vendor)."""
    return Q(active=True) & (
        ~Q(vendor__status__in=APPROVED)
        | Q(vendor__approval_valid_until__lt=today)
        | ~Q(classes_within=F("classes_needed"))
        | ~Q(categories_within=F("special_categories"))
    )


def out_of_policy(usages: QuerySet, today: dt.date) -> QuerySet:
    return annotate_policy(usages).filter(out_of_policy_q(today))
