""" "Can we use it?": any signed-in user gets allowed or not, with the reasons."""

import pytest
from django.urls import reverse

from assessments.decisions import can_use
from tests.vendors.factories import VendorFactory
from vendors.models import DataClass, SpecialCategory

LABELS = {"class_labels": dict(DataClass.choices), "category_labels": dict(SpecialCategory.choices)}


def decide(**overrides):
    args = {
        "vendor_name": "Quillnote AI", "status_label": "Approved", "status": "approved",
        "approved_classes": ["public", "internal"], "assessed_categories": ["personal"],
        "data_class": "internal", "categories": [], "gates": [
            {"data_class": "internal", "allowed": True, "reasons": ["Within appetite."]},
            {"data_class": "confidential", "allowed": False,
             "reasons": ["No signed DPA: refused."]},
        ],
    }  # fmt: skip
    args.update(overrides)
    return can_use(**args, **LABELS)


def test_an_approved_class_is_allowed_with_the_gate_reason():
    decision = decide()
    assert decision.allowed
    assert decision.reasons == ["Within appetite."]


def test_a_class_beyond_the_approval_is_refused_with_the_gate_reasons():
    decision = decide(data_class="confidential")
    assert not decision.allowed
    assert "not approved for Confidential data (approved: Public, Internal)." in decision.reasons[0]
    assert "No signed DPA: refused." in decision.reasons


@pytest.mark.parametrize("status", ["proposed", "in_review", "rejected", "retired"])
def test_a_vendor_that_is_not_approved_allows_nothing(status):
    decision = decide(status=status, status_label=status.replace("_", " ").title(),
                      data_class="public")  # fmt: skip
    assert not decision.allowed
    assert "not approved for any data" in decision.reasons[0]


def test_a_special_category_not_assessed_is_refused():
    decision = decide(categories=["health"])
    assert not decision.allowed
    assert "was not assessed for health data" in decision.reasons[-1]


def test_conditions_and_a_pending_reassessment_are_shown():
    decision = decide(conditions="Zero retention on.", reassessment_reason="Incident")
    assert decision.allowed
    assert decision.conditions == "Zero retention on."
    assert decision.warnings == ["Reassessment required now: Incident"]


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
