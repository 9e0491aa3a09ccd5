import datetime as dt

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.vendors.factories import VendorFactory
from vendors.forms import VendorChoiceField, VendorForm, evidence_form_class
from vendors.models import REQUIRED_FACTS, Vendor, VendorStatus

TODAY = dt.date(2025, 6, 15)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_SIGNATURE = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0), tick=False)
    return TODAY


def vendor_data(**overrides) -> dict:
    return {
        "name": "Acme AI",
        "service_type": "llm_api",
        "data_classes": ["internal"],
        "criticality": "medium",
        "autonomy": "none",
        "integration": "api",
        "status": "proposed",
        **overrides,
    }


def soc2_data(**overrides) -> dict:
    return {
        "title": "SOC 2 Type II 2024",
        "soc2_type": "type2",
        "period_start": "2024-04-01",
        "period_end": "2025-03-31",
        "auditor": "Ledger & Lamp LLP",
        "opinion": "unqualified",
        **overrides,
    }


def soc2_form(data=None, files=None):
    return evidence_form_class("soc2")(data=data or soc2_data(), files=files)


# --- VendorForm -------------------------------------------------------------------------------


def test_a_new_vendor_with_the_required_fields_is_valid():
    form = VendorForm(data=vendor_data(name="  Acme   AI "))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Acme AI"
    assert form.cleaned_data["data_classes"] == ["internal"]


def test_it_refuses_a_name_that_differs_from_another_vendors_only_in_case():
    VendorFactory(name="Acme AI")

    form = VendorForm(data=vendor_data(name="ACME ai"))

    assert not form.is_valid()
    assert form.errors["name"] == ["A vendor named “Acme AI” already exists (names ignore case)."]


def test_it_refuses_a_name_that_differs_only_in_spacing_and_case():
    VendorFactory(name="Acme AI")

    form = VendorForm(data=vendor_data(name=" acme   ai "))

    assert not form.is_valid()
    assert "already exists" in form.errors["name"][0]


def test_a_vendor_keeps_its_own_name_when_edited():
    vendor = VendorFactory(name="Acme AI")

    form = VendorForm(data=vendor_data(name="ACME AI"), instance=vendor)

    assert form.is_valid(), form.errors


def test_an_edited_vendor_may_not_take_another_vendors_name():
    VendorFactory(name="Acme AI")
    other = VendorFactory(name="Zenith")

    form = VendorForm(data=vendor_data(name="acme ai"), instance=other)

    assert not form.is_valid()
    assert form.errors["name"] == ["A vendor named “Acme AI” already exists (names ignore case)."]


def test_a_new_vendor_may_only_be_proposed_or_in_review():
    form = VendorForm()

    assert [value for value, _label in form.fields["status"].choices] == [
        VendorStatus.PROPOSED,
        VendorStatus.IN_REVIEW,
    ]


@pytest.mark.parametrize("status", ["approved", "approved_with_conditions", "rejected", "retired"])
def test_a_new_vendor_cannot_be_given_a_sign_off_status_by_hand(status):
    form = VendorForm(data=vendor_data(status=status))

    assert not form.is_valid()
    assert "status" in form.errors


def test_an_approved_vendor_keeps_its_status_selectable():
    vendor = VendorFactory(status=VendorStatus.APPROVED)

    form = VendorForm(instance=vendor)

    assert [value for value, _label in form.fields["status"].choices] == [
        VendorStatus.PROPOSED,
        VendorStatus.IN_REVIEW,
        VendorStatus.APPROVED,
    ]


def test_a_vendor_needs_at_least_one_data_class():
    form = VendorForm(data=vendor_data(data_classes=[]))

    assert not form.is_valid()
    assert "data_classes" in form.errors


def test_it_refuses_an_unknown_data_class():
    form = VendorForm(data=vendor_data(data_classes=["internal", "top_secret"]))

    assert not form.is_valid()
    assert "data_classes" in form.errors


# --- Evidence forms ---------------------------------------------------------------------------


def test_a_complete_soc2_report_is_valid(today):
    form = soc2_form()

    assert form.is_valid(), form.errors
    assert form.facts()["period_end"] == dt.date(2025, 3, 31)
    assert "upload" not in form.facts()


def test_the_soc2_form_offers_the_soc2_facts_only():
    form = evidence_form_class("soc2")()

    assert "period_end" in form.fields
    assert "expiry_date" not in form.fields
    assert "signed_date" not in form.fields


def test_an_unknown_kind_has_no_form():
    with pytest.raises(ValueError):
        evidence_form_class("horoscope")


def test_it_refuses_an_audit_period_that_ends_before_it_starts(today):
    form = soc2_form(
        soc2_data(soc2_type="type1", period_start="2025-03-31", period_end="2025-01-01")
    )

    assert not form.is_valid()
    assert form.errors["period_end"] == ["The audit period cannot end before it starts."]


