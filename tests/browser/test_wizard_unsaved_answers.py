"""In Chromium: an answer whose save fails (cut network, server error, no reply in time) is
kept in the browser, shown as not saved, survives a reload and is saved once the server
answers again; an answer the server refuses says why and is not retried.

The page's clock is Playwright's and stands still: retries come only when a test brings them
forward with `clock.fast_forward` (or by going online, or "Retry now"), and every step waits
for what the page shows, never for a fixed time."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import OperationalError
from playwright.sync_api import Page, Route, expect

from assessments import services
from assessments.loader import load_banks
from assessments.models import Answer
from tests.browser.test_vendor_evidence_flow import log_in
from vendors import services as vendor_services

pytestmark = pytest.mark.browser
MINI = Path(__file__).resolve().parents[1] / "assessments" / "banks" / "mini.yaml"
LONGEST_BACKOFF_MS = 60_000  # RETRY_MAX_MS in wizard.js
SAVE_TIMEOUT_MS = 15_000  # SAVE_TIMEOUT_MS in wizard.js
CLOCK_START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Outage:
    """Stands between the page and the autosave endpoint. `mode` says what the next save
    meets: None (the server), "cut" (no connection), "fail" (a 500), "hang" (no reply),
    "lose_reply" (the server saves, the reply is lost on the way back)."""

    def __init__(self, page: Page):
        self.mode: str | None = None
        self.saves: list[str] = []
        page.route("**/answers/*/", self._handle)

    def _handle(self, route: Route):
        self.saves.append(self.mode or "through")
        if self.mode == "cut":
            route.abort("internetdisconnected")
        elif self.mode == "fail":
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error</h1>")
        elif self.mode == "hang":
            pass  # never answered: the page gives up after its timeout
        elif self.mode == "lose_reply":
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()


@pytest.fixture
def draft(reviewer):
    template = load_banks([MINI]).created[0]
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Orchard Minutes", service_type="ai_saas",
        data_classes=["internal"], criticality="low",
    )  # fmt: skip
    return services.assessment_start(vendor=vendor, template=template, started_by=reviewer)


def open_section(page: Page, live_server, draft, section: str = "basics") -> Outage:
    log_in(page, live_server.url, "reviewer")
    outage = Outage(page)
    # From now on (reloads included) the page's timers fire only when the test moves its
    # clock: no retry happens behind the test's back.
    page.clock.install(time=CLOCK_START)
    page.clock.pause_at(CLOCK_START + dt.timedelta(seconds=1))
    page.goto(f"{live_server.url}/assessments/{draft.pk}/sections/{section}/")
    return outage


def test_an_answer_given_while_the_server_is_down_is_saved_when_it_returns(
    page: Page, live_server, reviewer, draft
):
    outage = open_section(page, live_server, draft)
    block = page.locator('[data-question="soc2_current"]')
    state = block.get_by_test_id("save-state")
    banner = page.get_by_test_id("unsaved-banner")

    outage.mode = "cut"
    block.locator('input[value="no"]').check()
    expect(state).to_contain_text("Not saved yet — retrying in")
    expect(banner).to_contain_text("1 answer is not saved yet.")
    expect(banner).to_contain_text("kept in this browser")

    with page.expect_response(lambda r: "/answers/" in r.url and r.status == 500):
        outage.mode = "fail"
        page.clock.fast_forward(LONGEST_BACKOFF_MS)
    expect(state).to_contain_text("Not saved yet — retrying in")
    assert outage.saves == ["cut", "fail"]
    assert not Answer.objects.filter(question__key="soc2_current").exists()

    # Leaving asks first; the answer comes back with the page and is tried again.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    assert dialogs == ["beforeunload"]
    expect(block.locator('input[value="no"]')).to_be_checked()
    expect(state).to_contain_text("Not saved yet — retrying in")
    expect(banner).to_contain_text("1 answer is not saved yet.")
    assert outage.saves == ["cut", "fail", "fail"]

    outage.mode = None
    page.clock.fast_forward(LONGEST_BACKOFF_MS)
    expect(state).to_have_text("Saved")
    expect(banner).to_be_hidden()
    assert Answer.objects.get(question__key="soc2_current").value == "no"

    page.reload()
    expect(block.locator('input[value="no"]')).to_be_checked()
    expect(state).to_have_text("")  # nothing kept any more: no second save
    assert outage.saves == ["cut", "fail", "fail", "through"]
    assert dialogs == ["beforeunload"]


def test_an_answer_given_while_the_database_is_cut_is_saved_when_it_returns(
    page: Page, live_server, reviewer, draft, monkeypatch
):
    """Django's own 500 page, not a JSON reply: the page still keeps and retries."""
    outage = open_section(page, live_server, draft)
    block = page.locator('[data-question="soc2_current"]')
    state = block.get_by_test_id("save-state")
    banner = page.get_by_test_id("unsaved-banner")

    def database_cut(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "answer_save", database_cut)
    with page.expect_response(lambda r: "/answers/" in r.url and r.status == 500):
        block.locator('input[value="yes"]').check()
    expect(state).to_contain_text("Not saved yet — retrying in")
    expect(state).to_have_attribute("title", "The server failed (500).")

    monkeypatch.undo()
    banner.get_by_role("button", name="Retry now").click()
    expect(state).to_have_text("Saved")
    expect(banner).to_be_hidden()
    assert outage.saves == ["through", "through"]
    assert Answer.objects.get(question__key="soc2_current").value == "yes"


