"""The out-of-policy rule (vendors/policy.py) at its boundaries, in Python and in SQL.

Each case is checked twice: by out_of_policy_reasons on the objects, and by the SQL filter
the usage list and the dashboard count with; the two must always agree.
"""

import itertools
import random

import pytest

from tests.vendors.factories import VendorFactory
from vendors.models import DataClass, SpecialCategory, UsageRecord, Vendor, VendorStatus
from vendors.policy import out_of_policy, out_of_policy_reasons

NOT_APPROVED = [
    VendorStatus.PROPOSED,
    VendorStatus.IN_REVIEW,
    VendorStatus.REJECTED,
    VendorStatus.RETIRED,
]
APPROVED = [VendorStatus.APPROVED, VendorStatus.APPROVED_WITH_CONDITIONS]


def usage_of(vendor, **fields) -> UsageRecord:
    defaults = {
        "team": "Sales",
        "purpose": "Call summaries",
        "data_classes": [DataClass.INTERNAL],
        "integration": "api",
    }
    return UsageRecord(vendor=vendor, **{**defaults, **fields})


def approved_vendor(status=VendorStatus.APPROVED, **fields) -> Vendor:
    defaults = {
        "name": "Larkspur",
        "status": status,
        "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL, DataClass.CONFIDENTIAL],
        "approved_data_classes": [DataClass.PUBLIC, DataClass.INTERNAL],
        "special_categories": [SpecialCategory.PERSONAL],
    }
    return Vendor(**{**defaults, **fields})


def out_in_sql(usage: UsageRecord) -> bool:
    """Save the pair and ask the SQL rule about this usage."""
    unsaved = usage.vendor
    usage.vendor = VendorFactory(
        name=unsaved.name,
        status=unsaved.status,
        approved_data_classes=unsaved.approved_data_classes,
        special_categories=unsaved.special_categories,
    )
    usage.save()
    return out_of_policy(UsageRecord.objects.filter(pk=usage.pk)).exists()


# --- The rule in Python (no database) ---------------------------------------------------------


@pytest.mark.parametrize("status", NOT_APPROVED)
def test_a_usage_of_a_vendor_that_is_not_approved_is_out_of_policy(status):
    vendor = approved_vendor(status=status)
    reasons = out_of_policy_reasons(usage_of(vendor, data_classes=[DataClass.PUBLIC]))
    label = VendorStatus(status).label.lower()
    assert reasons == [f"Larkspur is {label}, not approved."]


@pytest.mark.parametrize("status", APPROVED)
def test_classes_exactly_those_approved_are_within_policy(status):
    vendor = approved_vendor(status=status)
    usage = usage_of(vendor, data_classes=[DataClass.PUBLIC, DataClass.INTERNAL])
    assert out_of_policy_reasons(usage) == []


def test_fewer_classes_than_approved_are_within_policy():
    usage = usage_of(approved_vendor(), data_classes=[DataClass.PUBLIC])
    assert out_of_policy_reasons(usage) == []


def test_one_class_beyond_the_approved_ones_is_out_of_policy_and_named():
    usage = usage_of(approved_vendor(), data_classes=[DataClass.INTERNAL, DataClass.CONFIDENTIAL])
    assert out_of_policy_reasons(usage) == [
        "Processes Confidential data; Larkspur is approved for Public, Internal."
    ]


def test_a_less_sensitive_class_that_was_not_approved_is_still_out_of_policy():
    # Approval is per class, not "up to a level": Internal alone does not cover Public.
    vendor = approved_vendor(approved_data_classes=[DataClass.INTERNAL])
    assert out_of_policy_reasons(usage_of(vendor, data_classes=[DataClass.PUBLIC]))


def test_an_approved_vendor_with_no_approved_class_covers_nothing():
    vendor = approved_vendor(approved_data_classes=[])
    reasons = out_of_policy_reasons(usage_of(vendor, data_classes=[DataClass.PUBLIC]))
    assert reasons == ["Processes Public data; Larkspur is approved for —."]


def test_special_categories_the_vendor_was_assessed_for_are_within_policy():
    usage = usage_of(approved_vendor(), special_categories=[SpecialCategory.PERSONAL])
    assert out_of_policy_reasons(usage) == []


