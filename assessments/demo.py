"""Demo assessments for `seed_demo`: drafts, submitted and decided ones across the demo
vendors. Needs the question banks loaded first (`make run` does that)."""

import datetime as dt

from django.contrib.auth import get_user_model

from assessments import rules, services
from assessments.models import AnswerType, AssessmentStatus, QuestionnaireTemplate
from assessments.selectors import suggested_template
from vendors.models import Vendor

# vendor name -> (final status, share of questions answered, share of answers that fall
# short). Together they show every tier and at least one blocked data class.
PLAN = {
    "Tessellate CRM Assist": (AssessmentStatus.APPROVED, 1.0, 0.0),
    "Larkspur Language Cloud": (AssessmentStatus.APPROVED_WITH_CONDITIONS, 1.0, 0.25),
    "Wellspring Scribe": (AssessmentStatus.SUBMITTED, 1.0, 0.45),
    "Cobaltline Code Companion": (AssessmentStatus.REJECTED, 1.0, 0.8),
    "Quillmark Notes": (AssessmentStatus.DRAFT, 0.6, 0.2),
    "Harborline Inference": (AssessmentStatus.DRAFT, 0.2, 0.2),
}


def _good_answer(question, vendor):
    """A plausible favourable answer for any question type."""
    kind = question.answer_type
    if kind == AnswerType.YES_NO:
        return "yes"
    if kind == AnswerType.SINGLE_CHOICE:
        return min(question.options, key=lambda o: o["risk"])["value"]
    if kind == AnswerType.MULTIPLE_CHOICE:
        return [min(question.options, key=lambda o: o["risk"])["value"]]
    if kind == AnswerType.NUMBER:
        first = question.bands[0]["max"] if question.bands else 0
        return first if first is not None else 0
    if kind == AnswerType.DATE:
        return (dt.date.today() - dt.timedelta(days=120)).isoformat()
    if kind == AnswerType.TEXT:
        return "Documented in the vendor's trust centre; checked by the reviewer."
    evidence = vendor.evidence.first()
    return evidence.pk if evidence else None


def _weak_answer(question):
    """The riskiest answer a question allows (None where there is nothing to weaken)."""
    if question.answer_type == AnswerType.YES_NO:
        return "no"
    if question.answer_type in (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE):
        worst = max(question.options, key=lambda o: o["risk"])["value"]
        return worst if question.answer_type == AnswerType.SINGLE_CHOICE else [worst]
    return None


def _explain_prefilled(assessment, question, reviewer) -> None:
    """An answer taken from the evidence that falls short still needs the reviewer's why."""
    answer = assessment.answers.get(question=question)
    if answer.value in rules.YES_NO_NEEDS_COMMENT and not answer.comment:
        services.answer_save(
            assessment=assessment, question=question, answered_by=reviewer, value=answer.value,
            comment="As the vendor's recorded evidence says; follow-up agreed.",
        )  # fmt: skip


def _fill(assessment, share: float, weak_share: float, reviewer) -> None:
    questions = list(assessment.template.questions.order_by("order"))
    # The profile and the recorded evidence have answered some questions already.
    given = set(assessment.answers.values_list("question__key", flat=True))
    limit = round(len(questions) * share)
    for index, question in enumerate(questions[:limit]):
        if question.key in given:
            _explain_prefilled(assessment, question, reviewer)
            continue
        value = _good_answer(question, assessment.vendor)
        comment = ""
        # Spread the weak answers evenly through the bank, deterministically.
        if int((index + 1) * weak_share) > int(index * weak_share):
            weak = _weak_answer(question)
            if weak is not None:
                value = weak
                comment = "The vendor could not show this control; follow-up agreed."
        if value is None:
            continue
        try:
            services.answer_save(
                assessment=assessment, question=question, answered_by=reviewer, value=value,
                comment=comment,
            )  # fmt: skip
        except services.QuestionNotApplicable:
            continue


def seed(stdout) -> None:
    templates = list(QuestionnaireTemplate.objects.filter(active=True))
    if not templates:
        stdout.write("  no question banks loaded; run `python manage.py load_question_bank`")
        return
    User = get_user_model()
    reviewer = User.objects.get(username="reviewer")
    lead = User.objects.get(username="lead")

    for name, (status, share, shortfalls) in PLAN.items():
        vendor = Vendor.objects.filter(name=name).first()
        if vendor is None or vendor.assessments.exists():
            stdout.write(f"  kept    assessment of {name}")
            continue
        template = suggested_template(vendor, templates) or templates[0]
        assessment = services.assessment_start(
            vendor=vendor, template=template, started_by=reviewer,
            due_date=dt.date.today() + dt.timedelta(days=21),
        )  # fmt: skip
        _fill(assessment, share, shortfalls, reviewer)
        if status != AssessmentStatus.DRAFT:
            try:
                services.assessment_submit(assessment, submitted_by=reviewer)
            except services.SubmissionIncomplete as incomplete:
                stdout.write(f"  {name}: left as draft ({len(incomplete.problems)} open)")
                continue
        if status not in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
            conditions = ""
            if status == AssessmentStatus.APPROVED_WITH_CONDITIONS:
                conditions = "Enable zero-retention mode and send us the updated DPA annex."
            try:
                services.assessment_sign_off(
                    assessment, lead=lead, decision=status, comment="Reviewed with the team.",
                    conditions=conditions, conditions_due=dt.date.today() + dt.timedelta(days=60),
                )  # fmt: skip
            except services.SignOffRefused as refused:
                services.assessment_sign_off(
                    assessment, lead=lead, decision=AssessmentStatus.REJECTED, comment=str(refused)
                )
                status = AssessmentStatus.REJECTED
        assessment.refresh_from_db()
        stdout.write(
            f"  created {status.label.lower()} assessment of {name} ({template.name})"
            + (f": {assessment.tier}, {assessment.residual_score}" if assessment.tier else "")
        )
    seed_incident(stdout, reviewer)


def seed_incident(stdout, reviewer) -> None:
    """One recent incident, so the dashboard and the impact page show real content."""
    from vendors.models import Incident
    from vendors.services import incident_record

    vendor = Vendor.objects.filter(name="Larkspur Language Cloud").first()
    if vendor is None or Incident.objects.exists():
        stdout.write("  kept    incidents")
        return
    incident_record(
        vendor=vendor, recorded_by=reviewer,
        title="Cached conversation titles shown to other customers",
        date_disclosed=dt.date.today() - dt.timedelta(days=12), severity="high",
        summary=(
            "A bug in an open-source caching library let some users see the titles of other "
            "customers' conversations and, for a short window, partial billing details."
        ),
        data_classes=["internal"], data_categories=["personal", "payment_card"],
        source_link="https://status.larkspur-language.example/incidents/2026-11",
    )  # fmt: skip
    stdout.write(f"  created incident at {vendor.name}")
