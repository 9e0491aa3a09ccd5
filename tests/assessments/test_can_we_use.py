""" "Can we use it?": any signed-in user gets allowed or not, with the reasons."""

import datetime as dt

import pytest
from django.urls import reverse

from assessments.decisions import can_use
from tests.vendors.factories import VendorFactory
from vendors import services as vendor_services
from vendors.models import DataClass, SpecialCategory, Vendor
from vendors.policy import approval_state

LABELS = {"class_labels": dict(DataClass.choices), "category_labels": dict(SpecialCategory.choices)}
TODAY = dt.date(2027, 3, 3)
LAPSED = "The approval lapsed on 4 Mar 2027: the reassessment due on 1 Feb 2027 was not signed off."
SUSPENDED = (
    "Confidential and Restricted data are suspended: a high or critical incident was recorded "
    "on 20 Jan 2027, and a reassessment submitted after it must be signed off."
)


def vendor(**fields) -> Vendor:
    """Quillnote AI, approved for Public and Internal and assessed for personal data until
    TODAY (the reassessment due on 1 Feb 2027, 30 days of grace)."""
    defaults = {
        "name": "Quillnote AI", "status": "approved",
        "approved_data_classes": ["public", "internal"],
        "assessed_special_categories": ["personal"],
        "next_reassessment_date": dt.date(2027, 2, 1),
        "approval_valid_until": dt.date(2027, 3, 3),
    }  # fmt: skip
    return Vendor(**(defaults | fields))


def decide(today=TODAY, vendor_fields=None, **overrides):
    args = {
        "vendor_name": "Quillnote AI", "state": approval_state(vendor(**(vendor_fields or {})), today),
        "data_class": "internal", "categories": [], "gates": [
            {"data_class": "internal", "allowed": True, "reasons": ["Within appetite."]},
            {"data_class": "confidential", "allowed": False,
             "reasons": ["No signed DPA: refused."]},
            {"data_class": "restricted", "allowed": True, "reasons": ["Restricted: within."]},
        ],
    }  # fmt: skip
    args.update(overrides)
    return can_use(**args, **LABELS)


def test_an_approved_class_is_allowed_with_the_gate_reason():
    decision = decide()
    assert decision.allowed
    assert decision.reasons == ["Within appetite."]
    assert decision.valid_until == TODAY


def test_a_class_beyond_the_approval_is_refused_with_the_gate_reasons():
    decision = decide(data_class="confidential")
    assert not decision.allowed
    assert decision.reasons == [
        "Quillnote AI is not approved for Confidential data (approved: Public, Internal).",
        "No signed DPA: refused.",
    ]


@pytest.mark.parametrize("status", ["proposed", "in_review", "rejected", "retired"])
def test_a_vendor_that_is_not_approved_allows_nothing(status):
    decision = decide(vendor_fields={"status": status}, data_class="public")
    assert not decision.allowed
    assert decision.reasons[0].endswith("it is not approved for any data.")


def test_an_approval_is_good_on_its_last_valid_day_and_says_no_the_day_after():
    assert decide(today=TODAY).allowed
    decision = decide(today=TODAY + dt.timedelta(days=1))
    assert not decision.allowed
    assert decision.reasons == [LAPSED]
    assert decision.valid_until is None


def test_a_suspension_refuses_confidential_and_restricted_with_the_reason():
    suspended = {
        "approved_data_classes": ["public", "internal", "confidential", "restricted"],
        "incident_suspended_at": dt.datetime(2027, 1, 20, 9, 30, tzinfo=dt.UTC),
    }
    for data_class in ("confidential", "restricted"):
        decision = decide(vendor_fields=suspended, data_class=data_class)
        assert not decision.allowed
        assert decision.reasons == [SUSPENDED]
    internal = decide(vendor_fields=suspended, data_class="internal")
    assert internal.allowed
    assert internal.warnings == [SUSPENDED]


def test_a_special_category_not_assessed_is_refused():
    decision = decide(
        vendor_fields={"approved_data_classes": ["internal", "restricted"]},
        categories=["health"],
    )
    assert not decision.allowed
    assert decision.reasons[-1] == (
        "Quillnote AI was not assessed for health data; reassess it first."
    )


def test_health_data_asked_as_internal_is_answered_as_restricted():
    assessed = {
        "approved_data_classes": ["internal", "restricted"],
        "assessed_special_categories": ["health"],
    }
    decision = decide(vendor_fields=assessed, data_class="internal", categories=["health"])
    assert decision.allowed
    assert decision.data_class == "restricted"
    assert decision.reasons == [
        "Health data is always Restricted data or higher.",
        "The answer is for Restricted data.",
        "Restricted: within.",
    ]


def test_health_data_is_refused_where_restricted_data_is_not_approved():
    assessed = {"approved_data_classes": ["internal"], "assessed_special_categories": ["health"]}
    decision = decide(vendor_fields=assessed, data_class="internal", categories=["health"])
    assert not decision.allowed
    assert decision.reasons[:3] == [
        "Health data is always Restricted data or higher.",
        "The answer is for Restricted data.",
        "Quillnote AI is not approved for Restricted data (approved: Internal).",
    ]


def test_personal_data_asked_as_public_is_answered_as_confidential():
    decision = decide(data_class="public", categories=["personal"])
    assert not decision.allowed
    assert decision.data_class == "confidential"
    assert decision.reasons[0] == "Personal data is always Confidential data or higher."


def test_conditions_and_a_pending_reassessment_are_shown():
    decision = decide(conditions="Zero retention on.", reassessment_reason="Incident")
    assert decision.allowed
    assert decision.conditions == "Zero retention on."
    assert decision.warnings == ["Reassessment required now: Incident"]


