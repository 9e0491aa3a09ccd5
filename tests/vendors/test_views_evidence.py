import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.vendors.conftest import PDF_BYTES, pdf_upload
from vendors.models import Evidence

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def soc2_post(**overrides):
    today = dt.date.today()
    data = {
        "title": "SOC 2 Type II 2026",
        "soc2_type": "type2",
        "period_start": (today - dt.timedelta(days=200)).isoformat(),
        "period_end": (today - dt.timedelta(days=20)).isoformat(),
        "auditor": "Ledger & Lamp LLP",
        "opinion": "unqualified",
        "exceptions_noted": "false",
        "bridge_letter": "unknown",
        "notes": "Read sections 3 and 4.",
    }
    data.update(overrides)
    return data


def test_choosing_a_kind_leads_to_its_form(client, reviewer, vendor):
    client.force_login(reviewer)
    page = client.get(reverse("evidence_choose_kind", args=[vendor.pk])).content.decode()
    assert "SOC 2 report" in page and "Data processing agreement" in page
    form = client.get(reverse("evidence_create", args=[vendor.pk, "dpa"])).content.decode()
    assert "GDPR Art. 28(3) terms" in form
    assert client.get(reverse("evidence_create", args=[vendor.pk, "nonsense"])).status_code == 404


def test_a_reviewer_records_a_soc2_report_with_its_pdf(client, reviewer, vendor):
    client.force_login(reviewer)
    response = client.post(
        reverse("evidence_create", args=[vendor.pk, "soc2"]),
        {**soc2_post(), "upload": pdf_upload("Quillnote SOC2.pdf")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(vendor=vendor)
    assert evidence.status() == "current"
    assert evidence.file_name == "Quillnote SOC2.pdf"
    assert "Quillnote" not in evidence.file.name
    assert evidence.recorded_by == reviewer
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "SOC 2 or ISO 27001: Current" in page
    assert "Data processing agreement: Missing" in page


def test_a_refused_file_says_why_and_keeps_the_other_fields(client, reviewer, vendor):
    client.force_login(reviewer)
    renamed_png = SimpleUploadedFile("report.pdf", PNG_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("evidence_create", args=[vendor.pk, "soc2"]), {**soc2_post(), "upload": renamed_png}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file is named .pdf but its content is a PNG image." in page
    assert 'value="Ledger &amp; Lamp LLP"' in page
    assert "Read sections 3 and 4." in page
    assert not Evidence.objects.exists()


def test_an_oversize_file_is_refused_with_the_limit(client, reviewer, vendor, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 50
    client.force_login(reviewer)
    response = client.post(
        reverse("evidence_create", args=[vendor.pk, "soc2"]),
        {**soc2_post(), "upload": pdf_upload()},
    )
    assert "the limit is 50\xa0bytes" in response.content.decode()
    assert not Evidence.objects.exists()


def test_bad_dates_are_refused_with_a_clear_message(client, reviewer, vendor):
    client.force_login(reviewer)
    today = dt.date.today()
    response = client.post(
        reverse("evidence_create", args=[vendor.pk, "soc2"]),
        soc2_post(
            period_start=today.isoformat(), period_end=(today - dt.timedelta(90)).isoformat()
        ),
    )
    assert "The audit period cannot end before it starts." in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_download_is_a_private_attachment(client, reviewer, soc2_with_file):
    client.force_login(reviewer)
    response = client.get(reverse("evidence_download", args=[soc2_with_file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="soc2-report.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_procurement_reads_the_facts_but_gets_no_download_link(client, procurement, soc2_with_file):
    client.force_login(procurement)
    page = client.get(soc2_with_file.vendor.get_absolute_url()).content.decode()
    assert "Ledger &amp; Lamp LLP" in page
    assert "soc2-report.pdf" in page
    assert reverse("evidence_download", args=[soc2_with_file.pk]) not in page
    assert client.get(reverse("evidence_download", args=[soc2_with_file.pk])).status_code == 403


def test_anonymous_cannot_download(client, soc2_with_file):
    response = client.get(reverse("evidence_download", args=[soc2_with_file.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_media_folder_is_not_served(client, reviewer, soc2_with_file):
    client.force_login(reviewer)
    assert client.get("/media/" + soc2_with_file.file.name).status_code == 404
    assert client.get("/" + soc2_with_file.file.name).status_code == 404


def test_editing_replaces_the_file_and_deletes_the_old_one(
    client, reviewer, soc2_with_file, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    old = soc2_with_file.file.name
    storage = soc2_with_file.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evidence_edit", args=[soc2_with_file.pk]),
            {**soc2_post(), "upload": pdf_upload("new.pdf", PDF_BYTES + b"%new\n")},
        )
    assert response.status_code == 302
    soc2_with_file.refresh_from_db()
    assert soc2_with_file.file_name == "new.pdf"
    assert not storage.exists(old)
    assert storage.exists(soc2_with_file.file.name)


def test_deleting_evidence_asks_first_and_is_in_the_history(client, reviewer, soc2_with_file):
    client.force_login(reviewer)
    url = reverse("evidence_delete", args=[soc2_with_file.pk])
    client.post(url, {})
    assert Evidence.objects.filter(pk=soc2_with_file.pk).exists()
    client.post(url, {"confirm": "on"})
    assert not Evidence.objects.filter(pk=soc2_with_file.pk).exists()
    page = client.get(soc2_with_file.vendor.get_absolute_url()).content.decode()
    assert "deleted evidence “SOC 2 report”" in page
