"""In Chromium: a reviewer registers a vendor, records a SOC 2 Type II report with a PDF,
and sees it as current; a PDF that is really a PNG is refused with the reason."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD
from tests.vendors.conftest import PDF_BYTES
from tests.vendors.test_views_evidence import PNG_BYTES

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, username: str):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_reviewer_registers_a_vendor_and_records_a_current_soc2(
    page: Page, live_server, reviewer, tmp_path
):
    log_in(page, live_server.url, "reviewer")
    page.get_by_role("link", name="Vendors").first.click()
    expect(page.get_by_text("No AI vendors are on record yet.")).to_be_visible()
    page.get_by_role("link", name="Register the first vendor").click()

    page.get_by_label("Name").fill("Orchard Minutes")
    page.get_by_label("Website").fill("https://orchard.example")
    page.get_by_label("Service type").select_option(label="AI SaaS application")
    page.get_by_label("Internal").check()
    page.get_by_label("Confidential").check()
    page.get_by_label("Criticality").select_option(label="Medium")
    page.get_by_label("Main integration").select_option(label="Web application")
    page.get_by_role("button", name="Register vendor").click()

    expect(page.get_by_role("heading", name="Orchard Minutes")).to_be_visible()
    expect(page.locator("[data-core=assurance]")).to_have_text("SOC 2 or ISO 27001: Missing")

    page.get_by_role("link", name="Record evidence").click()
    page.get_by_role("link", name="SOC 2 report").click()
    today = dt.date.today()
    page.get_by_label("Report type").select_option(label="Type II")
    page.get_by_label("Audit period start").fill((today - dt.timedelta(days=300)).isoformat())
    page.get_by_label("Audit period end").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Auditor").fill("Ledger & Lamp LLP")
    page.get_by_label("Opinion").select_option(label="Unqualified")
    page.get_by_label("Audited scope includes the AI service").select_option(label="Yes")

    # First a PNG dressed up as a PDF: refused, with the reason, and the facts kept.
    fake = tmp_path / "soc2.pdf"
    fake.write_bytes(PNG_BYTES)
    page.get_by_label("File").set_input_files(str(fake))
    page.get_by_role("button", name="Record evidence").click()
    expect(page.get_by_text("its content is a PNG image")).to_be_visible()
    expect(page.get_by_label("Auditor")).to_have_value("Ledger & Lamp LLP")

    real = tmp_path / "orchard-soc2-type2.pdf"
    real.write_bytes(PDF_BYTES)
    page.get_by_label("File").set_input_files(str(real))
    page.get_by_role("button", name="Record evidence").click()

    expect(page.get_by_text("SOC 2 report recorded: current.")).to_be_visible()
    expect(page.locator("[data-core=assurance]")).to_have_text("SOC 2 or ISO 27001: Current")
    row = page.get_by_test_id("evidence-row").first
    expect(row.get_by_test_id("evidence-status")).to_have_text("Current")
    expect(row.get_by_role("link", name="orchard-soc2-type2.pdf")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("created evidence")
