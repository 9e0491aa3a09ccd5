"""In Chromium: the vendor picker on "Can we use it?" suggests vendors as one types, is driven
with the keyboard, and the page answers for the vendor picked."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_vendor_evidence_flow import log_in
from tests.vendors.factories import VendorFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def vendors(db):
    return {
        name: VendorFactory(name=name, status=status, approved_data_classes=classes)
        for name, status, classes in (
            ("Quillnote AI", "approved", ["public", "internal"]),
            ("Quillpad", "retired", []),
            ("Aquila Quill Labs", "proposed", []),
            ("Larkspur Language Cloud", "approved", ["public"]),
        )
    }


def test_a_user_picks_a_vendor_with_the_keyboard_and_gets_the_answer(
    page: Page, live_server, procurement, vendors
):
    log_in(page, live_server.url, "procurement")
    page.goto(f"{live_server.url}/can-we-use/")
    box = page.get_by_role("combobox", name="AI vendor or service")
    box.press_sequentially("quill")

    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_contain_text("Quillnote AI")
    expect(options.nth(1)).to_contain_text("Quillpad")
    expect(options.nth(1)).to_contain_text("Retired")
    expect(options.nth(2)).to_contain_text("Aquila Quill Labs")
    expect(box).to_have_attribute("aria-expanded", "true")

    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(0).get_attribute("id"))
    box.press("Enter")

    expect(box).to_have_value("Quillnote AI")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox", include_hidden=True)).to_be_hidden()
    hidden = page.locator('input[type="hidden"][name="vendor"]')
    expect(hidden).to_have_value(str(vendors["Quillnote AI"].pk))
    expect(page).to_have_url(re.compile(r"/can-we-use/$"))  # Enter picked; it did not submit

    page.get_by_label("Internal").check()
    page.get_by_role("button", name="Check").click()

    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("Yes, you may")
    expect(decision).to_contain_text("Quillnote AI · Approved")
    expect(box).to_have_value("Quillnote AI")


def test_editing_the_text_forgets_the_pick_and_escape_closes_the_list(
    page: Page, live_server, procurement, vendors
):
    log_in(page, live_server.url, "procurement")
    page.goto(f"{live_server.url}/can-we-use/?vendor={vendors['Quillnote AI'].pk}")
    box = page.get_by_role("combobox", name="AI vendor or service")
    hidden = page.locator('input[type="hidden"][name="vendor"]')
    expect(box).to_have_value("Quillnote AI")

    box.fill("Larkspur")
    expect(hidden).to_have_value("")
    expect(page.get_by_role("option", name=re.compile("Larkspur Language Cloud"))).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox", include_hidden=True)).to_be_hidden()

    # Submitted without a pick, a name that is not a vendor's is refused, the text kept.
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("No vendor is called “Larkspur”.")).to_be_visible()
    expect(box).to_have_value("Larkspur")
