"""The PDF risk report: contents, the DRAFT mark, immutability, access, and rendering that
fetches nothing whatever the users wrote."""

import hashlib
import http.server
import os
import shutil
import subprocess
import threading

import pytest
from django.urls import reverse

from accounts.roles import Role
from assessments import reports, services
from assessments.models import AssessmentReport, Finding
from tests.factories import UserFactory

HOSTILE = (
    '<img src="http://127.0.0.1:{port}/img"> <link rel="stylesheet" href="http://127.0.0.1:{port}/css">'
    ' <style>@import url("http://127.0.0.1:{port}/import");</style>'
    ' <div style="background: url(http://127.0.0.1:{port}/bg)">x</div>'
    ' <img src="file:///etc/passwd"> <iframe src="ftp://127.0.0.1:{port}/ftp"></iframe>'
)


def pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing: apt-get install poppler-utils")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def answer_all(assessment, reviewer, **overrides):
    values = {"soc2_current": "no", "uses_subprocessors": "yes", "subprocessors_disclosed": "no",
              "breach_hours": 96, "hosting": ["eu"], "notes": "All good."}  # fmt: skip
    values.update(overrides)
    for question in assessment.template.questions.order_by("order"):
        if question.key in values:
            services.answer_save(
                assessment=assessment, question=question, answered_by=reviewer,
                value=values[question.key],
                comment="Needs follow-up." if values[question.key] == "no" else "",
            )  # fmt: skip


