"""Issue 13 through the services and the JSON autosave endpoint, on the shipped banks: no free
"not applicable", the profile answers its scope questions, a bank assesses only the profiles it
declares, answers that contradict the evidence must be justified and score as the evidence,
and the dangerous vendor of the issue cannot come out Low or get Confidential or Restricted."""

import datetime as dt

import pytest
from django.urls import reverse

from assessments import reminders, rules, services
from assessments.loader import BANKS_DIR, load_banks
from assessments.models import Answer, AssessmentStatus, QuestionnaireTemplate
from tests.vendors.factories import EvidenceFactory, VendorFactory

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=True)


@pytest.fixture
def banks(db):
    result = load_banks(sorted(BANKS_DIR.glob("*.yaml")))
    assert not result.errors
    return {t.key: t for t in QuestionnaireTemplate.objects.filter(active=True)}


@pytest.fixture
def full(banks):
    return banks["ai-due-diligence"]


@pytest.fixture
def lite(banks):
    return banks["ai-lite"]


@pytest.fixture
def health_vendor(db):
    """The issue's vendor: Restricted data with health and personal data, high criticality."""
    return VendorFactory(
        name="Carepath AI", data_classes=["restricted"], special_categories=["health", "personal"],
        criticality="high", autonomy="none", integration="api",
    )  # fmt: skip


def autosave(client, assessment, key, value, **fields):
    data = {"value": value, "version": fields.pop("version", 0), **fields}
    return client.post(reverse("answer_autosave", args=[assessment.pk, key]), data)


# --- "Not applicable" is a claim ---------------------------------------------------------------


def test_autosave_refuses_not_applicable_where_the_bank_does_not_allow_it(
    client, reviewer, full, health_vendor
):
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    client.force_login(reviewer)

    response = autosave(client, assessment, "tenant_isolation", "not_applicable")

    assert response.status_code == 400
    assert "“Not applicable” is not allowed for this question" in response.json()["message"]
    assert not Answer.objects.filter(assessment=assessment, question__key="tenant_isolation")


def test_autosave_accepts_not_applicable_where_the_bank_allows_it(
    client, reviewer, full, health_vendor
):
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    client.force_login(reviewer)

    response = autosave(
        client, assessment, "api_key_controls", "not_applicable", comment="Web app only."
    )

    assert response.status_code == 200
    assert response.json()["saved"]["value"] == "not_applicable"


def test_only_a_few_controls_of_the_full_bank_may_be_declared_not_applicable(full):
    allowed = [q.key for q in full.questions.all() if rules.na_allowed(q)]
    assert len(allowed) <= 8
    assert "tenant_isolation" not in allowed and "soc2_type2_current" not in allowed


# --- The profile answers the scope questions ---------------------------------------------------


def test_the_profile_answers_the_scope_questions_at_start(reviewer, full, health_vendor):
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    values = dict(assessment.answers.values_list("question__key", "value"))
    assert values["health_data_in_scope"] == "processed"
    assert values["card_data_in_scope"] == "not_processed"
    assert values["ai_actions_on_company_systems"] == "none"


def test_autosave_refuses_a_scope_answer_that_contradicts_the_profile(
    client, reviewer, full, health_vendor
):
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    client.force_login(reviewer)

    response = autosave(client, assessment, "health_data_in_scope", "not_processed", version=1)

    assert response.status_code == 400
    assert (
        "The vendor profile answers this question (“Yes, health data or PHI”)"
        in (response.json()["message"])
    )
    answer = Answer.objects.get(assessment=assessment, question__key="health_data_in_scope")
    assert answer.value == "processed"


def test_the_baa_question_applies_because_the_profile_says_health_data(
    reviewer, full, health_vendor
):
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    question = full.questions.get(key="hipaa_baa")
    answer = services.answer_save(
        assessment=assessment, question=question, answered_by=reviewer, value="yes"
    )
    assert answer.value == "yes"


# --- A bank assesses only what it declares -------------------------------------------------------


