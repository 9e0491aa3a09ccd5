"""What a vendor may receive today and the out-of-policy rule (vendors/policy.py) at their
boundaries, in Python and in SQL.

Each usage case is checked twice: by out_of_policy_reasons on the objects, and by the SQL
filter the usage list and the dashboard count with; the two must always agree.
"""

import datetime as dt
import itertools
import random

import pytest

from tests.vendors.factories import VendorFactory
from vendors.models import DataClass, SpecialCategory, UsageRecord, Vendor, VendorStatus
from vendors.policy import (
    annotate_policy,
    approval_state,
    out_of_policy,
    out_of_policy_q,
    out_of_policy_reasons,
)

TODAY = dt.date(2027, 3, 3)
DUE = dt.date(2027, 2, 1)
INCIDENT_AT = dt.datetime(2027, 1, 20, 9, 30, tzinfo=dt.UTC)
SUSPENDED = (
    "Confidential and Restricted data are suspended: a high or critical incident was recorded "
    "on 20 Jan 2027, and a reassessment submitted after it must be signed off."
)

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
    """Approved for Public and Internal, assessed for personal data, valid until TODAY."""
    defaults = {
        "name": "Larkspur",
        "status": status,
        "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL, DataClass.CONFIDENTIAL],
        "approved_data_classes": [DataClass.PUBLIC, DataClass.INTERNAL],
        "special_categories": [SpecialCategory.PERSONAL],
        "assessed_special_categories": [SpecialCategory.PERSONAL],
        "next_reassessment_date": DUE,
        "approval_valid_until": TODAY,
    }
    return Vendor(**{**defaults, **fields})


def reasons(usage, today=TODAY) -> list[str]:
    return out_of_policy_reasons(usage, today)


POLICY_FIELDS = [
    "name", "status", "approved_data_classes", "special_categories",
    "assessed_special_categories", "next_reassessment_date", "approval_valid_until",
    "incident_suspended_at",
]  # fmt: skip


def out_in_sql(usage: UsageRecord, today=TODAY) -> bool:
    """Save the pair and ask the SQL rule about this usage."""
    unsaved = usage.vendor
    usage.vendor = VendorFactory(**{name: getattr(unsaved, name) for name in POLICY_FIELDS})
    usage.save()
    return out_of_policy(UsageRecord.objects.filter(pk=usage.pk), today).exists()


# --- What the vendor may receive today ----------------------------------------------------------


@pytest.mark.parametrize("status", NOT_APPROVED)
def test_a_vendor_that_is_not_approved_may_receive_nothing(status):
    state = approval_state(approved_vendor(status=status), TODAY)
    label = VendorStatus(status).label.lower()
    assert (state.allowed_classes, state.allowed_categories) == ((), ())
    assert state.reasons == (f"Larkspur is {label}: it is not approved for any data.",)
    assert state.allows_nothing


@pytest.mark.parametrize("status", APPROVED)
def test_an_approval_valid_until_today_allows_its_classes_and_assessed_categories(status):
    state = approval_state(approved_vendor(status=status), TODAY)
    assert state.allowed_classes == ("public", "internal")
    assert state.allowed_categories == ("personal",)
    assert state.reasons == ()
    assert not state.allows_nothing
    assert state.valid_until == TODAY


def test_the_day_after_its_valid_until_date_the_approval_has_lapsed():
    state = approval_state(approved_vendor(), TODAY + dt.timedelta(days=1))
    assert state.lapsed and state.allows_nothing
    assert (state.allowed_classes, state.allowed_categories) == ((), ())
    assert state.reasons == (
        "The approval lapsed on 4 Mar 2027: the reassessment due on 1 Feb 2027 was not signed off.",
    )


def test_an_approval_without_a_valid_until_date_does_not_lapse():
    # Approvals older than the field with no reassessment date (the migration left them so).
    state = approval_state(approved_vendor(approval_valid_until=None), dt.date(2099, 1, 1))
    assert state.allowed_classes == ("public", "internal")


def test_a_high_incident_suspends_confidential_and_restricted_only():
    vendor = approved_vendor(
        approved_data_classes=["public", "internal", "confidential", "restricted"],
        incident_suspended_at=INCIDENT_AT,
    )
    state = approval_state(vendor, TODAY)
    assert state.suspended
    assert state.allowed_classes == ("public", "internal")
    assert state.approved_classes == ("public", "internal", "confidential", "restricted")
    assert state.reasons == (SUSPENDED,)


def test_only_the_assessed_categories_are_allowed_not_those_added_to_the_profile_since():
    vendor = approved_vendor(special_categories=["personal", "health"])
    assert approval_state(vendor, TODAY).allowed_categories == ("personal",)


# --- A usage within or out of policy (Python) ---------------------------------------------------


@pytest.mark.parametrize("status", NOT_APPROVED)
def test_a_usage_of_a_vendor_that_is_not_approved_is_out_of_policy(status):
    usage = usage_of(approved_vendor(status=status), data_classes=[DataClass.PUBLIC])
    label = VendorStatus(status).label.lower()
    assert reasons(usage) == [f"Larkspur is {label}: it is not approved for any data."]