def test_it_refuses_an_audit_period_that_has_not_ended_yet(today):
    form = soc2_form(soc2_data(period_end="2025-06-16"))

    assert not form.is_valid()
    assert form.errors["period_end"] == ["An audit period that has not ended yet has no report."]


def test_an_audit_period_may_end_today(today):
    assert soc2_form(soc2_data(period_end="2025-06-15")).is_valid()


def test_it_refuses_an_audit_period_that_starts_in_the_future(today):
    form = soc2_form(soc2_data(period_start="2025-07-01", period_end="2025-12-31"))

    assert not form.is_valid()
    assert form.errors["period_start"] == ["The audit period cannot start in the future."]


def test_it_refuses_a_type_ii_period_shorter_than_60_days(today):
    form = soc2_form(soc2_data(period_start="2025-03-01", period_end="2025-04-29"))

    assert not form.is_valid()
    assert form.errors["period_end"] == [
        "A SOC 2 Type II period covers months of operation (usually 3 to 12); "
        "check the dates or record a Type I report."
    ]


def test_a_type_ii_period_of_60_days_is_enough(today):
    assert soc2_form(soc2_data(period_start="2025-03-01", period_end="2025-04-30")).is_valid()


def test_a_type_i_report_may_cover_a_short_period(today):
    form = soc2_form(
        soc2_data(soc2_type="type1", period_start="2025-03-31", period_end="2025-03-31")
    )

    assert form.is_valid(), form.errors


@pytest.mark.parametrize("kind", sorted(REQUIRED_FACTS))
def test_each_kind_requires_its_essential_facts(kind):
    form = evidence_form_class(kind)(data={"title": "Something"})

    assert not form.is_valid()
    assert set(form.errors) == set(REQUIRED_FACTS[kind])


def test_a_soc2_report_without_its_essential_facts_names_each_of_them():
    form = soc2_form({"auditor": "Ledger & Lamp LLP"})

    assert not form.is_valid()
    assert set(form.errors) == {"soc2_type", "period_start", "period_end", "opinion"}


@pytest.mark.parametrize("answer", [None, "unknown"], ids=["left-out", "unknown"])
def test_an_encryption_record_must_say_whether_content_is_encrypted_at_rest(answer):
    data = {"min_tls_version": "1.2"} | ({"encryption_at_rest": answer} if answer else {})

    form = evidence_form_class("encryption")(data=data)

    assert not form.is_valid()
    assert form.errors == {"encryption_at_rest": ["Say yes or no: this fact decides the risk."]}


