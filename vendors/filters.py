"""The vendor list's search, filters and sorting (django-filter), shared by the page and
its CSV export so that the export is exactly the filtered list."""

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower

from vendors.models import Criticality, DataClass, ServiceType, Tier, VendorStatus
from vendors.selectors import missing_core_evidence_q

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

    def filter_evidence(self, queryset, name, value):
        missing = missing_core_evidence_q()
        expired = Q(has_expired_evidence=True)
        expiring = Q(has_expiring_evidence=True)
        return queryset.filter(
            {"missing": missing, "expired": expired, "expiring": expiring}.get(
                value, missing | expired | expiring
            )
        )
