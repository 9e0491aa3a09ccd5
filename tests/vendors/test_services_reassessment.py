"""vendors.services: what makes a vendor "reassessment required" and what suspends its
approval: a material change to an approved vendor's profile, and a high or critical incident.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from tests.vendors.factories import VendorFactory
from vendors import services
from vendors.models import Vendor, VendorStatus
from vendors.policy import approval_state

NOW = dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now(time_machine):
    # tick=True: django-auditlog names its receivers by time.time(), which must keep moving.
    time_machine.move_to(NOW, tick=True)
    return NOW


def approved(**fields) -> Vendor:
    return VendorFactory(
        **{
            "name": "Quillnote AI",
            "status": VendorStatus.APPROVED,
            "data_classes": ["internal"],
            "approved_data_classes": ["internal"],
            "special_categories": ["personal"],
            "assessed_special_categories": ["personal"],
            "autonomy": "none",
            "integration": "api",
            **fields,
        }
    )


def reload(vendor) -> Vendor:
    return Vendor.objects.get(pk=vendor.pk)


# --- Flagging ---------------------------------------------------------------------------------


def test_flagging_records_the_moment_the_reassessment_became_required(reviewer):
    vendor = approved()

    services.vendor_flag_reassessment(vendor, reason="Because.", flagged_by=reviewer)

    vendor = reload(vendor)
    assert vendor.reassessment_required is True
    assert vendor.reassessment_required_since == TODAY
    assert NOW <= vendor.reassessment_required_at < NOW + dt.timedelta(seconds=5)


# --- Material changes -------------------------------------------------------------------------


def test_adding_health_data_and_broad_autonomy_flags_the_vendor_with_each_change(reviewer):
    vendor = approved()

    services.vendor_update(
        vendor, changed_by=reviewer, special_categories=["personal", "health"],
        autonomy="autonomous_broad",
    )  # fmt: skip

    vendor = reload(vendor)
    assert vendor.reassessment_required is True
    assert vendor.reassessment_reason == (
        "Material change: health data added; autonomy changed from “Cannot act on our "
        "systems” to “Acts by itself with broad permissions”."
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"special_categories": []}, "personal data removed"),
        ({"data_classes": ["internal", "restricted"]}, "Restricted data requested"),
        ({"data_classes": ["public"]},
         "Public data requested; Internal data no longer requested"),
        ({"integration": "agent"}, "main integration changed from “API” to “Agent”"),
        ({"autonomy": "human_approval"},
         "autonomy changed from “Cannot act on our systems” to “Acts only after a person "
         "approves each action”"),
    ],
    ids=["category removed", "class added", "classes swapped", "integration", "autonomy"],
)  # fmt: skip
def test_each_material_change_is_named_in_plain_words(reviewer, change, reason):
    vendor = approved()

    services.vendor_update(vendor, changed_by=reviewer, **change)

    assert reload(vendor).reassessment_reason == f"Material change: {reason}."


def test_new_categories_stay_unassessed_until_the_next_sign_off(reviewer):
    vendor = approved()

    services.vendor_update(vendor, changed_by=reviewer, special_categories=["personal", "health"])

    vendor = reload(vendor)
    assert vendor.assessed_special_categories == ["personal"]
    assert approval_state(vendor, TODAY).allowed_categories == ("personal",)


def test_other_changes_to_an_approved_vendor_are_not_material(reviewer):
    vendor = approved()

    services.vendor_update(
        vendor, changed_by=reviewer, description="Now with a description.", criticality="high"
    )

    assert reload(vendor).reassessment_required is False


@pytest.mark.parametrize("status", [VendorStatus.PROPOSED, VendorStatus.IN_REVIEW])
def test_a_vendor_not_yet_approved_is_not_flagged_by_profile_changes(reviewer, status):
    vendor = approved(status=status, approved_data_classes=[])

    services.vendor_update(
        vendor, changed_by=reviewer, special_categories=["health"], autonomy="autonomous_broad"
    )

    assert reload(vendor).reassessment_required is False


def test_a_change_made_on_the_object_before_the_update_is_still_seen(reviewer):
    """The edit form's ModelForm writes the new values on the instance before the service."""
    vendor = approved()
    vendor.special_categories = ["personal", "payment_card"]

    services.vendor_update(
        vendor, changed_by=reviewer, special_categories=["personal", "payment_card"]
    )

    assert reload(vendor).reassessment_reason == "Material change: payment card data added."


# --- Incidents --------------------------------------------------------------------------------


def record(vendor, reviewer, severity):
    return services.incident_record(
        vendor=vendor, recorded_by=reviewer, title="Prompt logs exposed", severity=severity,
        date_disclosed=TODAY, summary="Logs were public.",
    )  # fmt: skip


@pytest.mark.parametrize("severity", ["high", "critical"])
def test_a_high_or_critical_incident_suspends_confidential_and_restricted(reviewer, severity):
    vendor = approved(approved_data_classes=["internal", "confidential", "restricted"])

    record(vendor, reviewer, severity)

    vendor = reload(vendor)
    assert NOW <= vendor.incident_suspended_at < NOW + dt.timedelta(seconds=5)
    assert approval_state(vendor, TODAY).allowed_classes == ("internal",)
    [suspension] = [
        e
        for e in LogEntry.objects.get_for_object(vendor).filter(action=LogEntry.Action.UPDATE)
        if "incident_suspended_at" in e.changes_dict
    ]
    assert suspension.actor == reviewer


@pytest.mark.parametrize("severity", ["low", "medium"])
def test_a_low_or_medium_incident_suspends_nothing_but_still_needs_a_reassessment(
    reviewer, severity
):
    vendor = approved(approved_data_classes=["internal", "confidential"])

    record(vendor, reviewer, severity)

    vendor = reload(vendor)
    assert vendor.incident_suspended_at is None
    assert vendor.reassessment_required is True
    assert approval_state(vendor, TODAY).allowed_classes == ("internal", "confidential")
