"""assessments.services: saving answers, submitting, starting (and carrying forward)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Answer, AssessmentStatus
from tests.assessments.bank_builders import every_type_bank
from tests.vendors.factories import EvidenceFactory, VendorFactory


def save(assessment, key, value, user, **kwargs):
    question = assessment.template.questions.get(key=key)
    return services.answer_save(
        assessment=assessment, question=question, answered_by=user, value=value, **kwargs
    )


def complete(assessment, user):
    """Answer every required question of the mini bank acceptably."""
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "yes", user)
    save(assessment, "subprocessors_disclosed", "partial", user, comment="Only the main ones.")
    save(assessment, "breach_hours", "48", user)


@pytest.fixture
def every_type(load_bank, reviewer):
    # Its own vendor: a vendor has at most one draft at a time.
    template = load_bank(every_type_bank())
    return services.assessment_start(vendor=VendorFactory(), template=template, started_by=reviewer)


# --- Normalising each answer type -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw", "stored"),
    [
        ("encrypted", "yes", "yes"),
        ("encrypted", ["partial"], "partial"),
        ("training_default", "opt_in", "opt_in"),
        ("regions", ["us", "eu", "us"], ["eu", "us"]),
        ("regions", "apac", ["apac"]),
        ("retention_days", "30", 30),
        ("retention_days", " 7.5 ", 7.5),
        ("retention_days", "0", 0),
        ("retention_days", 14, 14),
        ("uptime_percent", "100", 100),
        ("uptime_percent", "99.95", 99.95),
        ("audit_date", "2026-01-31", "2026-01-31"),
        ("notes", "  Asked for the pen test.  ", "Asked for the pen test."),
        ("notes", "   ", None),
        ("encrypted", "", None),
        ("regions", [], None),
    ],
)
def test_answer_save_stores_each_type_normalised(every_type, reviewer, key, raw, stored):
    answer = save(every_type, key, raw, reviewer)
    answer.refresh_from_db()
    assert answer.value == stored
    assert answer.answered_by == reviewer
    assert answer.version == 1


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("retention_days", "-1", "Enter a number of zero or more."),
        ("retention_days", "about a month", "Enter a number, for example 72."),
        ("retention_days", "NaN", "Enter a number of zero or more."),
        ("retention_days", "Infinity", "Enter a number of zero or more."),
        ("uptime_percent", "100.5", "A percentage is at most 100."),
        ("audit_date", "31/01/2026", "Enter a date as YYYY-MM-DD."),
        ("audit_date", "2026-02-30", "Enter a date as YYYY-MM-DD."),
        ("notes", "x" * (services.MAX_TEXT_ANSWER + 1), "Keep the answer under 5000 characters."),
    ],
)
def test_answer_save_refuses_a_value_of_the_wrong_shape(every_type, reviewer, key, raw, message):
    with pytest.raises(ValidationError) as refused:
        save(every_type, key, raw, reviewer)
    assert refused.value.messages == [message]
    assert not Answer.objects.exists()


def test_an_absurdly_large_number_is_refused_as_invalid(every_type, reviewer):
    with pytest.raises(ValidationError):
        save(every_type, "retention_days", "1e5000", reviewer)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("encrypted", "maybe", "“maybe” is not one of the answers to this question."),
        ("training_default", "always", "“always” is not one of the answers to this question."),
        ("regions", ["eu", "mars", "moon"], "Not answers to this question: mars, moon."),
        (
            "encrypted",
            "not_applicable",
            "“Not applicable” is not allowed for this question: answer yes, partial or no (a "
            "control that is missing is a “no”).",
        ),
    ],
)
def test_answer_save_refuses_unknown_options_naming_them(every_type, reviewer, key, raw, message):
    with pytest.raises(ValidationError) as refused:
        save(every_type, key, raw, reviewer)
    assert refused.value.messages == [message]
    assert not Answer.objects.exists()


def test_a_saved_answer_keeps_its_comment_trimmed(assessment, reviewer):
    answer = save(assessment, "soc2_current", "no", reviewer, comment="  Report expired.  ")
    assert answer.comment == "Report expired."


def test_a_question_of_another_template_is_refused(assessment, every_type, reviewer):
    foreign = every_type.template.questions.get(key="encrypted")
    with pytest.raises(ValidationError, match="another questionnaire"):
        services.answer_save(
            assessment=assessment, question=foreign, answered_by=reviewer, value="yes"
        )


# --- Evidence -------------------------------------------------------------------------------


def test_evidence_of_the_vendor_is_linked(assessment, reviewer):
    evidence = EvidenceFactory(vendor=assessment.vendor, kind="soc2")
    answer = save(assessment, "soc2_current", "yes", reviewer, evidence_id=evidence.pk)
    assert answer.evidence == evidence


def test_evidence_of_another_vendor_is_refused(assessment, reviewer):
    elsewhere = EvidenceFactory(vendor=VendorFactory(), kind="soc2")
    with pytest.raises(ValidationError, match="belongs to another vendor"):
        save(assessment, "soc2_current", "yes", reviewer, evidence_id=elsewhere.pk)
    assert not Answer.objects.exists()


def test_an_evidence_answer_of_another_vendor_is_refused(every_type, reviewer):
    elsewhere = EvidenceFactory(vendor=VendorFactory(), kind="soc2")
    with pytest.raises(ValidationError, match="belongs to another vendor"):
        save(every_type, "soc2_report", str(elsewhere.pk), reviewer)
    assert not Answer.objects.exists()


def test_an_evidence_answer_links_the_evidence(every_type, reviewer):
    evidence = EvidenceFactory(vendor=every_type.vendor, kind="soc2")
    answer = save(every_type, "soc2_report", str(evidence.pk), reviewer)
    assert (answer.value, answer.evidence) == (evidence.pk, evidence)


# --- Versions, locks and conditions ---------------------------------------------------------


def test_each_save_bumps_the_version(assessment, reviewer, lead):
    first = save(assessment, "soc2_current", "no", reviewer, comment="x", base_version=0)
    second = save(assessment, "soc2_current", "yes", lead, base_version=first.version)
    assert (first.version, second.version) == (1, 2)
    assert (second.value, second.answered_by, second.comment) == ("yes", lead, "")
    assert Answer.objects.count() == 1


def test_a_stale_base_version_raises_a_conflict_and_keeps_the_saved_answer(
    assessment, reviewer, lead
):
    save(assessment, "soc2_current", "yes", reviewer, base_version=0)

    with pytest.raises(services.AnswerConflict) as conflict:
        save(assessment, "soc2_current", "no", lead, comment="Expired.", base_version=0)

    assert conflict.value.current.value == "yes"
    assert conflict.value.current.answered_by == reviewer
    assert conflict.value.current.version == 1
    assert Answer.objects.get().value == "yes"


def test_a_first_save_naming_a_version_that_never_existed_is_a_conflict(assessment, reviewer):
    with pytest.raises(services.AnswerConflict) as conflict:
        save(assessment, "soc2_current", "yes", reviewer, base_version=3)
    assert conflict.value.current is None
    assert not Answer.objects.exists()


def test_without_a_base_version_the_save_overwrites(assessment, reviewer, lead):
    save(assessment, "soc2_current", "yes", reviewer)
    assert save(assessment, "soc2_current", "no", lead, comment="Lapsed.").version == 2


def test_a_submitted_assessment_is_locked(assessment, reviewer):
    complete(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)

    with pytest.raises(services.AssessmentLocked):
        save(assessment, "soc2_current", "no", reviewer, comment="Changed my mind.")
    assert Answer.objects.get(question__key="soc2_current").value == "yes"


def test_a_hidden_conditional_question_is_not_applicable(assessment, reviewer):
    with pytest.raises(services.QuestionNotApplicable):
        save(assessment, "subprocessors_disclosed", "yes", reviewer)

    save(assessment, "uses_subprocessors", "no", reviewer)
    with pytest.raises(services.QuestionNotApplicable):
        save(assessment, "subprocessors_disclosed", "yes", reviewer)

    save(assessment, "uses_subprocessors", "yes", reviewer)
    assert save(assessment, "subprocessors_disclosed", "yes", reviewer).value == "yes"


# --- Submission -----------------------------------------------------------------------------


def test_submission_lists_what_is_missing_and_changes_nothing(assessment, reviewer):
    save(assessment, "soc2_current", "no", reviewer)

    with pytest.raises(services.SubmissionIncomplete) as incomplete:
        services.assessment_submit(assessment, submitted_by=reviewer)

    assert [(p.question_key, p.section_key, p.reason) for p in incomplete.value.problems] == [
        ("soc2_current", "basics", "answered “no” without a comment saying why"),
        ("uses_subprocessors", "basics", "not answered"),
        ("breach_hours", "ops", "not answered"),
    ]
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_at) == (AssessmentStatus.DRAFT, None)


def test_a_complete_assessment_is_submitted_by_whom_and_when(assessment, reviewer, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), tick=False)
    complete(assessment, reviewer)

    services.assessment_submit(assessment, submitted_by=reviewer)

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.submitted_by == reviewer
    assert assessment.submitted_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert not assessment.is_editable


def test_submitting_twice_is_refused(assessment, reviewer):
    complete(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    with pytest.raises(services.AssessmentLocked):
        services.assessment_submit(assessment, submitted_by=reviewer)


# --- Starting and carrying forward ----------------------------------------------------------


def test_a_first_assessment_starts_empty(assessment, reviewer, vendor, mini_template):
    assert (assessment.vendor, assessment.template) == (vendor, mini_template)
    assert (assessment.status, assessment.created_by) == (AssessmentStatus.DRAFT, reviewer)
    assert assessment.previous is None
    assert not assessment.answers.exists()


@pytest.fixture
def reassessment(assessment, reviewer, lead, mini_template):
    complete(assessment, reviewer)
    save(assessment, "hosting", ["eu"], reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    return services.assessment_start(
        vendor=assessment.vendor, template=mini_template, started_by=lead
    )


def test_a_reassessment_carries_the_previous_answers_forward(assessment, reassessment, reviewer):
    assert reassessment.previous == assessment
    carried = {a.question.key: a for a in reassessment.answers.select_related("question")}
    assert {k: a.value for k, a in carried.items()} == {
        "soc2_current": "yes",
        "uses_subprocessors": "yes",
        "subprocessors_disclosed": "partial",
        "breach_hours": 48,
        "hosting": ["eu"],
    }
    assert carried["subprocessors_disclosed"].comment == "Only the main ones."
    assert all(a.carried_forward and a.answered_by == reviewer for a in carried.values())
    assert assessment.answers.count() == 5  # the previous assessment keeps its own


def test_carried_forward_answers_must_be_confirmed_before_submission(reassessment, lead):
    with pytest.raises(services.SubmissionIncomplete) as incomplete:
        services.assessment_submit(reassessment, submitted_by=lead)
    assert {p.question_key for p in incomplete.value.problems} == {
        "soc2_current", "uses_subprocessors", "subprocessors_disclosed", "breach_hours",
        "hosting",
    }  # fmt: skip
    assert all("carried forward" in p.reason for p in incomplete.value.problems)


def test_saving_the_same_value_again_confirms_a_carried_answer(reassessment, lead):
    answer = save(reassessment, "breach_hours", "48", lead, base_version=1)
    assert (answer.value, answer.carried_forward, answer.version) == (48, False, 2)
    assert answer.answered_by == lead


def test_a_confirmed_reassessment_can_be_submitted(reassessment, lead):
    for answer in reassessment.answers.select_related("question"):
        save(reassessment, answer.question.key, answer.value, lead, comment=answer.comment)
    services.assessment_submit(reassessment, submitted_by=lead)
    reassessment.refresh_from_db()
    assert reassessment.status == AssessmentStatus.SUBMITTED


def test_answers_no_longer_valid_in_the_new_template_are_not_carried(
    assessment, reviewer, load_bank, mini_template
):
    complete(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    changed = {
        "bank": {"key": "mini", "name": "Mini bank", "version": 2},
        "sections": [
            {
                "key": "basics",
                "title": "Basics",
                "questions": [
                    # Same key, another type: not carried.
                    {
                        "key": "soc2_current", "text": "SOC 2 date?", "domain": "certifications",
                        "type": "date", "weight": 1, "frameworks": ["SOC2:CC4.1"],
                    },
                    # Same key and type, the old answer is no longer an option: not carried.
                    {
                        "key": "uses_subprocessors", "text": "Sub-processors?",
                        "domain": "subprocessors", "type": "single_choice", "weight": 1,
                        "options": [
                            {"value": "some", "label": "Some", "risk": 0.5},
                            {"value": "none", "label": "None", "risk": 0.0},
                        ],
                        "frameworks": ["GDPR:28(2)"],
                    },
                    # Unchanged: carried.
                    {
                        "key": "breach_hours", "text": "Breach hours?", "domain": "incident_response",
                        "type": "number", "unit": "hours", "weight": 1,
                        "bands": [{"max": 24, "risk": 0.0}, {"max": None, "risk": 1.0}],
                        "frameworks": ["GDPR:33"],
                    },
                ],
            }
        ],
    }  # fmt: skip
    version_2 = load_bank(changed)

    again = services.assessment_start(
        vendor=assessment.vendor, template=version_2, started_by=reviewer
    )

    carried = dict(again.answers.values_list("question__key", "value"))
    assert carried == {"breach_hours": 48}
    assert again.answers.get().question.template == version_2


def test_open_draft_finds_the_vendors_draft_only(assessment, reviewer, vendor):
    assert services.open_draft(vendor) == assessment
    assert services.open_draft(VendorFactory()) is None
    complete(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=reviewer)
    assert services.open_draft(vendor) is None
