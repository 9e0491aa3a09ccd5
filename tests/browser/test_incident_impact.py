"""In Chromium: a reviewer records an incident at a vendor and sees the affected teams."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_vendor_evidence_flow import log_in
from tests.vendors.factories import VendorFactory
from vendors import services as vendor_services

pytestmark = pytest.mark.browser


@pytest.fixture
def vendor(reviewer):
    vendor = VendorFactory(
        name="Quillnote AI", status="approved", approved_data_classes=["public", "internal"],
        data_classes=["public", "internal"],
    )  # fmt: skip
    for team, purpose, classes in (
        ("Sales", "Call summaries", ["internal"]),
        ("Support", "Ticket triage", ["internal", "confidential"]),
    ):
        vendor_services.usage_create(
            created_by=reviewer, vendor=vendor, team=team, purpose=purpose,
            data_classes=classes, integration="api", owner=reviewer,
        )  # fmt: skip
    return vendor


def test_a_reviewer_records_an_incident_and_sees_the_affected_teams(
    page: Page, live_server, reviewer, vendor
):
    log_in(page, live_server.url, "reviewer")
    page.get_by_role("link", name="Incidents").first.click()
    page.get_by_role("link", name="Record an incident").click()
    page.get_by_role("combobox", name="Vendor").fill("quill")
    page.get_by_role("option", name="Quillnote AI").click()
    page.get_by_label("Title").fill("Conversation titles shown to other customers")
    page.get_by_label("Date disclosed").fill(dt.date.today().isoformat())
    page.get_by_label("Severity").select_option(label="High")
    page.get_by_label("Summary").fill("A caching bug exposed titles and payment details.")
    page.get_by_role("button", name="Record incident").click()

    expect(page.get_by_text("now needs a reassessment")).to_be_visible()
    impact = page.get_by_test_id("impact")
    expect(impact).to_contain_text("2 teams")
    expect(impact).to_contain_text("Sales")
    expect(impact).to_contain_text("Support")
    expect(impact).to_contain_text("Ticket triage")
    expect(impact.get_by_text("Out of policy")).to_be_visible()
