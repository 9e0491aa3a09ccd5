"""In Debian's Chromium: a reviewer logs in, lands on the dashboard and logs out."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_a_reviewer_logs_in_sees_the_dashboard_and_logs_out(page: Page, live_server, reviewer):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("user-role")).to_have_text("Security reviewer")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Log in to Clearance")).to_be_visible()