def test_a_pending_reassessment_is_shown_with_a_no_too():
    decision = decide(data_class="restricted", reassessment_reason="Material change: x.")
    assert not decision.allowed
    assert decision.warnings == ["Reassessment required now: Material change: x."]


@pytest.mark.parametrize("who", ["reviewer", "lead", "procurement", "outsider", "admin"])
def test_any_signed_in_user_may_ask(client, users_by_role, who):
    vendor = VendorFactory(name="Quillnote AI", status="approved",
                           approved_data_classes=["public"])  # fmt: skip
    client.force_login(users_by_role[who])
    response = client.get(reverse("can_we_use"), {"vendor": vendor.pk, "data_class": "public"})
    assert response.status_code == 200
    assert "Yes, you may" in response.content.decode()


def test_the_page_says_no_with_reasons(client, reviewer):
    vendor = VendorFactory(name="Quillnote AI", status="approved",
                           approved_data_classes=["public"])  # fmt: skip
    client.force_login(reviewer)
    response = client.get(reverse("can_we_use"), {"vendor": vendor.pk, "data_class": "restricted"})
    page = response.content.decode()
    assert "No, not with this data" in page
    assert "not approved for Restricted data" in page


def ask(client, vendor, data_class, categories=()):
    response = client.get(
        reverse("can_we_use"),
        {"vendor": vendor.pk, "data_class": data_class, "special_categories": list(categories)},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_no_for_health_data_added_after_the_approval(client, reviewer):
    quillnote = VendorFactory(
        name="Quillnote AI", status="approved", data_classes=["internal", "restricted"],
        approved_data_classes=["internal", "restricted"], special_categories=["personal"],
        assessed_special_categories=["personal"],
    )  # fmt: skip
    client.force_login(reviewer)
    assert "Yes, you may" in ask(client, quillnote, "restricted", ["personal"])

    vendor_services.vendor_update(
        quillnote, changed_by=reviewer, special_categories=["personal", "health"]
    )

    page = ask(client, quillnote, "internal", ["health"])
    assert "No, not with this data" in page
    assert "Health data is always Restricted data or higher." in page
    assert "Quillnote AI was not assessed for health data; reassess it first." in page
    assert "Reassessment required now: Material change: health data added." in page


def test_the_page_says_no_once_the_approval_lapsed(client, reviewer, time_machine):
    quillnote = VendorFactory(
        name="Quillnote AI", status="approved", approved_data_classes=["internal"],
        next_reassessment_date=dt.date(2027, 2, 1), approval_valid_until=TODAY,
    )  # fmt: skip
    time_machine.move_to(dt.datetime(2027, 3, 3, 23, 0, tzinfo=dt.UTC), tick=False)
    client.force_login(reviewer)
    page = ask(client, quillnote, "internal")
    assert "Yes, you may" in page
    assert "approval valid until 3 Mar 2027" in page

    time_machine.move_to(dt.datetime(2027, 3, 4, 1, 0, tzinfo=dt.UTC), tick=False)
    client.force_login(reviewer)
    page = ask(client, quillnote, "internal")
    assert "No, not with this data" in page
    assert LAPSED in page


def test_the_page_refuses_confidential_data_after_a_high_incident(client, reviewer):
    quillnote = VendorFactory(
        name="Quillnote AI", status="approved", approved_data_classes=["internal", "confidential"]
    )
    vendor_services.incident_record(
        vendor=quillnote, recorded_by=reviewer, title="Prompt logs exposed", severity="high",
        date_disclosed=dt.date.today(), summary="Logs were public.",
    )  # fmt: skip
    client.force_login(reviewer)
    page = ask(client, quillnote, "confidential")
    assert "No, not with this data" in page
    assert "Confidential and Restricted data are suspended" in page
    assert "Yes, you may" in ask(client, quillnote, "internal")


def test_anonymous_must_log_in(client, db):
    assert client.get(reverse("can_we_use")).status_code == 302


# --- The vendor picker on the page ------------------------------------------------------------


def test_a_vendor_given_by_pk_is_shown_by_name_in_the_picker(client, reviewer):
    vendor = VendorFactory(name="Quillnote AI", status="approved",
                           approved_data_classes=["public"])  # fmt: skip
    client.force_login(reviewer)
    response = client.get(reverse("can_we_use"), {"vendor": vendor.pk, "data_class": "public"})
    page = response.content.decode()
    assert f'<input type="hidden" name="vendor" value="{vendor.pk}"' in page
    assert 'name="vendor__search" value="Quillnote AI"' in page
    assert "js/vendor_picker.js" in page
    assert "<select" not in page


def test_without_javascript_the_vendors_full_name_is_enough(client, reviewer):
    VendorFactory(name="Quillnote AI", status="approved", approved_data_classes=["public"])
    client.force_login(reviewer)
    response = client.get(
        reverse("can_we_use"),
        {"vendor": "", "vendor__search": "quillnote ai", "data_class": "public"},
    )
    assert "Yes, you may" in response.content.decode()
    assert response.context["vendor"].name == "Quillnote AI"


def test_a_name_that_matches_no_vendor_is_said_and_kept_in_the_box(client, reviewer):
    VendorFactory(name="Quillnote AI")
    client.force_login(reviewer)
    response = client.get(
        reverse("can_we_use"), {"vendor": "", "vendor__search": "Quilnote", "data_class": "public"}
    )
    page = response.content.decode()
    assert "No vendor is called “Quilnote”. Pick one from the suggestions." in page
    assert 'name="vendor__search" value="Quilnote"' in page
    assert 'class="invalid-feedback" id="id_vendor_error"' in page
    assert response.context["decision"] is None
