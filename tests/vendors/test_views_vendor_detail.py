"""The vendor page's decision area: what the vendor may receive today, until when, and why
not more, with "reassessment required now" at the top of the page."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from assessments import services
from assessments.loader import load_banks
from tests.assessments.bank_builders import MINI_BANK
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus

TODAY = dt.date(2027, 3, 3)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 3, 12, 0, tzinfo=dt.UTC), tick=True)
    return TODAY


def approved(**fields):
    return VendorFactory(
        **{
            "name": "Quillnote AI",
            "status": VendorStatus.APPROVED,
            "approved_data_classes": ["public", "internal", "confidential"],
            "assessed_special_categories": ["personal"],
            "next_reassessment_date": dt.date(2027, 2, 1),
            "approval_valid_until": TODAY,
            **fields,
        }
    )


def page_of(client, user, vendor) -> str:
    client.force_login(user)
    response = client.get(reverse("vendor_detail", args=[vendor.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(dd|div)>', page, re.S)
    assert match, testid
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_an_approval_in_force_says_what_is_allowed_today_and_until_when(client, procurement):
    page = page_of(client, procurement, approved())
    assert text_of(page, "allowed-today") == "Public, Internal, Confidential"
    assert text_of(page, "approval-valid-until") == "3 Mar 2027"
    assert "Personal data" in page  # the special categories assessed
    assert 'data-testid="approval-limits"' not in page


def test_a_lapsed_approval_allows_nothing_and_says_why(client, procurement):
    page = page_of(client, procurement, approved(approval_valid_until=TODAY - dt.timedelta(1)))
    assert text_of(page, "allowed-today") == "Lapsed Nothing"
    assert text_of(page, "approval-valid-until") == "2 Mar 2027 (lapsed)"
    assert text_of(page, "approval-limits") == (
        "The approval lapsed on 3 Mar 2027: the reassessment due on 1 Feb 2027 was not signed off."
    )


def test_a_suspended_approval_drops_confidential_and_says_why(client, procurement):
    vendor = approved(incident_suspended_at=dt.datetime(2027, 2, 20, 9, 0, tzinfo=dt.UTC))
    page = page_of(client, procurement, vendor)
    assert text_of(page, "allowed-today") == "Suspended Public, Internal"
    assert text_of(page, "approval-limits") == (
        "Confidential and Restricted data are suspended: a high or critical incident was "
        "recorded on 20 Feb 2027, and a reassessment submitted after it must be signed off."
    )


def test_a_vendor_not_approved_may_receive_nothing(client, procurement):
    page = page_of(client, procurement, VendorFactory(name="Quillnote AI"))
    assert text_of(page, "allowed-today") == "Nothing"
    assert text_of(page, "approval-valid-until") == "—"
    assert 'data-testid="approval-limits"' not in page


def test_reassessment_required_is_said_at_the_top_with_its_reason(client, procurement):
    vendor = approved(
        reassessment_required=True,
        reassessment_reason="Material change: health data added.",
        reassessment_required_since=TODAY,
    )
    page = page_of(client, procurement, vendor)
    assert text_of(page, "reassessment-required") == (
        "Reassessment required now: Material change: health data added. (since 3 Mar 2027)"
    )
    assert page.index('data-testid="reassessment-required"') < page.index('id="profile-heading"')


def test_the_decision_card_says_why_a_requested_class_was_refused(client, reviewer, db):
    """The vendor page states each refusal of the last decision in plain words."""
    template = load_banks([MINI_BANK]).created[0]
    lead = UserFactory(username="lead2", role=Role.LEAD)
    vendor = VendorFactory(name="Refused AI", data_classes=["internal", "confidential"])
    assessment = services.assessment_start(vendor=vendor, template=template, started_by=reviewer)
    for key, value in (("soc2_current", "yes"), ("uses_subprocessors", "no"), ("breach_hours", 24)):
        question = template.questions.get(key=key)
        services.answer_save(
            assessment=assessment, question=question, answered_by=reviewer, value=value
        )
    services.assessment_submit(assessment, submitted_by=reviewer)
    services.assessment_sign_off(assessment, lead=lead, decision="approved")
    client.force_login(reviewer)

    page = client.get(reverse("vendor_detail", args=[vendor.pk])).content.decode()

    assert "Confidential refused" in page
    assert "No current SOC 2 Type II report or ISO 27001 certificate: none is recorded." in page
