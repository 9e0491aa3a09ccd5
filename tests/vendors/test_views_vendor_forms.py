import pytest
from django.urls import reverse

from vendors.models import Vendor

VALID = {
    "name": "Lumen Scribe",
    "website": "https://lumen.example",
    "description": "Transcribes calls.",
    "service_type": "ai_saas",
    "models_used": "own speech model",
    "model_providers": "",
    "hosting_regions": "EU",
    "data_classes": ["internal"],
    "special_categories": ["personal"],
    "criticality": "medium",
    "business_justification": "Sales wants call summaries.",
    "status": "proposed",
    "autonomy": "none",
    "integration": "web_app",
}


def test_a_reviewer_registers_a_vendor(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("vendor_create"), {**VALID, "business_owner": reviewer.pk})
    vendor = Vendor.objects.get(name="Lumen Scribe")
    assert response.status_code == 302
    assert response["Location"] == vendor.get_absolute_url()
    assert vendor.data_classes == ["internal"]
    assert vendor.special_categories == ["personal"]
    assert vendor.created_by == reviewer
    assert vendor.slug == "lumen-scribe"
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "registered" in page
    assert "Riley Reviewer</strong>\n          created the vendor" in page


def test_errors_keep_what_was_typed_and_say_what_is_wrong(client, reviewer, vendor):
    client.force_login(reviewer)
    response = client.post(
        reverse("vendor_create"),
        {**VALID, "name": "QUILLNOTE ai", "data_classes": [], "website": "not a url"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A vendor named “Quillnote AI” already exists (names ignore case)." in page
    assert "Enter a valid URL." in page
    assert "This field is required." in page
    assert "Transcribes calls." in page
    assert 'value="own speech model"' in page
    assert "nothing was saved" in page
    assert Vendor.objects.count() == 1


def test_a_reviewer_cannot_approve_by_editing_the_status(client, reviewer, vendor):
    client.force_login(reviewer)
    response = client.post(
        reverse("vendor_edit", args=[vendor.pk]), {**VALID, "status": "approved"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    vendor.refresh_from_db()
    assert vendor.status == "proposed"


def test_editing_records_old_and_new_values_in_the_history(client, lead, vendor):
    client.force_login(lead)
    response = client.post(
        reverse("vendor_edit", args=[vendor.pk]),
        {**VALID, "name": "Quillnote AI", "criticality": "high", "data_classes": ["restricted"]},
    )
    assert response.status_code == 302
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "Lee Lead</strong>\n          changed the vendor" in page
    assert "criticality: Medium → High" in page
    assert "data classes requested: Internal, Confidential → Restricted" in page


def test_retiring_asks_for_confirmation_and_keeps_the_record(client, reviewer, vendor):
    client.force_login(reviewer)
    url = reverse("vendor_retire", args=[vendor.pk])
    assert "Retire Quillnote AI?" in client.get(url).content.decode()
    unconfirmed = client.post(url, {})
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    vendor.refresh_from_db()
    assert vendor.status == "proposed"
    client.post(url, {"confirm": "on"})
    vendor.refresh_from_db()
    assert vendor.status == "retired"
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "status: Proposed → Retired" in page


@pytest.mark.parametrize("field", ["description", "business_justification", "models_used"])
def test_user_written_text_is_escaped(client, reviewer, field):
    client.force_login(reviewer)
    client.post(reverse("vendor_create"), {**VALID, field: "<script>alert(1)</script>"})
    vendor = Vendor.objects.get(name="Lumen Scribe")
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