def test_a_special_category_the_vendor_was_not_assessed_for_is_out_of_policy():
    usage = usage_of(
        approved_vendor(),
        special_categories=[SpecialCategory.PERSONAL, SpecialCategory.HEALTH],
    )
    assert out_of_policy_reasons(usage) == [
        "Processes health data, which Larkspur was not assessed for."
    ]


def test_a_vendor_not_approved_with_unassessed_categories_gives_both_reasons():
    vendor = approved_vendor(status=VendorStatus.REJECTED, special_categories=[])
    usage = usage_of(vendor, special_categories=[SpecialCategory.SOURCE_CODE])
    assert out_of_policy_reasons(usage) == [
        "Larkspur is rejected, not approved.",
        "Processes source code, which Larkspur was not assessed for.",
    ]


@pytest.mark.parametrize("status", NOT_APPROVED + APPROVED)
def test_an_ended_usage_is_never_out_of_policy(status):
    vendor = approved_vendor(status=status, approved_data_classes=[], special_categories=[])
    usage = usage_of(
        vendor,
        active=False,
        data_classes=[DataClass.RESTRICTED],
        special_categories=[SpecialCategory.HEALTH],
    )
    assert out_of_policy_reasons(usage) == []


# --- The same boundaries in SQL ---------------------------------------------------------------

BOUNDARY_CASES = {
    "proposed": ({"status": VendorStatus.PROPOSED}, {}, True),
    "in review": ({"status": VendorStatus.IN_REVIEW}, {}, True),
    "rejected": ({"status": VendorStatus.REJECTED}, {}, True),
    "retired": ({"status": VendorStatus.RETIRED}, {}, True),
    "approved, classes exactly at": (
        {},
        {"data_classes": [DataClass.PUBLIC, DataClass.INTERNAL]},
        False,
    ),
    "conditions, classes exactly at": (
        {"status": VendorStatus.APPROVED_WITH_CONDITIONS},
        {"data_classes": [DataClass.PUBLIC, DataClass.INTERNAL]},
        False,
    ),
    "one class beyond": ({}, {"data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL]}, True),
    "nothing approved": ({"approved_data_classes": []}, {"data_classes": [DataClass.PUBLIC]}, True),
    "category assessed": ({}, {"special_categories": [SpecialCategory.PERSONAL]}, False),
    "category not assessed": ({}, {"special_categories": [SpecialCategory.EMPLOYEE]}, True),
    "ended at a rejected vendor": (
        {"status": VendorStatus.REJECTED},
        {"active": False, "data_classes": [DataClass.RESTRICTED]},
        False,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BOUNDARY_CASES)
def test_the_sql_filter_agrees_at_each_boundary(case):
    vendor_fields, usage_fields, expected = BOUNDARY_CASES[case]
    usage = usage_of(approved_vendor(**vendor_fields), **usage_fields)
    assert bool(out_of_policy_reasons(usage)) is expected
    assert out_in_sql(usage) is expected


def subsets(choices_class) -> list[list[str]]:
    values = [c.value for c in choices_class]
    return [list(s) for n in range(len(values) + 1) for s in itertools.combinations(values, n)]


@pytest.mark.django_db
def test_the_sql_filter_agrees_with_the_python_rule_on_a_generated_set():
    rng = random.Random(8)
    class_sets = subsets(DataClass)
    category_sets = subsets(SpecialCategory)
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(
                name=f"Vendor {i}",
                slug=f"vendor-{i}",
                service_type="llm_api",
                criticality="low",
                data_classes=[DataClass.INTERNAL],
                status=rng.choice(VendorStatus.values),
                approved_data_classes=rng.choice(class_sets),
                special_categories=rng.choice(category_sets),
            )
            for i in range(24)
        ]
    )
    UsageRecord.objects.bulk_create(
        [
            UsageRecord(
                vendor=rng.choice(vendors),
                team=f"Team {i}",
                purpose="Generated",
                integration="api",
                data_classes=rng.choice(class_sets[1:]),
                special_categories=rng.choice(category_sets),
                active=rng.random() < 0.8,
            )
            for i in range(400)
        ]
    )
    usages = UsageRecord.objects.select_related("vendor")
    in_python = {u.pk for u in usages if out_of_policy_reasons(u)}
    in_sql = set(out_of_policy(UsageRecord.objects.all()).values_list("pk", flat=True))
    assert in_sql == in_python
    # The generated set has both kinds, so the comparison means something.
    assert 0 < len(in_python) < usages.count()