@pytest.fixture
def decided(assessment, reviewer, lead):
    answer_all(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    return services.assessment_sign_off(
        assessment, lead=lead, decision="rejected", comment="Too many gaps."
    )


def test_the_report_names_the_vendor_tier_each_gate_and_each_finding(decided, tmp_path):
    filename, content_type, pdf = reports.generate(decided)
    assert content_type == "application/pdf"
    assert filename == f"{decided.vendor.slug}-{decided.decided_at.date().isoformat()}.pdf"
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Quillnote AI" in text
    assert decided.score.get_tier_display() in text
    for label in ("Public", "Internal", "Confidential", "Restricted"):
        assert label in text
    assert "Undisclosed sub-processors." in text
    for finding in Finding.objects.filter(assessment=decided):
        assert " ".join(finding.question_text.split())[:40] in text
    assert "Page 1 of" in text and "Confidential" in text
    assert "DRAFT" not in text
    assert "clearance-risk/2" in text


def test_a_draft_is_marked_draft(assessment, reviewer, tmp_path):
    answer_all(assessment, reviewer)
    filename, _, pdf = reports.generate(assessment, draft=True)
    assert filename.endswith("-DRAFT.pdf")
    assert "DRAFT" in pdf_text(pdf, tmp_path)


def test_sign_off_stores_the_report_once_and_the_download_serves_those_bytes(
    assessment, reviewer, lead, client, procurement, django_capture_on_commit_callbacks
):
    answer_all(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_sign_off(assessment, lead=lead, decision="rejected", comment="No.")
    stored = AssessmentReport.objects.get(assessment=assessment)
    stored_bytes = stored.file.read()
    assert hashlib.sha256(stored_bytes).hexdigest() == stored.sha256
    assert stored.size == len(stored_bytes)

    client.force_login(procurement)
    response = client.get(reverse("assessment_report", args=[assessment.pk]))
    served = b"".join(response.streaming_content)
    assert served == stored_bytes
    assert response["Content-Disposition"] == f'attachment; filename="{stored.filename}"'
    assert response["X-Report-SHA256"] == stored.sha256
    # Later changes to the vendor do not change the approved report.
    assessment.vendor.name = "Renamed Vendor"
    assessment.vendor.save()
    again = b"".join(
        client.get(reverse("assessment_report", args=[assessment.pk])).streaming_content
    )
    assert again == stored_bytes


def test_a_missing_stored_report_is_rendered_and_stored_on_first_download(decided, client, lead):
    assert not AssessmentReport.objects.exists()  # the task never ran: no commit in this test
    client.force_login(lead)
    response = client.get(reverse("assessment_report", args=[decided.pk]))
    assert response.status_code == 200
    assert AssessmentReport.objects.filter(assessment=decided).count() == 1


@pytest.mark.parametrize("who", ["reviewer", "lead", "procurement", "admin"])
def test_every_role_downloads_a_decided_report(client, users_by_role, decided, who):
    client.force_login(users_by_role[who])
    assert client.get(reverse("assessment_report", args=[decided.pk])).status_code == 200


def test_outsiders_and_anonymous_cannot_download(client, outsider, decided):
    url = reverse("assessment_report", args=[decided.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_guessed_ids_and_undecided_assessments_have_no_report(client, procurement, assessment):
    client.force_login(procurement)
    assert client.get(reverse("assessment_report", args=[999999])).status_code == 404
    assert client.get(reverse("assessment_report", args=[assessment.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("reviewer", 200), ("lead", 200), ("procurement", 403)]
)
def test_drafts_are_rendered_for_reviewers_and_leads_only(
    client, users_by_role, assessment, who, status
):
    client.force_login(users_by_role[who])
    response = client.get(reverse("assessment_report_draft", args=[assessment.pk]))
    assert response.status_code == status


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()


def test_hostile_text_in_every_field_is_shown_literally_and_fetches_nothing(
    assessment, reviewer, lead, listener, tmp_path
):
    port, hits = listener
    hostile = HOSTILE.format(port=port)
    vendor = assessment.vendor
    vendor.name = "Evil " + hostile[:150]
    vendor.description = hostile
    vendor.models_used = hostile[:300]
    vendor.save()
    answer_all(assessment, reviewer, notes=hostile)
    question = assessment.template.questions.get(key="soc2_current")
    services.answer_save(
        assessment=assessment, question=question, answered_by=reviewer, value="no",
        comment=hostile, base_version=None,
    )  # fmt: skip
    services.assessment_submit(assessment, submitted_by=reviewer)
    finding = Finding.objects.filter(assessment=assessment).first()
    services.finding_update(
        finding, changed_by=lead, remediation_note=hostile, justification=hostile
    )
    second_lead = UserFactory(username="lead2", role=Role.LEAD)
    decided = services.assessment_sign_off(
        assessment,
        lead=second_lead,
        decision="rejected",
        comment=hostile,
    )
    decided.conditions = hostile  # conditions of a rejection are empty; force them in
    decided.save()

    _, _, pdf = reports.generate(decided)
    _, _, draft_pdf = reports.generate(decided, draft=True)
    assert pdf.startswith(b"%PDF") and draft_pdf.startswith(b"%PDF")
    assert hits == []
    text = pdf_text(pdf, tmp_path)
    assert "<img src=" in text
    assert "@import url(" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.png",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "data:text/css,body{}",
        "clearance-static://evil.example/x.css",
        "clearance-static:///../../../../etc/passwd",
    ],
)
def test_the_url_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(reports.RefusedURL):
        reports.url_fetcher(url)


def test_the_url_fetcher_serves_our_report_stylesheet():
    result = reports.url_fetcher("clearance-static:///reports/report.css")
    assert b"@page" in result["string"]
    assert result["mime_type"] == "text/css"


def test_the_report_lists_the_vendors_incidents_and_usage(decided, reviewer, tmp_path):
    import datetime as dt

    from vendors import services as vendor_services

    vendor_services.incident_record(
        vendor=decided.vendor, recorded_by=reviewer, title="Prompt logs exposed",
        date_disclosed=dt.date.today(), summary="A debug endpoint served logs.", severity="high",
    )  # fmt: skip
    vendor_services.usage_create(
        created_by=reviewer, vendor=decided.vendor, team="Support desk", purpose="Ticket triage",
        data_classes=["internal"], integration="api",
    )  # fmt: skip
    text = " ".join(pdf_text(reports.generate(decided)[2], tmp_path).split())
    assert "Prompt logs exposed" in text
    assert "Support desk" in text and "Ticket triage" in text
    assert "Out of policy" in text  # the vendor was rejected