def test_the_lite_bank_cannot_start_for_restricted_health_data(reviewer, lite, health_vendor):
    with pytest.raises(services.BankCannotAssess) as refused:
        services.assessment_start(vendor=health_vendor, template=lite, started_by=reviewer)
    message = refused.value.message
    assert "cannot assess Carepath AI" in message
    # Personal data is Confidential, health data Restricted: the profile needs both.
    assert (
        "it covers data up to Internal; the vendor would receive Confidential, Restricted data"
        in message
    )
    assert "it does not ask about personal data, health data" in message


def test_the_start_page_refuses_the_lite_bank_with_the_reason(
    client, reviewer, lite, health_vendor
):
    client.force_login(reviewer)
    url = reverse("assessment_start", args=[health_vendor.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"template": lite.pk})

    assert "cannot assess Carepath AI" in page
    assert response.status_code == 400
    assert "cannot assess Carepath AI" in response.content.decode()
    assert not health_vendor.assessments.exists()


def test_internal_data_only_may_use_the_lite_bank(reviewer, lite):
    vendor = VendorFactory(data_classes=["internal"])
    assessment = services.assessment_start(vendor=vendor, template=lite, started_by=reviewer)
    assert assessment.template == lite


def test_personal_data_alone_is_beyond_the_lite_bank(reviewer, lite):
    """Personal data is Confidential whatever class the rest of the data has."""
    vendor = VendorFactory(data_classes=["internal"], special_categories=["personal"])
    with pytest.raises(services.BankCannotAssess):
        services.assessment_start(vendor=vendor, template=lite, started_by=reviewer)


def test_submitting_a_lite_draft_after_the_profile_grew_is_refused(reviewer, lite):
    vendor = VendorFactory(data_classes=["internal"])
    assessment = services.assessment_start(vendor=vendor, template=lite, started_by=reviewer)
    vendor.special_categories = ["health"]
    vendor.save()

    with pytest.raises(services.BankCannotAssess):
        services.assessment_submit(assessment, submitted_by=reviewer)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_a_reminder_draft_takes_the_bank_that_covers_the_current_profile(
    reviewer, lead, lite, full
):
    vendor = VendorFactory(
        data_classes=["internal"], status="approved", approved_data_classes=["internal"],
        next_reassessment_date=TODAY + dt.timedelta(days=10),
    )  # fmt: skip
    first = services.assessment_start(vendor=vendor, template=lite, started_by=reviewer)
    first.status = AssessmentStatus.APPROVED
    first.save()
    vendor.autonomy = "autonomous_broad"  # the profile grew since the Lite assessment
    vendor.save()

    drafts = reminders._create_due_drafts(TODAY)

    assert [d.template for d in drafts] == [full]


# --- Answers against the recorded evidence ---------------------------------------------------------


@pytest.fixture
def trains_on_data(reviewer, full, health_vendor):
    EvidenceFactory(
        vendor=health_vendor, kind="training", training_default="on_no_opt_out",
        document_date=TODAY,
    )  # fmt: skip
    return services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)


def test_an_unanswered_question_is_prefilled_from_the_evidence(trains_on_data):
    answer = trains_on_data.answers.get(question__key="training_default")
    assert answer.value == "on_no_opt_out"
    assert answer.answered_by is None and answer.comment == ""


def test_an_answer_better_than_the_evidence_is_a_contradiction(trains_on_data, reviewer, full):
    question = full.questions.get(key="training_default")
    answer = trains_on_data.answers.get(question=question)
    services.answer_save(
        assessment=trains_on_data, question=question, answered_by=reviewer, value="never",
        base_version=answer.version, comment="",
    )  # fmt: skip

    found = services.answer_contradictions(trains_on_data)

    assert found == {
        "training_default": "the Training-data use record says “Yes by default, with no opt-out”"
    }
    problems = {
        p.question_key: p.reason
        for p in rules.submission_problems(
            list(full.questions.select_related("section")),
            dict(trains_on_data.answers.values_list("question__key", "value")),
            {},
            frozenset(),
            found,
        )  # fmt: skip
    }
    assert problems["training_default"].startswith("contradicts the recorded evidence")