@pytest.mark.parametrize("status", APPROVED)
def test_classes_exactly_those_approved_are_within_policy(status):
    vendor = approved_vendor(status=status)
    usage = usage_of(vendor, data_classes=[DataClass.PUBLIC, DataClass.INTERNAL])
    assert reasons(usage) == []


def test_fewer_classes_than_approved_are_within_policy():
    assert reasons(usage_of(approved_vendor(), data_classes=[DataClass.PUBLIC])) == []


def test_one_class_beyond_the_approved_ones_is_out_of_policy_and_named():
    usage = usage_of(approved_vendor(), data_classes=[DataClass.INTERNAL, DataClass.CONFIDENTIAL])
    assert reasons(usage) == [
        "Processes Confidential data; Larkspur is approved for Public, Internal."
    ]


def test_a_less_sensitive_class_that_was_not_approved_is_still_out_of_policy():
    # Approval is per class, not "up to a level": Internal alone does not cover Public.
    vendor = approved_vendor(approved_data_classes=[DataClass.INTERNAL])
    assert reasons(usage_of(vendor, data_classes=[DataClass.PUBLIC]))


def test_an_approved_vendor_with_no_approved_class_covers_nothing():
    vendor = approved_vendor(approved_data_classes=[])
    assert reasons(usage_of(vendor, data_classes=[DataClass.PUBLIC])) == [
        "Processes Public data; Larkspur is approved for no data class."
    ]


def test_a_usage_on_the_last_valid_day_is_within_policy_and_the_day_after_out():
    usage = usage_of(approved_vendor())
    assert reasons(usage, TODAY) == []
    assert reasons(usage, TODAY + dt.timedelta(days=1)) == [
        "The approval lapsed on 4 Mar 2027: the reassessment due on 1 Feb 2027 was not signed off."
    ]


def test_a_suspension_puts_confidential_usage_out_of_policy_but_not_internal():
    vendor = approved_vendor(
        approved_data_classes=["public", "internal", "confidential"],
        incident_suspended_at=INCIDENT_AT,
    )
    assert reasons(usage_of(vendor, data_classes=["internal"])) == []
    assert reasons(usage_of(vendor, data_classes=["internal", "confidential"])) == [SUSPENDED]


def test_categories_the_approval_assessed_are_within_policy():
    vendor = approved_vendor(approved_data_classes=["public", "internal", "confidential"])
    usage = usage_of(vendor, special_categories=[SpecialCategory.PERSONAL])
    assert reasons(usage) == []


def test_a_category_added_to_the_profile_after_approval_is_out_of_policy():
    vendor = approved_vendor(
        approved_data_classes=["internal", "restricted"],
        special_categories=["personal", "health"],
    )
    usage = usage_of(vendor, data_classes=["restricted"], special_categories=["health"])
    assert reasons(usage) == ["Processes health data, which Larkspur was not assessed for."]


def test_health_data_needs_restricted_allowed_whatever_class_the_usage_gives():
    restricted = approved_vendor(
        approved_data_classes=["internal", "restricted"], assessed_special_categories=["health"]
    )
    internal_only = approved_vendor(
        approved_data_classes=["internal", "confidential"],
        assessed_special_categories=["health"],
    )
    usage = {"data_classes": ["internal"], "special_categories": ["health"]}
    assert reasons(usage_of(restricted, **usage)) == []
    assert reasons(usage_of(internal_only, **usage)) == [
        "Health data is always Restricted data or higher. Larkspur is not approved for "
        "Restricted data."
    ]


def test_personal_data_needs_confidential_allowed():
    usage = usage_of(approved_vendor(), special_categories=[SpecialCategory.PERSONAL])
    assert reasons(usage) == [
        "Personal data is always Confidential data or higher. Larkspur is not approved for "
        "Confidential data."
    ]


def test_a_suspension_refuses_health_data_even_at_internal():
    vendor = approved_vendor(
        approved_data_classes=["internal", "restricted"],
        assessed_special_categories=["health"],
        incident_suspended_at=INCIDENT_AT,
    )
    usage = usage_of(vendor, data_classes=["internal"], special_categories=["health"])
    assert reasons(usage) == [SUSPENDED]


@pytest.mark.parametrize("status", NOT_APPROVED + APPROVED)
def test_an_ended_usage_is_never_out_of_policy(status):
    vendor = approved_vendor(
        status=status, approved_data_classes=[], approval_valid_until=TODAY - dt.timedelta(1)
    )
    usage = usage_of(
        vendor,
        active=False,
        data_classes=[DataClass.RESTRICTED],
        special_categories=[SpecialCategory.HEALTH],
    )
    assert reasons(usage) == []


# --- The same boundaries in SQL ---------------------------------------------------------------