def test_no_encryption_at_rest_is_an_answer_not_a_missing_fact():
    form = evidence_form_class("encryption")(data={"encryption_at_rest": "false"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["encryption_at_rest"] is False


def test_optional_kinds_need_no_facts():
    assert evidence_form_class("model_card")(data={}).is_valid()


def test_it_refuses_an_iso_certificate_that_expires_before_it_was_issued(today):
    form = evidence_form_class("iso27001")(
        data={
            "certification_body": "BSI",
            "issue_date": "2024-05-01",
            "expiry_date": "2024-04-30",
        }
    )

    assert not form.is_valid()
    assert form.errors == {"expiry_date": ["A certificate cannot expire before it was issued."]}


def test_it_refuses_a_validity_that_ends_before_the_document_date(today):
    form = evidence_form_class("pentest")(
        data={"document_date": "2025-01-10", "valid_until": "2025-01-09"}
    )

    assert not form.is_valid()
    assert form.errors == {"valid_until": ["Validity cannot end before the document's date."]}


def test_it_refuses_a_dpa_signed_in_the_future(today):
    form = evidence_form_class("dpa")(data={"signed_date": "2025-06-16"})

    assert not form.is_valid()
    assert form.errors == {"signed_date": ["The agreement cannot be signed in the future."]}


def test_it_refuses_a_breach_notification_longer_than_a_year():
    form = evidence_form_class("dpa")(
        data={"signed_date": "2024-01-01", "breach_notification_hours": str(24 * 365 + 1)}
    )

    assert not form.is_valid()
    assert "breach_notification_hours" in form.errors


# --- Uploads on the evidence form -------------------------------------------------------------


def test_a_valid_upload_is_checked_once_and_kept_for_the_service(today):
    form = soc2_form(files={"upload": SimpleUploadedFile("soc2.pdf", PDF)})

    assert form.is_valid(), form.errors
    assert form.checked_upload.content_type == "application/pdf"
    assert form.checked_upload.size == len(PDF)


def test_an_oversize_upload_is_an_error_on_the_upload_field_only(today, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    too_big = PDF + b"%" * 1000

    form = soc2_form(files={"upload": SimpleUploadedFile("soc2.pdf", too_big)})

    assert not form.is_valid()
    assert list(form.errors) == ["upload"]
    assert form.errors["upload"][0].startswith("The file is 1.1\xa0KB; the limit is 1000\xa0bytes")
    assert form.data["auditor"] == "Ledger & Lamp LLP"
    assert form["period_end"].value() == "2025-03-31"
    assert form.cleaned_data["opinion"] == "unqualified"


def test_a_mistyped_upload_is_an_error_on_the_upload_field_only(today):
    form = soc2_form(files={"upload": SimpleUploadedFile("soc2.pdf", PNG_SIGNATURE)})

    assert not form.is_valid()
    assert list(form.errors) == ["upload"]
    assert form.errors["upload"] == [
        "The file is named .pdf but its content is a PNG image. "
        "Rename it to match or upload the right file."
    ]
    assert form.data["title"] == "SOC 2 Type II 2024"
    assert form["auditor"].value() == "Ledger & Lamp LLP"
    assert form.cleaned_data["period_start"] == dt.date(2024, 4, 1)
    assert form.checked_upload is None


# --- VendorChoiceField (the vendor picker) ----------------------------------------------------


class PickForm(forms.Form):
    vendor = VendorChoiceField()


class FilterForm(forms.Form):
    vendor = VendorChoiceField(required=False, empty_label="Any vendor")


@pytest.fixture
def quillnote():
    return VendorFactory(name="Quillnote AI")


def picked(form_class, **data):
    form = form_class(data)
    valid = form.is_valid()
    return (form.cleaned_data["vendor"] if valid else None), form.errors.get("vendor", [])


def test_a_picked_vendor_is_cleaned_in_one_query(quillnote):
    form = PickForm({"vendor": str(quillnote.pk), "vendor__search": "Quillnote AI"})
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid()
    assert form.cleaned_data["vendor"] == quillnote
    assert len(queries) == 1


def test_a_link_with_only_a_pk_picks_that_vendor(quillnote):
    assert picked(FilterForm, vendor=str(quillnote.pk)) == (quillnote, [])


@pytest.mark.parametrize("typed", ["Quillnote AI", "quillnote ai", "  QUILLNOTE   ai "])
def test_without_a_pk_the_vendor_is_found_by_its_full_name_ignoring_case(quillnote, typed):
    VendorFactory(name="Quillnote AI Enterprise")
    assert picked(PickForm, vendor="", vendor__search=typed) == (quillnote, [])


@pytest.mark.parametrize("form_class", [PickForm, FilterForm])
def test_a_name_that_matches_no_vendor_is_an_error_that_quotes_it(quillnote, form_class):
    assert picked(form_class, vendor="", vendor__search=" Quilnote ") == (
        None,
        ["No vendor is called “Quilnote”. Pick one from the suggestions."],
    )


def test_a_part_of_a_name_is_not_enough(quillnote):
    _, errors = picked(PickForm, vendor="", vendor__search="Quillnote")
    assert errors == ["No vendor is called “Quillnote”. Pick one from the suggestions."]


def test_the_text_wins_when_it_no_longer_names_the_picked_vendor(quillnote):
    # Without JavaScript nothing clears the pk when someone edits the box.
    other = VendorFactory(name="Larkspur Language Cloud")
    assert picked(PickForm, vendor=str(quillnote.pk), vendor__search="larkspur language cloud") == (
        other,
        [],
    )
    _, errors = picked(PickForm, vendor=str(quillnote.pk), vendor__search="Nobody")
    assert errors == ["No vendor is called “Nobody”. Pick one from the suggestions."]


def test_a_cleared_box_picks_nothing_whatever_the_pk(quillnote):
    assert picked(FilterForm, vendor=str(quillnote.pk), vendor__search="  ") == (None, [])
    assert picked(PickForm, vendor=str(quillnote.pk), vendor__search="")[1] == [
        "This field is required."
    ]


def test_a_pk_that_names_no_vendor_is_an_error(quillnote):
    expected = ["That vendor does not exist (any more). Pick one from the suggestions."]
    assert picked(FilterForm, vendor="999999")[1] == expected
    assert picked(FilterForm, vendor="nope")[1] == expected


def test_a_stale_pk_is_replaced_by_the_name_in_the_box(quillnote):
    assert picked(PickForm, vendor="999999", vendor__search="Quillnote AI") == (quillnote, [])


def test_only_vendors_of_the_fields_queryset_are_picked(quillnote):
    class ApprovedOnly(forms.Form):
        vendor = VendorChoiceField(queryset=Vendor.objects.filter(status="approved"))

    _, by_name = picked(ApprovedOnly, vendor="", vendor__search="Quillnote AI")
    _, by_pk = picked(ApprovedOnly, vendor=str(quillnote.pk))
    assert by_name == ["No vendor is called “Quillnote AI”. Pick one from the suggestions."]
    assert by_pk == ["That vendor does not exist (any more). Pick one from the suggestions."]
