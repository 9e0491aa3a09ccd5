"""In Chromium: a security lead approves an assessment with conditions, and the vendor page
shows the approved data classes."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments import services
from assessments.loader import load_banks
from tests.browser.test_vendor_evidence_flow import log_in
from vendors import services as vendor_services

pytestmark = pytest.mark.browser
MINI = Path(__file__).resolve().parents[1] / "assessments" / "banks" / "mini.yaml"


@pytest.fixture
def submitted(reviewer):
    template = load_banks([MINI]).created[0]
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Orchard Minutes", service_type="ai_saas",
        data_classes=["public", "internal"], criticality="low", integration="web_app",
    )  # fmt: skip
    vendor_services.evidence_create(
        vendor=vendor, kind="soc2", recorded_by=reviewer, soc2_type="type2",
        period_start=dt.date.today() - dt.timedelta(days=200),
        period_end=dt.date.today() - dt.timedelta(days=10), opinion="unqualified",
    )  # fmt: skip
    assessment = services.assessment_start(vendor=vendor, template=template, started_by=reviewer)
    for question in template.questions.all():
        value = {"soc2_current": "yes", "uses_subprocessors": "no", "breach_hours": 24}.get(
            question.key
        )
        if value is not None:
            services.answer_save(
                assessment=assessment, question=question, answered_by=reviewer, value=value
            )
    return services.assessment_submit(assessment, submitted_by=reviewer)


def test_a_lead_approves_with_conditions_and_the_vendor_shows_its_classes(
    page: Page, live_server, submitted, lead
):
    log_in(page, live_server.url, "lead")
    page.goto(f"{live_server.url}/assessments/{submitted.pk}/")
    expect(page.get_by_test_id("score")).to_contain_text("Residual risk")
    expect(page.locator('[data-testid=gates] [data-class="internal"]')).to_contain_text("Allowed")
    expect(page.locator('[data-testid=gates] [data-class="confidential"]')).to_contain_text(
        "Not requested"
    )

    form = page.get_by_test_id("sign-off")
    form.get_by_label("Approve with conditions").check()
    form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Say what the conditions are.")).to_be_visible()

    form = page.get_by_test_id("sign-off")
    form.get_by_label("Approve with conditions").check()
    form.get_by_label("Conditions", exact=True).fill("Turn on zero retention before go-live.")
    due = dt.date.today() + dt.timedelta(days=30)
    form.get_by_label("Conditions to be met by").fill(due.isoformat())
    form.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text("Decision recorded: Approved with conditions.")).to_be_visible()
    expect(page.get_by_test_id("decision")).to_contain_text("Turn on zero retention")

    page.get_by_role("link", name="Orchard Minutes").first.click()
    expect(page.get_by_role("heading", name="Orchard Minutes")).to_be_visible()
    decision = page.locator("#decision-heading").locator("xpath=../..")
    expect(decision).to_contain_text("Public, Internal")
    expect(decision).to_contain_text("Turn on zero retention before go-live.")
    expect(page.get_by_text("Approved with conditions").first).to_be_visible()


def test_a_reviewer_sees_the_score_but_no_sign_off_form(page: Page, live_server, submitted):
    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/assessments/{submitted.pk}/")
    expect(page.get_by_test_id("score")).to_be_visible()
    expect(page.get_by_test_id("sign-off")).to_have_count(0)
