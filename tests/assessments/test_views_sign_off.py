"""The sign-off pages: the score card and findings on the assessment page, the sign-off and
send-back forms, tracking a finding, and what the vendor page shows afterwards.

Only security leads (and administrators) decide, and never on an assessment they took part in;
reviewers and leads track findings; procurement reads; anyone else signed in gets 403.
Assessments are submitted through the real services by the reviewer.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import AssessmentStatus, Finding, FindingStatus
from tests.assessments.bank_builders import bank_of_many
from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus

ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]
DECIDERS = {"lead", "admin"}
EDITORS = {"reviewer", "lead", "admin"}
READERS = EDITORS | {"procurement"}

TODAY = dt.date(2025, 6, 15)
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def today(time_machine):
    # tick=True: django-auditlog names its receivers by time.time(), which must keep moving.
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=True)
    return TODAY


def save(assessment, key, value, user, **kwargs):
    question = assessment.template.questions.get(key=key)
    return services.answer_save(
        assessment=assessment, question=question, answered_by=user, value=value, **kwargs
    )


def answer_well(assessment, user):
    """Residual 6.7, tier low; findings for the missing SOC 2 report and the blank hosting."""
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "no", user)
    save(assessment, "breach_hours", 24, user)


@pytest.fixture
def submitted(assessment, reviewer):
    answer_well(assessment, reviewer)
    return services.assessment_submit(assessment, submitted_by=reviewer)


@pytest.fixture
def submitted_by_lead(assessment, reviewer, lead):
    answer_well(assessment, reviewer)
    return services.assessment_submit(assessment, submitted_by=lead)


def detail_url(assessment) -> str:
    return reverse("assessment_detail", args=[assessment.pk])


def sign_off_url(assessment) -> str:
    return reverse("assessment_sign_off", args=[assessment.pk])


def send_back_url(assessment) -> str:
    return reverse("assessment_send_back", args=[assessment.pk])


def finding_url(finding) -> str:
    return reverse("finding_edit", args=[finding.pk])


def assert_undecided(assessment):
    assessment.refresh_from_db()
    assessment.vendor.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.decided_by is None
    assert assessment.vendor.status == VendorStatus.PROPOSED
    assert assessment.vendor.approved_data_classes == []


APPROVE = {"decision": "approved", "comment": "Good controls."}


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_only_leads_and_administrators_sign_off(client, users_by_role, submitted, who):
    client.force_login(users_by_role[who])

    response = client.post(sign_off_url(submitted), APPROVE)

    if who in DECIDERS:
        assert response.status_code == 302
        assert response.url == detail_url(submitted)
        submitted.refresh_from_db()
        assert submitted.status == AssessmentStatus.APPROVED
        assert submitted.decided_by == users_by_role[who]
        submitted.vendor.refresh_from_db()
        assert submitted.vendor.status == VendorStatus.APPROVED
    else:
        assert response.status_code == 403
        assert_undecided(submitted)


@pytest.mark.parametrize("who", ROLES)
def test_only_leads_and_administrators_send_back(client, users_by_role, submitted, who):
    client.force_login(users_by_role[who])

    response = client.post(send_back_url(submitted), {"comment": "Ask for the SOC 2 report."})

    submitted.refresh_from_db()
    if who in DECIDERS:
        assert response.status_code == 302
        assert response.url == detail_url(submitted)
        assert submitted.status == AssessmentStatus.DRAFT
        assert submitted.returned_comment == "Ask for the SOC 2 report."
    else:
        assert response.status_code == 403
        assert submitted.status == AssessmentStatus.SUBMITTED
        assert submitted.returned_comment == ""
        assert submitted.findings.count() == 2


@pytest.mark.parametrize("url", [sign_off_url, send_back_url], ids=["sign-off", "send-back"])
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, submitted, url):
    response = client.post(url(submitted), {**APPROVE, "comment": "Nope."})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert_undecided(submitted)


@pytest.mark.parametrize("url", [sign_off_url, send_back_url], ids=["sign-off", "send-back"])
def test_sign_off_and_send_back_take_only_posts(client, lead, submitted, url):
    client.force_login(lead)
    assert client.get(url(submitted)).status_code == 405


def test_the_lead_who_submitted_gets_403_with_the_reason(client, lead, submitted_by_lead):
    client.force_login(lead)

    response = client.post(sign_off_url(submitted_by_lead), APPROVE)

    assert response.status_code == 403
    assert "You took part in this assessment" in response.content.decode()
    assert_undecided(submitted_by_lead)


def test_the_lead_who_submitted_cannot_send_it_back(client, lead, submitted_by_lead):
    client.force_login(lead)
    response = client.post(send_back_url(submitted_by_lead), {"comment": "Let me redo it."})
    assert response.status_code == 403
    submitted_by_lead.refresh_from_db()
    assert submitted_by_lead.status == AssessmentStatus.SUBMITTED


def test_a_refused_approval_is_400_with_the_reason_on_the_page(
    client, mini_template, reviewer, lead
):
    """Undisclosed sub-processors forbid Confidential, the only class this vendor asked for."""
    vendor = VendorFactory(name="Secretive AI", data_classes=["confidential"])
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
    save(draft, "soc2_current", "yes", reviewer)
    save(draft, "uses_subprocessors", "yes", reviewer)
    save(draft, "subprocessors_disclosed", "no", reviewer, comment="They would not say.")
    save(draft, "breach_hours", 24, reviewer)
    services.assessment_submit(draft, submitted_by=reviewer)
    client.force_login(lead)

    response = client.post(sign_off_url(draft), APPROVE)

    assert response.status_code == 400
    assert "The gates allow none of the requested data classes" in response.content.decode()
    assert_undecided(draft)


# --- The assessment page ----------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_sign_off_form_is_shown_only_to_a_lead_who_did_not_submit(
    client, users_by_role, submitted, who
):
    client.force_login(users_by_role[who])
    html = client.get(detail_url(submitted)).content.decode()
    assert ('data-testid="sign-off"' in html) is (who in DECIDERS)
    assert (f'action="{send_back_url(submitted)}"' in html) is (who in DECIDERS)


def test_the_lead_who_submitted_sees_why_there_is_no_form(client, lead, submitted_by_lead):
    client.force_login(lead)
    html = client.get(detail_url(submitted_by_lead)).content.decode()
    assert 'data-testid="sign-off"' not in html
    assert (
        "You took part in this assessment (you started, answered or submitted part of it); "
        "another security lead must sign it off."
    ) in html


def test_a_decided_assessment_offers_no_sign_off_form(client, lead, administrator, submitted):
    services.assessment_sign_off(submitted, lead=lead, decision="approved")
    client.force_login(administrator)
    html = client.get(detail_url(submitted)).content.decode()
    assert 'data-testid="sign-off"' not in html
    assert 'data-testid="decision"' in html


def test_the_score_card_shows_residual_tier_gates_with_reasons_and_a_chart(
    client, procurement, submitted
):
    client.force_login(procurement)
    html = client.get(detail_url(submitted)).content.decode()

    assert 'data-testid="residual">6.7<' in html
    assert '<span class="badge tier-low">Low</span>' in html
    assert "Method clearance-risk/2 · scored 2025-06-15" in html
    gates = re.findall(r'<tr data-class="(\w+)">.*?>(Allowed|Refused)</span>', html, re.S)
    assert gates == [
        ("public", "Allowed"),
        ("internal", "Allowed"),
        ("confidential", "Refused"),
        ("restricted", "Refused"),
    ]
    assert (
        "<li>Residual risk 6.7 is within the appetite of 40, and the controls meet 79% of what "
        "the questionnaire asks.</li>"
    ) in html
    assert "Not requested: this assessment did not consider restricted data" in html
    assert "<svg" in html
    assert 'aria-label="Control effectiveness by domain"' in html


def test_a_draft_shows_no_score_card(client, reviewer, assessment):
    client.force_login(reviewer)
    html = client.get(detail_url(assessment)).content.decode()
    assert 'data-testid="score"' not in html
    assert "<svg" not in html


def test_findings_are_listed_with_their_remediation(client, reviewer, assessment):
    save(assessment, "soc2_current", "no", reviewer, comment="Report lapsed in March.")
    save(assessment, "uses_subprocessors", "no", reviewer)
    save(assessment, "breach_hours", 24, reviewer)
    save(assessment, "hosting", ["eu"], reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    finding = assessment.findings.get()
    client.force_login(reviewer)

    html = client.get(detail_url(assessment)).content.decode()

    assert "Findings (1)" in html
    row = re.search(rf'<tr id="finding-{finding.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Does the vendor hold a current SOC 2 Type II report?" in row
    assert "Answer: no — Answered “no”." in row
    assert "<td>Ask for the latest report.</td>" in row
    assert f'href="{finding_url(finding)}"' in row


def test_procurement_sees_findings_without_the_tracking_link(client, procurement, submitted):
    client.force_login(procurement)
    html = client.get(detail_url(submitted)).content.decode()
    assert "Findings (2)" in html
    assert "Obtain current evidence (SOC 2 report) without weaknesses." in html
    assert reverse("finding_edit", args=[submitted.findings.first().pk]) not in html


def test_the_findings_list_filters_by_a_vendor_picked_linked_or_typed(client, reviewer, submitted):
    other = VendorFactory(name="Larkspur Language Cloud")
    client.force_login(reviewer)

    def listed(**params):
        response = client.get(reverse("finding_list"), params)
        return response.content.decode(), {f.vendor.name for f in response.context["page"]}

    page, vendors = listed(vendor=submitted.vendor_id)
    assert vendors == {"Quillnote AI"}
    assert 'name="vendor__search" value="Quillnote AI"' in page
    assert listed(vendor="", vendor__search="QUILLNOTE ai")[1] == {"Quillnote AI"}
    page, vendors = listed(vendor=other.pk)
    assert not vendors
    assert "No finding matches these filters." in page
    page, _ = listed(vendor="", vendor__search="Quilnote")
    assert "No vendor is called “Quilnote”. Pick one from the suggestions." in page
    assert 'name="vendor__search" value="Quilnote"' in page


# --- Recording a decision ---------------------------------------------------------------------


def test_a_decision_is_stored_and_shown(client, lead, submitted):
    client.force_login(lead)

    response = client.post(
        sign_off_url(submitted),
        {"decision": "approved_with_conditions", "comment": "Acceptable.",
         "conditions": "Turn on zero retention.", "conditions_due": "2025-09-30"},
        follow=True,
    )  # fmt: skip

    html = response.content.decode()
    assert "Decision recorded: Approved with conditions." in html
    assert "<strong>Approved with conditions</strong> by Lee Lead on 15 Jun 2025." in html
    assert "(by 30 Sep 2025)" in html
    submitted.refresh_from_db()
    assert submitted.conditions_due == dt.date(2025, 9, 30)
    submitted.vendor.refresh_from_db()
    assert submitted.vendor.conditions == "Turn on zero retention."


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "approved_with_conditions", "conditions_due": "2025-09-30"},
         "conditions", "Say what the conditions are."),
        ({"decision": "approved_with_conditions", "conditions": "   ",
          "conditions_due": "2025-09-30"}, "conditions", "Say what the conditions are."),
        ({"decision": "approved_with_conditions", "conditions": "Zero retention."},
         "conditions_due", "Give the date by which they must be met."),
        ({"decision": "approved_with_conditions", "conditions": "Zero retention.",
          "conditions_due": "2025-06-01"}, "conditions_due", "The date must be in the future."),
        ({"decision": "approved_with_conditions", "conditions": "Zero retention.",
          "conditions_due": "2025-06-15"}, "conditions_due", "The date must be in the future."),
        ({"decision": "rejected"}, "comment", "Say why the vendor is rejected."),
        ({"decision": "rejected", "comment": "  "}, "comment", "Say why the vendor is rejected."),
        ({"comment": "Fine."}, "decision", "This field is required."),
        ({"decision": "submitted"}, "decision", "Select a valid choice."),
    ],
    ids=[
        "no conditions", "blank conditions", "no date", "past date", "today",
        "rejection without comment", "rejection with blank comment", "no decision",
        "not a decision",
    ],
)  # fmt: skip
def test_an_invalid_decision_is_400_with_the_message_and_stores_nothing(
    client, lead, submitted, data, field, message
):
    client.force_login(lead)

    response = client.post(sign_off_url(submitted), data)

    assert response.status_code == 400
    form = response.context["sign_off_form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    assert "The decision was not recorded; see the form below." in html
    assert message in html
    assert 'data-testid="sign-off"' in html
    assert_undecided(submitted)


def test_send_back_without_a_comment_is_400_and_stores_nothing(client, lead, submitted):
    client.force_login(lead)
    response = client.post(send_back_url(submitted), {"comment": ""})
    assert response.status_code == 400
    assert response.context["send_back_form"].errors["comment"] == ["This field is required."]
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED


def test_a_sent_back_draft_shows_the_leads_reasons(client, lead, reviewer, submitted):
    client.force_login(lead)
    client.post(send_back_url(submitted), {"comment": "Ask for the SOC 2 report."})
    client.force_login(reviewer)

    html = client.get(detail_url(submitted)).content.decode()

    assert "Sent back by a security lead:" in html
    assert "Ask for the SOC 2 report." in html
    assert 'data-testid="score"' not in html
    assert "Submit for sign-off" in html


def test_hostile_text_in_the_decision_is_shown_escaped(client, lead, submitted):
    client.force_login(lead)
    client.post(
        sign_off_url(submitted),
        {"decision": "approved_with_conditions", "comment": HOSTILE, "conditions": HOSTILE,
         "conditions_due": "2025-09-30"},
    )  # fmt: skip

    assessment_page = client.get(detail_url(submitted)).content.decode()
    vendor_page = client.get(submitted.vendor.get_absolute_url()).content.decode()

    assert HOSTILE not in assessment_page
    assert assessment_page.count(ESCAPED) == 2
    assert HOSTILE not in vendor_page
    assert ESCAPED in vendor_page


# --- Tracking a finding -----------------------------------------------------------------------


@pytest.fixture
def finding(submitted):
    return submitted.findings.get(question_key="soc2_current")


@pytest.mark.parametrize("who", ROLES)
def test_only_editors_open_a_finding(client, users_by_role, finding, who):
    client.force_login(users_by_role[who])
    response = client.get(finding_url(finding))
    assert response.status_code == (200 if who in EDITORS else 403)


@pytest.mark.parametrize("who", ["procurement", "outsider"])
def test_procurement_and_outsiders_cannot_change_a_finding(client, users_by_role, finding, who):
    client.force_login(users_by_role[who])
    response = client.post(
        finding_url(finding),
        {"status": "remediated", "remediation_note": "Done.", "owner": users_by_role[who].pk},
    )
    assert response.status_code == 403
    finding.refresh_from_db()
    assert (finding.status, finding.owner, finding.remediation_note) == ("open", None, "")


def test_anonymous_visitors_are_sent_to_log_in_from_a_finding(client, finding):
    response = client.post(finding_url(finding), {"status": "remediated"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_reviewer_sets_the_owner_and_due_date(client, reviewer, finding):
    client.force_login(reviewer)

    response = client.post(
        finding_url(finding), {"status": "open", "owner": reviewer.pk, "due_date": "2025-07-01"}
    )

    assert response.status_code == 302
    assert response.url == f"{detail_url(finding.assessment)}#finding-{finding.pk}"
    finding.refresh_from_db()
    assert (finding.owner, finding.due_date) == (reviewer, dt.date(2025, 7, 1))
    assert finding.updated_by == reviewer
    html = client.get(detail_url(finding.assessment)).content.decode()
    assert "Riley Reviewer, due 1 Jul 2025" in html


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"status": "accepted"},
         {"justification": "Accepting a risk needs a justification.",
          "accepted_until": "Accepted risks expire: give a date."}),
        ({"status": "accepted", "justification": "  ", "accepted_until": "2025-12-31"},
         {"justification": "Accepting a risk needs a justification."}),
        ({"status": "accepted", "justification": "Low exposure.", "accepted_until": "2025-06-15"},
         {"accepted_until": "The date must be in the future."}),
        ({"status": "accepted", "justification": "Low exposure.", "accepted_until": "2024-12-31"},
         {"accepted_until": "The date must be in the future."}),
        ({"status": "remediated"}, {"remediation_note": "Say how it was remediated."}),
        ({"status": "remediated", "remediation_note": "   "},
         {"remediation_note": "Say how it was remediated."}),
    ],
    ids=["accepted bare", "accepted blank justification", "accepted until today",
         "accepted until the past", "remediated bare", "remediated blank note"],
)  # fmt: skip
def test_an_incomplete_finding_update_is_refused_with_the_reason(
    client, lead, finding, data, errors
):
    client.force_login(lead)

    response = client.post(finding_url(finding), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [msg] for field, msg in errors.items()}
    html = response.content.decode()
    assert all(message in html for message in errors.values())
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.updated_by is None


def test_accepting_a_risk_records_the_justification_and_expiry(client, lead, finding):
    client.force_login(lead)

    response = client.post(
        finding_url(finding),
        {"status": "accepted", "justification": "Report due next month.",
         "accepted_until": "2025-08-01"},
    )  # fmt: skip

    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
    assert finding.justification == "Report due next month."
    assert finding.accepted_until == dt.date(2025, 8, 1)
    assert finding.updated_by == lead


def test_remediating_records_the_note(client, reviewer, finding):
    client.force_login(reviewer)
    response = client.post(
        finding_url(finding), {"status": "remediated", "remediation_note": "Report received."}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.remediation_note) == ("remediated", "Report received.")


# --- The vendor page --------------------------------------------------------------------------


def section(html: str, section_id: str) -> str:
    return re.search(rf'<section[^>]* id="{section_id}".*?</section>', html, re.S).group(0)


def test_the_vendor_page_lists_open_findings_and_the_score_history(client, procurement, submitted):
    client.force_login(procurement)

    html = client.get(submitted.vendor.get_absolute_url()).content.decode()

    findings = section(html, "open-findings")
    assert "Open findings (2)" in findings
    soc2 = submitted.findings.get(question_key="soc2_current")
    assert f'href="{detail_url(submitted)}#finding-{soc2.pk}"' in findings
    assert "Does the vendor hold a current SOC 2 Type II report?" in findings
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td>"
                      r'<td class="text-capitalize">([^<]+)</td><td>([^<]+)</td></tr>',
                      section(html, "score-history"))  # fmt: skip
    assert rows == [("15 Jun 2025", "6.7", "low", "Submitted")]


def test_the_vendor_page_drops_findings_that_are_no_longer_open(client, lead, finding):
    services.finding_update(
        finding, changed_by=lead, status=FindingStatus.REMEDIATED, remediation_note="Received."
    )
    client.force_login(lead)
    html = client.get(finding.vendor.get_absolute_url()).content.decode()
    assert "Open findings (1)" in section(html, "open-findings")
    assert "SOC 2" not in section(html, "open-findings")


def test_the_vendor_page_shows_the_approved_classes_after_sign_off(client, lead, submitted):
    client.force_login(lead)
    approved = '<dt class="col-sm-5">Approved data classes</dt><dd class="col-sm-7">Internal</dd>'
    assert approved not in client.get(submitted.vendor.get_absolute_url()).content.decode()

    client.post(sign_off_url(submitted), APPROVE)

    html = client.get(submitted.vendor.get_absolute_url()).content.decode()
    assert approved in html
    assert "<td>Approved</td>" in section(html, "score-history")
    assert "6.7 / 100" in html


# --- Query count ------------------------------------------------------------------------------


def scored_with_findings(load_bank, reviewer, count: int):
    """An assessment of `count` questions, each answered "yes" with no SOC 2 report on file:
    one finding per question, each given an owner."""
    template = load_bank(bank_of_many(count, key=f"many-{count}"))
    draft = services.assessment_start(
        vendor=VendorFactory(name=f"Vendor with {count}"), template=template, started_by=reviewer
    )
    for question in template.questions.all():
        services.answer_save(assessment=draft, question=question, answered_by=reviewer, value="yes")
    services.assessment_submit(draft, submitted_by=reviewer)
    for finding in draft.findings.all():
        services.finding_update(
            finding, changed_by=reviewer, owner=reviewer, due_date=dt.date(2025, 7, 1)
        )
    assert Finding.objects.filter(assessment=draft, owner=reviewer).count() == count
    return draft


def queries_for(client, url) -> int:
    client.get(url)  # warm caches (content types, session) before counting
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_assessment_page_makes_as_many_queries_for_40_findings_as_for_5(
    client, load_bank, reviewer, lead
):
    few = scored_with_findings(load_bank, reviewer, 5)
    many = scored_with_findings(load_bank, reviewer, 40)
    client.force_login(lead)

    few_queries = queries_for(client, detail_url(few))
    many_queries = queries_for(client, detail_url(many))

    assert few_queries == many_queries


def test_a_sign_off_that_cannot_clear_a_later_reassessment_tells_the_lead_why(
    client, submitted, reviewer, lead, time_machine
):
    from django.contrib.messages import get_messages

    from vendors.services import vendor_flag_reassessment

    time_machine.move_to(dt.datetime(2025, 6, 16, 9, 0, tzinfo=dt.UTC))
    vendor = submitted.vendor
    vendor.refresh_from_db()
    vendor_flag_reassessment(
        vendor, reason="Material change: health data added.", flagged_by=reviewer
    )
    client.force_login(lead)

    response = client.post(sign_off_url(submitted), APPROVE)

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Decision recorded: Approved.",
        "Quillnote AI still needs a reassessment: this assessment was submitted on 15 Jun 2025, "
        "before the reassessment became required (Material change: health data added). Start "
        "a new one.",
    ]
    vendor.refresh_from_db()
    assert (vendor.status, vendor.reassessment_required) == (VendorStatus.APPROVED, True)