def test_an_answer_given_offline_is_saved_when_the_browser_is_back_online(
    page: Page, live_server, reviewer, draft
):
    open_section(page, live_server, draft)
    block = page.locator('[data-question="soc2_current"]')
    state = block.get_by_test_id("save-state")

    page.context.set_offline(True)
    block.locator('input[value="partial"]').check()
    expect(state).to_contain_text("Not saved yet — retrying in")
    expect(state).to_have_attribute("title", "No connection to the server.")

    page.context.set_offline(False)  # the "online" event retries at once
    expect(state).to_have_text("Saved")
    assert Answer.objects.get(question__key="soc2_current").value == "partial"


def test_a_save_without_a_reply_in_time_is_retried(page: Page, live_server, reviewer, draft):
    outage = open_section(page, live_server, draft)
    block = page.locator('[data-question="uses_subprocessors"]')
    state = block.get_by_test_id("save-state")

    outage.mode = "hang"
    block.locator('input[value="yes"]').check()
    expect(state).to_have_text("Saving…")
    page.clock.fast_forward(SAVE_TIMEOUT_MS)
    expect(state).to_contain_text("Not saved yet — retrying in")
    expect(state).to_have_attribute("title", "The server did not answer within 15 s.")

    outage.mode = None
    page.clock.fast_forward(LONGEST_BACKOFF_MS)
    expect(state).to_have_text("Saved")
    # The save brought the question that depends on this one.
    expect(page.locator('[data-question="subprocessors_disclosed"]')).to_be_visible()
    assert Answer.objects.get(question__key="uses_subprocessors").value == "yes"


def test_a_save_whose_reply_was_lost_is_not_taken_for_a_conflict(
    page: Page, live_server, reviewer, draft
):
    outage = open_section(page, live_server, draft)
    block = page.locator('[data-question="soc2_current"]')
    state = block.get_by_test_id("save-state")

    outage.mode = "lose_reply"
    block.locator('input[value="yes"]').check()
    expect(state).to_contain_text("Not saved yet — retrying in")
    assert Answer.objects.get(question__key="soc2_current").value == "yes"

    outage.mode = None
    page.clock.fast_forward(LONGEST_BACKOFF_MS)
    expect(state).to_have_text("Saved")
    expect(block.locator(".conflict")).to_be_hidden()
    assert Answer.objects.get(question__key="soc2_current").version == 1


def test_a_refused_answer_says_why_and_is_not_retried(page: Page, live_server, reviewer, draft):
    outage = open_section(page, live_server, draft, section="ops")
    block = page.locator('[data-question="breach_hours"]')
    state = block.get_by_test_id("save-state")
    field = block.locator("input[type=number]")

    field.fill("-5")
    field.press("Tab")
    expect(block.get_by_test_id("save-error")).to_have_text("Enter a number of zero or more.")
    expect(state).to_have_text("Not saved")
    expect(page.get_by_test_id("unsaved-banner")).to_contain_text("1 answer is not saved yet.")
    page.clock.fast_forward(LONGEST_BACKOFF_MS)
    expect(field).to_have_value("-5")

    field.fill("48")
    field.press("Tab")
    expect(state).to_have_text("Saved")
    expect(block.get_by_test_id("save-error")).to_be_hidden()
    expect(page.get_by_test_id("unsaved-banner")).to_be_hidden()
    assert outage.saves == ["through", "through"]
    assert Answer.objects.get(question__key="breach_hours").value == 48


def test_a_kept_answer_is_not_offered_to_the_next_user_of_the_browser(
    page: Page, live_server, reviewer, lead, draft
):
    outage = open_section(page, live_server, draft)
    outage.mode = "cut"
    page.locator('[data-question="soc2_current"] input[value="no"]').check()
    expect(page.get_by_test_id("unsaved-banner")).to_contain_text("1 answer is not saved yet.")

    page.on("dialog", lambda dialog: dialog.accept())
    page.context.clear_cookies(name="sessionid")
    outage.mode = None
    log_in(page, live_server.url, "lead")
    page.goto(f"{live_server.url}/assessments/{draft.pk}/sections/basics/")
    block = page.locator('[data-question="soc2_current"]')
    expect(block).to_be_visible()
    expect(block.locator('input[value="no"]')).not_to_be_checked()
    expect(page.get_by_test_id("unsaved-banner")).to_be_hidden()
    assert outage.saves == ["cut"]
    assert not Answer.objects.filter(question__key="soc2_current").exists()
