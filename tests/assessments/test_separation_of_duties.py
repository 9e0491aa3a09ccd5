"""Separation of duties: the lead who signs off or sends back an assessment took no part in it.

Taking part is starting the assessment, saving any answer (also confirming a carried-forward
one) or submitting it, and is recorded in `Assessment.contributors` by the services. Answers
carried forward from an earlier assessment are not taking part. The rule lives in the service,
so the page, the admin and scripts obey it; the page says why it offers no decision form.
"""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.roles import Role
from assessments import services
from assessments.models import AssessmentStatus
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus

TOOK_PART = (
    "You took part in this assessment (you started, answered or submitted part of it); "
    "another security lead must sign it off."
)


@pytest.fixture(autouse=True)
def today(time_machine):
    # tick=True: django-auditlog names its receivers by time.time(), which must keep moving.
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=True)


@pytest.fixture
def second_lead(db):
    return UserFactory(username="lead2", first_name="Lou", last_name="Second", role=Role.LEAD)


def save(assessment, key, value, user, **kwargs):
    question = assessment.template.questions.get(key=key)
    return services.answer_save(
        assessment=assessment, question=question, answered_by=user, value=value, **kwargs
    )


def answer_well(assessment, user):
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "no", user)
    save(assessment, "breach_hours", 24, user)


def approve(assessment, lead):
    return services.assessment_sign_off(assessment, lead=lead, decision="approved")


def assert_undecided(assessment):
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.decided_by is None


# --- Who took part ----------------------------------------------------------------------------


def test_the_starter_the_writers_and_the_submitter_are_contributors(
    mini_template, vendor, reviewer, lead, second_lead
):
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
    save(draft, "soc2_current", "yes", lead)
    save(draft, "uses_subprocessors", "no", reviewer)
    save(draft, "breach_hours", 24, reviewer)
    services.assessment_submit(draft, submitted_by=second_lead)

    assert set(draft.contributors.all()) == {reviewer, lead, second_lead}


def test_a_draft_started_by_the_reminder_sweep_has_no_contributor(mini_template, vendor):
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=None)
    assert not draft.contributors.exists()


# --- The service ------------------------------------------------------------------------------


def test_a_lead_who_answered_one_question_cannot_sign_off_after_a_reviewer_resubmits(
    assessment, reviewer, lead, second_lead
):
    answer_well(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    services.assessment_send_back(assessment, lead=second_lead, comment="Where is it hosted?")
    save(assessment, "hosting", ["eu"], lead)  # the lead fills in the one gap themselves
    services.assessment_submit(assessment, submitted_by=reviewer)

    with pytest.raises(services.SignOffRefused) as refused:
        approve(assessment, lead)
    assert str(refused.value) == TOOK_PART
    assert_undecided(assessment)

    with pytest.raises(services.SignOffRefused, match="You took part in this assessment"):
        services.assessment_send_back(assessment, lead=lead, comment="Let me look again.")
    assert_undecided(assessment)

    # Sending it back is not taking part: the second lead still decides.
    approve(assessment, second_lead)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.decided_by) == (AssessmentStatus.APPROVED, second_lead)


def test_the_lead_who_started_it_cannot_sign_off(mini_template, vendor, reviewer, lead):
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=lead)
    answer_well(draft, reviewer)
    services.assessment_submit(draft, submitted_by=reviewer)

    with pytest.raises(services.SignOffRefused, match="You took part in this assessment"):
        approve(draft, lead)
    assert_undecided(draft)


def test_a_lead_who_took_no_part_signs_off(assessment, reviewer, lead):
    answer_well(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)

    approve(assessment, lead)

    assessment.refresh_from_db()
    assessment.vendor.refresh_from_db()
    assert assessment.decided_by == lead
    assert assessment.vendor.status == VendorStatus.APPROVED


def test_answers_carried_forward_from_the_leads_earlier_assessment_are_not_taking_part(
    mini_template, reviewer, lead, second_lead
):
    vendor = VendorFactory(name="Returning AI")
    first = services.assessment_start(vendor=vendor, template=mini_template, started_by=lead)
    answer_well(first, lead)
    services.assessment_submit(first, submitted_by=lead)
    approve(first, second_lead)

    again = services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
    carried = list(again.answers.select_related("question"))
    assert carried and all(a.carried_forward and a.answered_by == lead for a in carried)
    assert set(again.contributors.all()) == {reviewer}
    for answer in carried:  # the reviewer confirms each carried answer
        save(again, answer.question.key, answer.value, reviewer, base_version=answer.version)
    services.assessment_submit(again, submitted_by=reviewer)

    approve(again, lead)

    again.refresh_from_db()
    assert again.decided_by == lead
    assert set(again.contributors.all()) == {reviewer}


@pytest.mark.parametrize("who", ["reviewer", "procurement", "outsider"])
def test_only_a_security_lead_signs_off_or_sends_back(users_by_role, submitted_by_reviewer, who):
    user = users_by_role[who]

    with pytest.raises(services.SignOffRefused, match="Only a security lead"):
        approve(submitted_by_reviewer, user)
    with pytest.raises(services.SignOffRefused, match="Only a security lead"):
        services.assessment_send_back(submitted_by_reviewer, lead=user, comment="Redo it.")
    assert_undecided(submitted_by_reviewer)


def test_an_administrator_who_took_no_part_signs_off(administrator, submitted_by_reviewer):
    approve(submitted_by_reviewer, administrator)
    submitted_by_reviewer.refresh_from_db()
    assert submitted_by_reviewer.decided_by == administrator


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def submitted_by_reviewer(assessment, reviewer):
    answer_well(assessment, reviewer)
    return services.assessment_submit(assessment, submitted_by=reviewer)


@pytest.fixture
def answered_by_lead(assessment, reviewer, lead):
    """Submitted by the reviewer; the lead answered one question."""
    save(assessment, "soc2_current", "yes", lead)
    save(assessment, "uses_subprocessors", "no", reviewer)
    save(assessment, "breach_hours", 24, reviewer)
    return services.assessment_submit(assessment, submitted_by=reviewer)


def test_a_lead_who_took_part_is_told_why_and_offered_no_decision_form(
    client, lead, answered_by_lead
):
    client.force_login(lead)

    html = client.get(reverse("assessment_detail", args=[answered_by_lead.pk])).content.decode()

    assert 'data-testid="sign-off"' not in html
    assert reverse("assessment_send_back", args=[answered_by_lead.pk]) not in html
    assert TOOK_PART in html


def test_a_lead_who_took_no_part_is_offered_the_decision_form(
    client, second_lead, answered_by_lead
):
    client.force_login(second_lead)

    html = client.get(reverse("assessment_detail", args=[answered_by_lead.pk])).content.decode()

    assert 'data-testid="sign-off"' in html
    assert TOOK_PART not in html


@pytest.mark.parametrize("view", ["assessment_sign_off", "assessment_send_back"])
def test_a_post_by_a_lead_who_took_part_is_403_with_the_reason(
    client, lead, answered_by_lead, view
):
    client.force_login(lead)

    response = client.post(
        reverse(view, args=[answered_by_lead.pk]),
        {"decision": "approved", "comment": "Looks fine to me."},
    )

    assert response.status_code == 403
    assert "You took part in this assessment" in response.content.decode()
    assert_undecided(answered_by_lead)