BROAD = ["public", "internal", "confidential", "restricted"]
BOUNDARY_CASES = {
    "proposed": ({"status": VendorStatus.PROPOSED}, {}, TODAY, True),
    "in review": ({"status": VendorStatus.IN_REVIEW}, {}, TODAY, True),
    "rejected": ({"status": VendorStatus.REJECTED}, {}, TODAY, True),
    "retired": ({"status": VendorStatus.RETIRED}, {}, TODAY, True),
    "approved, classes exactly at": ({}, {"data_classes": ["public", "internal"]}, TODAY, False),
    "conditions, classes exactly at": (
        {"status": VendorStatus.APPROVED_WITH_CONDITIONS},
        {"data_classes": ["public", "internal"]},
        TODAY,
        False,
    ),
    "one class beyond": ({}, {"data_classes": ["internal", "confidential"]}, TODAY, True),
    "nothing approved": ({"approved_data_classes": []}, {"data_classes": ["public"]}, TODAY, True),
    "valid until today": ({}, {}, TODAY, False),
    "the day after": ({}, {}, TODAY + dt.timedelta(days=1), True),
    "no valid-until date": ({"approval_valid_until": None}, {}, dt.date(2099, 1, 1), False),
    "suspended, internal": (
        {"approved_data_classes": BROAD, "incident_suspended_at": INCIDENT_AT}, {}, TODAY, False
    ),
    "suspended, confidential": (
        {"approved_data_classes": BROAD, "incident_suspended_at": INCIDENT_AT},
        {"data_classes": ["confidential"]},
        TODAY,
        True,
    ),
    "category assessed, class allows it": (
        {"approved_data_classes": BROAD}, {"special_categories": ["personal"]}, TODAY, False
    ),
    "category assessed, class too low": ({}, {"special_categories": ["personal"]}, TODAY, True),
    "category on the profile, not assessed": (
        {"approved_data_classes": BROAD, "special_categories": ["personal", "employee"]},
        {"special_categories": ["employee"]},
        TODAY,
        True,
    ),
    "health at internal, restricted allowed": (
        {"approved_data_classes": ["internal", "restricted"],
         "assessed_special_categories": ["health"]},
        {"special_categories": ["health"]},
        TODAY,
        False,
    ),
    "health at internal, restricted not allowed": (
        {"approved_data_classes": ["internal", "confidential"],
         "assessed_special_categories": ["health"]},
        {"special_categories": ["health"]},
        TODAY,
        True,
    ),
    "health while suspended": (
        {"approved_data_classes": BROAD, "assessed_special_categories": ["health"],
         "incident_suspended_at": INCIDENT_AT},
        {"special_categories": ["health"]},
        TODAY,
        True,
    ),
    "ended at a rejected vendor": (
        {"status": VendorStatus.REJECTED},
        {"active": False, "data_classes": ["restricted"]},
        TODAY,
        False,
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", BOUNDARY_CASES)
def test_the_sql_filter_agrees_at_each_boundary(case):
    vendor_fields, usage_fields, today, expected = BOUNDARY_CASES[case]
    usage = usage_of(approved_vendor(**vendor_fields), **usage_fields)
    assert bool(reasons(usage, today)) is expected
    assert out_in_sql(usage, today) is expected


def subsets(choices_class) -> list[list[str]]:
    values = [c.value for c in choices_class]
    return [list(s) for n in range(len(values) + 1) for s in itertools.combinations(values, n)]


@pytest.mark.django_db
def test_the_sql_filter_agrees_with_the_python_rule_on_a_generated_grid():
    """Vendors of every status, approval, lapse and suspension; usages of every kind."""
    rng = random.Random(8)
    class_sets = subsets(DataClass)
    category_sets = subsets(SpecialCategory)
    valid_until = [None, TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=1)]
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(
                name=f"Vendor {i}",
                slug=f"vendor-{i}",
                service_type="llm_api",
                criticality="low",
                data_classes=[DataClass.INTERNAL],
                status=rng.choice(APPROVED * 3 + NOT_APPROVED),
                approved_data_classes=rng.choice(class_sets),
                special_categories=rng.choice(category_sets),
                assessed_special_categories=rng.choice(category_sets),
                approval_valid_until=rng.choice(valid_until),
                incident_suspended_at=rng.choice([None, None, INCIDENT_AT]),
            )
            for i in range(60)
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
                special_categories=rng.choice(category_sets[:12]),
                active=rng.random() < 0.8,
            )
            for i in range(800)
        ]
    )
    usages = UsageRecord.objects.select_related("vendor")
    in_python = {u.pk for u in usages if reasons(u)}
    in_sql = set(out_of_policy(UsageRecord.objects.all(), TODAY).values_list("pk", flat=True))
    within_sql = set(
        annotate_policy(UsageRecord.objects.all())
        .exclude(out_of_policy_q(TODAY))
        .values_list("pk", flat=True)
    )
    assert in_sql == in_python
    assert within_sql == {u.pk for u in usages} - in_python
    # The grid has both kinds, so the comparison means something.
    assert 0 < len(in_python) < usages.count()
    approved_in_time = [
        u for u in usages if u.active and not approval_state(u.vendor, TODAY).allows_nothing
    ]
    assert any(u.pk not in in_python for u in approved_in_time)
    assert any(u.pk in in_python for u in approved_in_time)
