"""In Chromium, the full bank for a vendor that asks for Restricted health data: the wizard
offers "not applicable" only where the bank allows it, answers the scope questions from the
vendor profile, and shows an answer that contradicts the recorded evidence."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from assessments import services
from assessments.loader import BANKS_DIR, load_banks
from assessments.models import QuestionnaireTemplate
from tests.browser.test_vendor_evidence_flow import log_in
from vendors import services as vendor_services

pytestmark = pytest.mark.browser


@pytest.fixture
def full(db):
    load_banks(sorted(BANKS_DIR.glob("*.yaml")))
    return QuestionnaireTemplate.objects.get(key="ai-due-diligence", active=True)


@pytest.fixture
def vendor(reviewer):
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Carepath Agents", service_type="agent_platform",
        data_classes=["restricted"], special_categories=["health", "personal"],
        criticality="high", autonomy="autonomous_scoped", integration="agent",
    )  # fmt: skip
    vendor_services.evidence_create(
        vendor=vendor, kind="training", recorded_by=reviewer,
        training_default="on_no_opt_out", document_date=dt.date.today(),
    )  # fmt: skip
    return vendor


def test_the_wizard_refuses_free_passes_and_shows_the_contradiction(
    page: Page, live_server, reviewer, vendor, full
):
    assessment = services.assessment_start(vendor=vendor, template=full, started_by=reviewer)
    log_in(page, live_server.url, "reviewer")
    base = f"{live_server.url}/assessments/{assessment.pk}/sections"

    # Scope: the profile answers; the reviewer cannot say "health data: not processed".
    page.goto(f"{base}/scope/")
    health = page.locator('[data-question="health_data_in_scope"]')
    expect(health.locator('input[value="processed"]')).to_be_checked()
    expect(health.locator("input[value=processed]")).to_be_disabled()
    expect(health.get_by_text("Answered from the vendor profile.")).to_be_visible()
    # The agent questions apply because the profile says the AI acts by itself.
    page.goto(f"{base}/ai_threats/")
    expect(page.locator('[data-question="agent_tool_least_privilege"]')).to_be_visible()

    # No "not applicable" on a control that cannot honestly be one...
    tenant = page.locator('[data-question="tenant_isolation"]')
    page.goto(f"{base}/access/")
    expect(tenant.locator('input[value="not_applicable"]')).to_have_count(0)
    # ...and where the bank allows it, the page says when.
    api_keys = page.locator('[data-question="api_key_controls"]')
    expect(api_keys.locator('input[value="not_applicable"]')).to_have_count(1)
    expect(api_keys.get_by_text("“Not applicable” only if:")).to_be_visible()

    # The training answer was pre-filled from the evidence; claiming better is flagged.
    page.goto(f"{base}/training/")
    training = page.locator('[data-question="training_default"]')
    expect(training.locator('input[value="on_no_opt_out"]')).to_be_checked()
    training.locator('input[value="never"]').check()
    expect(training.get_by_test_id("save-state")).to_have_text("Saved")
    page.reload()
    alert = page.locator('[data-question="training_default"]').get_by_test_id("contradiction")
    expect(alert).to_contain_text("Contradicts the recorded evidence")
    expect(alert).to_contain_text(
        "the Training-data use record says “Yes by default, with no opt-out”"
    )
