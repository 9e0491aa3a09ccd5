"""The vendor admin obeys the rules every other path obeys: a material change to an approved
vendor flags a reassessment, and the decision fields cannot be edited there."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.vendors.factories import VendorFactory


@pytest.fixture
def approved(db):
    return VendorFactory(
        name="Lumen Draft", status="approved", data_classes=["internal"],
        approved_data_classes=["internal"], next_reassessment_date=dt.date(2030, 1, 1),
    )  # fmt: skip


def change_data(vendor, **overrides):
    data = {
        "name": vendor.name, "website": "", "description": "", "service_type": vendor.service_type,
        "models_used": "", "model_providers": "", "hosting_regions": "",
        "business_owner": "", "security_owner": "", "data_classes": vendor.data_classes,
        "special_categories": [], "criticality": vendor.criticality, "autonomy": "none",
        "integration": "api", "business_justification": "",
        "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0", "evidence-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_a_material_change_in_the_admin_flags_a_reassessment(client, administrator, approved):
    client.force_login(administrator)
    url = reverse("admin:vendors_vendor_change", args=[approved.pk])

    response = client.post(url, change_data(approved, special_categories=["health"]))

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.special_categories == ["health"]
    assert approved.reassessment_required is True
    assert "health data added" in approved.reassessment_reason.lower()
    assert approved.assessed_special_categories == []


def test_the_admin_cannot_edit_the_decision(client, administrator, approved):
    client.force_login(administrator)
    url = reverse("admin:vendors_vendor_change", args=[approved.pk])

    client.post(
        url,
        change_data(
            approved, approved_data_classes=["internal", "restricted"], status="approved",
            next_reassessment_date="2099-01-01",
        ),
    )  # fmt: skip

    approved.refresh_from_db()
    assert approved.approved_data_classes == ["internal"]
    assert approved.next_reassessment_date == dt.date(2030, 1, 1)
