"""In Chromium: a reviewer fills the shipped Lite bank end to end. A conditional question
appears when its answer calls for it, a reload mid-way keeps every answer, and the
assessment is submitted."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from assessments.loader import BANKS_DIR, load_banks
from assessments.models import Assessment, Question, QuestionnaireTemplate
from tests.browser.test_vendor_evidence_flow import log_in
from vendors import services as vendor_services

pytestmark = pytest.mark.browser


@pytest.fixture
def lite(db):
    load_banks(sorted(BANKS_DIR.glob("*.yaml")))
    return QuestionnaireTemplate.objects.get(key="ai-lite", active=True)


@pytest.fixture
def vendor(reviewer):
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Orchard Minutes", service_type="ai_saas",
        data_classes=["public", "internal"], criticality="low",
    )  # fmt: skip
    vendor_services.evidence_create(
        vendor=vendor, kind="dpa", recorded_by=reviewer, signed_date=dt.date.today()
    )
    return vendor


def answer(block, question: Question, value=None):
    """Give the question a favourable answer (or `value`) and wait until it is saved."""
    kind = question.answer_type
    if kind == "yes_no":
        block.locator(f'input[value="{value or "yes"}"]').check()
    elif kind == "single_choice" or kind == "multiple_choice":
        best = value or min(question.options, key=lambda o: o["risk"])["value"]
        block.locator(f'input[value="{best}"]').check()
    elif kind == "number":
        block.locator("input[type=number]").fill(str(question.bands[0]["max"] or 0))
        block.locator("input[type=number]").press("Tab")
    elif kind == "date":
        field = block.locator("input[type=date]")
        field.fill((dt.date.today() - dt.timedelta(days=90)).isoformat())
        field.dispatch_event("change")
    elif kind == "text":
        block.locator("textarea[data-value]").fill("Documented in the trust centre.")
    elif kind == "evidence":
        block.locator("select[data-value]").select_option(index=1)
    expect(block.get_by_test_id("save-state")).to_have_text("Saved")


def test_a_reviewer_fills_the_lite_bank_and_submits(
    page: Page, live_server, reviewer, vendor, lite
):
    questions = list(lite.questions.select_related("section").order_by("order"))
    conditional = next(q for q in questions if q.condition)
    parent_key = conditional.condition["question"]
    trigger = conditional.condition.get("in", [conditional.condition.get("equals")])[0]

    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    page.get_by_role("link", name="Start an assessment").click()
    expect(page.get_by_label(lite.name, exact=False)).to_be_checked()
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_text("Answers save as you go.")).to_be_visible()
    page.get_by_role("link", name="Next unanswered question").click()

    answered: dict[str, object] = {}
    sections = []
    for question in questions:
        if question.section.key not in sections:
            sections.append(question.section.key)
    for index, section_key in enumerate(sections):
        expect(page).to_have_url(re.compile(rf"/sections/{section_key}/(#.*)?$"))
        for question in [q for q in questions if q.section.key == section_key]:
            block = page.locator(f'[data-question="{question.key}"]')
            if question.key == conditional.key:
                expect(block).to_be_visible()  # appeared when its parent got the trigger
            if block.is_hidden():
                continue
            if question.from_profile:
                # The vendor profile answers it: shown, not editable.
                expect(block.locator("input[data-value]").first).to_be_disabled()
                expect(block.get_by_text("Answered from the vendor profile.")).to_be_visible()
                continue
            if question.key == parent_key:
                expect(page.locator(f'[data-question="{conditional.key}"]')).to_be_hidden()
                answer(block, question, trigger)
            else:
                answer(block, question)
            if question.answer_type == "yes_no" and block.locator('input[value="no"]').is_checked():
                block.locator('textarea[name="comment"]').fill("Follow-up agreed.")
            answered[question.key] = True
        if index == 0:
            # Mid-way: a reload keeps every answer given so far.
            page.reload()
            for key in answered:
                block = page.locator(f'[data-question="{key}"]')
                checked = block.locator("input[data-value]:checked")
                filled = block.locator(
                    "input[data-value], textarea[data-value], select[data-value]"
                )
                assert checked.count() or filled.first.input_value(), f"{key} lost after reload"
        if index + 1 < len(sections):
            page.locator(".col-lg-9 .btn-primary").last.click()
        else:
            page.get_by_role("link", name="Review and submit").click()

    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_text("Assessment submitted. It is now read-only.")).to_be_visible()
    assessment = Assessment.objects.get()
    assert assessment.status == "submitted"
    assert assessment.submitted_by == reviewer
