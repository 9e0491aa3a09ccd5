"""The search, filters and sorting of the vendor and usage lists (django-filter), each shared
by its page and its CSV export so that the export is exactly the filtered list."""

import datetime as dt

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from vendors.forms import VendorChoiceField
from vendors.models import Criticality, DataClass, ServiceType, Tier, Vendor, VendorStatus
from vendors.policy import lapsed_q, out_of_policy_q
from vendors.widgets import VendorSearchInput

SORTS = {
    "name": [Lower("name")],
    "status": [F("status"), Lower("name")],
    "tier": [F("tier_rank"), Lower("name")],
    "criticality": [F("criticality_rank"), Lower("name")],
    "score": [F("residual_score"), Lower("name")],
    "reassessment": [F("next_reassessment_date"), Lower("name")],
    "updated": [F("updated_at")],
}
SORT_KEYS = list(SORTS)


def _rank(field: str, choices) -> Case:
    """Order a choice field by its declared order (Low < Medium < High), unset last."""
    return Case(
        *[When(**{field: value}, then=Value(i)) for i, value in enumerate(choices.values)],
        default=None,
        output_field=IntegerField(),
    )


def _direction(term, descending: bool):
    # Only the first term follows the requested direction; the name tie-break stays A-Z.
    if isinstance(term, F):
        return term.desc(nulls_last=True) if descending else term.asc(nulls_last=True)
    return term.desc() if descending else term.asc()


# Groups of statuses the dashboard links to, offered in the status filter too.
STATUS_GROUPS = {
    "open": [VendorStatus.PROPOSED, VendorStatus.IN_REVIEW],
    "approved_any": [VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS],
    "active": [s for s in VendorStatus.values if s != VendorStatus.RETIRED],
}
STATUS_GROUPS_CHOICES = [
    ("active", "Active (not retired)"),
    ("open", "Proposed or in review"),
    ("approved_any", "Approved, with or without conditions"),
]

EVIDENCE_PROBLEMS = [
    ("any", "Any problem"),
    ("missing", "Core evidence missing"),
    ("expiring", "Expiring within 60 days"),
    ("expired", "Expired"),
]


REASSESSMENT_CHOICES = [
    ("overdue", "Overdue"),
    ("due30", "Due within 30 days"),
    ("required", "Required now"),
    ("lapsed", "Approval lapsed"),
]


class VendorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(
        choices=[*STATUS_GROUPS_CHOICES, *VendorStatus.choices], empty_label="Any status",
        method="filter_status",
    )  # fmt: skip
    tier = django_filters.ChoiceFilter(
        choices=[("none", "Not assessed"), *Tier.choices],
        empty_label="Any tier",
        method="filter_tier",
    )
    criticality = django_filters.ChoiceFilter(
        choices=Criticality.choices, empty_label="Any criticality"
    )
    data_class = django_filters.ChoiceFilter(
        choices=DataClass.choices, empty_label="Any data class", method="filter_data_class",
        label="Data class requested",
    )  # fmt: skip
    service_type = django_filters.ChoiceFilter(
        choices=ServiceType.choices, empty_label="Any service type"
    )
    evidence = django_filters.ChoiceFilter(
        choices=EVIDENCE_PROBLEMS, empty_label="Any evidence", method="filter_evidence",
        label="Evidence",
    )  # fmt: skip
    reassessment = django_filters.ChoiceFilter(
        choices=REASSESSMENT_CHOICES, empty_label="Any reassessment",
        method="filter_reassessment", label="Reassessment",
    )  # fmt: skip
    sort = django_filters.ChoiceFilter(
        choices=[(k, k) for k in SORT_KEYS] + [(f"-{k}", f"-{k}") for k in SORT_KEYS],
        method="sort_by", empty_label=None,
    )  # fmt: skip

    def sort_by(self, queryset, name, value):
        key = value.removeprefix("-")
        descending = value.startswith("-")
        return queryset.annotate(
            tier_rank=_rank("tier", Tier), criticality_rank=_rank("criticality", Criticality)
        ).order_by(*[_direction(term, descending) for term in SORTS[key]], "pk")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(models_used__icontains=value)
            | Q(model_providers__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=STATUS_GROUPS.get(value, [value]))

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier="") if value == "none" else queryset.filter(tier=value)

    def filter_data_class(self, queryset, name, value):
        return queryset.filter(data_classes__has=value)

    def filter_reassessment(self, queryset, name, value):
        """As the dashboard counts them (assessments.selectors.dashboard_data): vendors
        neither retired nor rejected, by their next reassessment date or the flag."""
        today = timezone.localdate()
        conditions = {
            "overdue": Q(next_reassessment_date__lt=today),
            "due30": Q(
                next_reassessment_date__gte=today,
                next_reassessment_date__lte=today + dt.timedelta(days=30),
            ),
            "required": Q(reassessment_required=True),
            "lapsed": lapsed_q(today),
        }
        return queryset.exclude(status__in=[VendorStatus.RETIRED, VendorStatus.REJECTED]).filter(
            conditions[value]
        )

    def filter_evidence(self, queryset, name, value):
        # The stored summary, which the views refresh before filtering.
        missing = Q(evidence_missing_core=True)
        expired = Q(evidence_expired=True)
        expiring = Q(evidence_expiring=True)
        return queryset.filter(
            {"missing": missing, "expired": expired, "expiring": expiring}.get(
                value, missing | expired | expiring
            )
        )


class VendorPickerFilter(django_filters.ModelChoiceFilter):
    """A vendor picked with the type-ahead (vendors.forms.VendorChoiceField): a typed name
    that matches no vendor is an error that quotes it."""

    field_class = VendorChoiceField


class UsageFilter(django_filters.FilterSet):
    """Filters a queryset annotated by vendors.policy.annotate_policy.

    Query parameters (the dashboard links to them): vendor=<pk>, team=<text>,
    out_of_policy=yes|no, state=active|ended. The filter bar's vendor picker also sends
    vendor__search=<the name shown>, which wins when it disagrees with the pk.
    """

    vendor = VendorPickerFilter(
        queryset=Vendor.objects.only("pk", "name"),
        empty_label="Any vendor",
        widget=VendorSearchInput(attrs={"class": "form-control form-control-sm"}),
    )
    team = django_filters.CharFilter(method="search_team", label="Team")
    out_of_policy = django_filters.ChoiceFilter(
        choices=[("yes", "Out of policy"), ("no", "Within policy")], empty_label="Any policy",
        method="filter_out_of_policy", label="Policy",
    )  # fmt: skip
    state = django_filters.ChoiceFilter(
        choices=[("active", "Active"), ("ended", "Ended")], empty_label="Active or ended",
        method="filter_state", label="State",
    )  # fmt: skip

    def search_team(self, queryset, name, value):
        value = " ".join(value.split())
        return queryset.filter(team__icontains=value) if value else queryset

    def filter_out_of_policy(self, queryset, name, value):
        q = out_of_policy_q(timezone.localdate())
        return queryset.filter(q) if value == "yes" else queryset.exclude(q)

    def filter_state(self, queryset, name, value):
        return queryset.filter(active=value == "active")
