"""In Chromium: an answer given after the session expired is kept in the page and saved
once the reviewer has logged in again."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments import services
from assessments.loader import load_banks
from assessments.models import Answer
from tests.browser.test_vendor_evidence_flow import log_in
from tests.factories import TEST_PASSWORD
from vendors import services as vendor_services

pytestmark = pytest.mark.browser
MINI = Path(__file__).resolve().parents[1] / "assessments" / "banks" / "mini.yaml"


@pytest.fixture
def draft(reviewer):
    template = load_banks([MINI]).created[0]
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Orchard Minutes", service_type="ai_saas",
        data_classes=["internal"], criticality="low",
    )  # fmt: skip
    return services.assessment_start(vendor=vendor, template=template, started_by=reviewer)


def test_an_answer_survives_an_expired_session(page: Page, live_server, reviewer, draft):
    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/assessments/{draft.pk}/sections/basics/")
    first = page.locator('[data-question="soc2_current"]')
    first.locator('input[value="yes"]').check()
    expect(first.get_by_test_id("save-state")).to_have_text("Saved")

    page.context.clear_cookies(name="sessionid")
    second = page.locator('[data-question="uses_subprocessors"]')
    second.locator('input[value="no"]').check()
    expect(second.get_by_test_id("save-state")).to_contain_text("session expired")
    expect(page.get_by_text("Your session has expired.")).to_be_visible()
    assert not Answer.objects.filter(question__key="uses_subprocessors").exists()

    page.get_by_role("link", name="Log in again").click()
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    second = page.locator('[data-question="uses_subprocessors"]')
    expect(second.get_by_test_id("save-state")).to_have_text("Saved")
    expect(second.locator('input[value="no"]')).to_be_checked()
    assert Answer.objects.get(question__key="uses_subprocessors").value == "no"
    assert Answer.objects.get(question__key="soc2_current").value == "yes"


def test_two_tabs_get_a_conflict_instead_of_a_silent_overwrite(
    page: Page, live_server, reviewer, draft
):
    log_in(page, live_server.url, "reviewer")
    url = f"{live_server.url}/assessments/{draft.pk}/sections/basics/"
    page.goto(url)
    other = page.context.new_page()
    other.goto(url)

    page.locator('[data-question="soc2_current"] input[value="yes"]').check()
    expect(
        page.locator('[data-question="soc2_current"]').get_by_test_id("save-state")
    ).to_have_text("Saved")

    block = other.locator('[data-question="soc2_current"]')
    block.locator('input[value="no"]').check()
    expect(block.get_by_role("alert")).to_contain_text(
        "changed this answer after you opened the page"
    )
    assert Answer.objects.get(question__key="soc2_current").value == "yes"
    block.get_by_role("button", name="Save mine over it").click()
    expect(block.get_by_test_id("save-state")).to_have_text("Saved")
    assert Answer.objects.get(question__key="soc2_current").value == "no"