def test_a_justified_contradiction_still_scores_as_the_evidence(trains_on_data, reviewer, full):
    question = full.questions.get(key="training_default")
    answer = trains_on_data.answers.get(question=question)
    services.answer_save(
        assessment=trains_on_data, question=question, answered_by=reviewer, value="never",
        base_version=answer.version, comment="They told us on a call it changed.",
    )  # fmt: skip

    score = services.score_assessment(trains_on_data, TODAY)

    internal = next(g for g in score.gates if g["data_class"] == "internal")
    assert not internal["allowed"]
    assert any("no opt-out" in reason for reason in internal["reasons"])
    finding = trains_on_data.findings.get(kind="contradicts")
    assert finding.severity == "high"


# --- The dangerous vendor of the issue -------------------------------------------------------------

NOT_APPLICABLE_CLAIMS = [
    "soc2_type2_current", "soc2_scope_covers_ai_service", "soc2_opinion_unqualified",
    "iso27001_current", "iso42001_certified", "pentest_current_remediated", "tenant_isolation",
    "vendor_staff_access_restricted", "sso_enforced", "scim_deprovisioning",
    "rbac_least_privilege", "audit_log_access", "ai_interaction_logs",
    "vendor_security_monitoring", "model_production_monitoring", "prompt_injection_defences",
    "sensitive_output_controls", "model_supply_chain", "data_poisoning_controls",
    "output_handling", "system_prompt_hygiene", "vector_store_isolation",
    "hallucination_controls", "consumption_limits", "bcdr_tested", "model_provider_fallback",
    "model_change_notice",
]  # fmt: skip


def best_value(question):
    if question.answer_type == "yes_no":
        return "yes"
    if question.answer_type in ("single_choice", "multiple_choice"):
        best = min(question.options, key=lambda o: o["risk"])["value"]
        return [best] if question.answer_type == "multiple_choice" else best
    if question.answer_type == "number":
        return question.bands[0]["max"] if question.bands[0]["max"] is not None else 100
    if question.answer_type == "date":
        return TODAY.isoformat()
    return "See the trust centre."


def test_the_dangerous_vendor_can_no_longer_get_restricted_data(reviewer, full, health_vendor):
    """27 controls "not applicable" (written straight to the database, as an old import or the
    admin could), every other answer favourable, the scope answered "no health data", and the
    evidence recorded only as dates."""
    EvidenceFactory(
        vendor=health_vendor, kind="soc2", period_start=TODAY - dt.timedelta(days=200),
        period_end=TODAY - dt.timedelta(days=20),
    )  # fmt: skip
    EvidenceFactory(vendor=health_vendor, kind="dpa", signed_date=TODAY - dt.timedelta(days=30))
    assessment = services.assessment_start(vendor=health_vendor, template=full, started_by=reviewer)
    Answer.objects.filter(assessment=assessment).delete()
    questions = list(full.questions.all())
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            question=q,
            answered_by=reviewer,
            value="not_applicable"
            if q.key in NOT_APPLICABLE_CLAIMS
            else "not_processed"
            if q.key.endswith("_in_scope")
            else best_value(q),
        )  # fmt: skip
        for q in questions
    )

    # Submission refuses every claim the bank does not allow.
    with pytest.raises(services.SubmissionIncomplete) as incomplete:
        services.assessment_submit(assessment, submitted_by=reviewer)
    refused = {p.question_key for p in incomplete.value.problems}
    assert set(NOT_APPLICABLE_CLAIMS) - {"vector_store_isolation"} <= refused

    # Scored anyway, the claims count as "no": High or Critical, nothing sensitive allowed.
    score = services.score_assessment(assessment, TODAY)
    assert score.tier in ("high", "critical")
    assert score.allowed_classes == ["public"] or score.allowed_classes == []
    restricted = next(g for g in score.gates if g["data_class"] == "restricted")
    reasons = " ".join(restricted["reasons"])
    assert "GDPR Art. 28(3) terms" in reasons
    assert "SOC 2" in reasons
    # The profile, not the answer, decided that health data is processed: the BAA applies.
    assert "hipaa_baa" in {f.question_key for f in assessment.findings.all()}
