"""Demo assessments for `seed_demo`: drafts, submitted and decided ones across the demo
vendors. Needs the question banks loaded first (`make run` does that)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import services
from assessments.models import AnswerType, Assessment, AssessmentStatus, QuestionnaireTemplate
from assessments.selectors import suggested_template
from vendors.models import Vendor

# vendor name -> (final status, share of questions answered, answers that fall short)
PLAN = {
    "Larkspur Language Cloud": (AssessmentStatus.APPROVED_WITH_CONDITIONS, 1.0, 3),
    "Tessellate CRM Assist": (AssessmentStatus.APPROVED, 1.0, 0),
    "Cobaltline Code Companion": (AssessmentStatus.REJECTED, 1.0, 8),
    "Wellspring Scribe": (AssessmentStatus.SUBMITTED, 1.0, 2),
    "Quillmark Notes": (AssessmentStatus.DRAFT, 0.6, 2),
    "Harborline Inference": (AssessmentStatus.DRAFT, 0.2, 1),
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


def _fill(assessment, share: float, shortfalls: int, reviewer) -> None:
    questions = list(assessment.template.questions.order_by("order"))
    limit = round(len(questions) * share)
    weak = 0
    for question in questions[:limit]:
        value = _good_answer(question, assessment.vendor)
        comment = ""
        if question.answer_type == AnswerType.YES_NO and weak < shortfalls and question.weight >= 3:
            value = "partial" if weak % 2 else "no"
            comment = "Vendor could not show this control; follow-up agreed with the vendor."
            weak += 1
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
            # Sign-off arrives with the scoring issue; the demo records the decisions.
            Assessment.objects.filter(pk=assessment.pk).update(
                status=status, updated_at=timezone.now()
            )
        stdout.write(f"  created {status.label.lower()} assessment of {name} ({template.name})")
