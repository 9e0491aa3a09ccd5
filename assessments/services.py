"""Writes to assessments and answers. Views call these; nothing else saves."""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments import rules, scoring
from assessments.models import (
    Answer,
    AnswerType,
    Assessment,
    AssessmentReport,
    AssessmentScore,
    AssessmentStatus,
    Finding,
    Question,
    QuestionnaireTemplate,
    YesNo,
)
from vendors.models import Evidence, Vendor, VendorStatus
from vendors.services import auditlog_actor, vendor_update

MAX_TEXT_ANSWER = 5000


class AssessmentLocked(Exception):
    """The assessment is no longer a draft; its answers are read-only."""


class AnswerConflict(Exception):
    """Someone saved this answer since the writer loaded it."""

    def __init__(self, current: Answer):
        super().__init__("conflict")
        self.current = current


class QuestionNotApplicable(Exception):
    """The question is hidden by its condition, given the answers saved so far."""


class SubmissionIncomplete(Exception):
    def __init__(self, problems: list[rules.Missing]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def open_draft(vendor: Vendor) -> Assessment | None:
    return vendor.assessments.filter(status=AssessmentStatus.DRAFT).first()


@transaction.atomic
def assessment_start(
    *, vendor: Vendor, template: QuestionnaireTemplate, started_by, due_date: dt.date | None = None
) -> Assessment:
    """Start an assessment; a reassessment carries the previous answers forward, each marked
    "carried forward" until the reviewer confirms or changes it."""
    # One draft per vendor (also a database constraint): lock the vendor row while checking.
    Vendor.objects.select_for_update().filter(pk=vendor.pk).first()
    existing = open_draft(vendor)
    if existing is not None:
        return existing
    previous = (
        vendor.assessments.exclude(status=AssessmentStatus.DRAFT)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    with auditlog_actor(started_by):
        assessment = Assessment.objects.create(
            vendor=vendor, template=template, created_by=started_by, due_date=due_date,
            previous=previous,
        )  # fmt: skip
    if previous is not None:
        _carry_forward(previous, assessment)
    return assessment


def _carry_forward(previous: Assessment, assessment: Assessment) -> None:
    """Copy answers by question key where the question still exists with the same type and
    the old value is still a valid answer."""
    questions = {q.key: q for q in assessment.template.questions.all()}
    copies = []
    for old in previous.answers.select_related("question"):
        question = questions.get(old.question.key)
        if question is None or question.answer_type != old.question.answer_type:
            continue
        try:
            value = normalise_value(question, old.value)
        except ValidationError:
            continue
        copies.append(
            Answer(
                assessment=assessment,
                question=question,
                value=value,
                comment=old.comment,
                evidence_id=old.evidence_id,
                answered_by=old.answered_by,
                carried_forward=True,
            )  # fmt: skip
        )
    Answer.objects.bulk_create(copies)


def normalise_value(question: Question, raw):
    """Convert a submitted value to the stored type, or raise ValidationError saying why."""
    if raw in (None, "", []):
        return None
    kind = question.answer_type
    if kind in (AnswerType.YES_NO, AnswerType.SINGLE_CHOICE):
        value = raw[0] if isinstance(raw, list) else raw
        allowed = (
            YesNo.values if kind == AnswerType.YES_NO else [o["value"] for o in question.options]
        )
        if str(value) not in allowed:
            raise ValidationError(f"“{value}” is not one of the answers to this question.")
        return str(value)
    if kind == AnswerType.MULTIPLE_CHOICE:
        values = raw if isinstance(raw, list) else [raw]
        allowed = [o["value"] for o in question.options]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValidationError(f"Not answers to this question: {', '.join(unknown)}.")
        return [v for v in allowed if v in values]
    if kind == AnswerType.NUMBER:
        try:
            number = Decimal(str(raw[0] if isinstance(raw, list) else raw).strip())
        except InvalidOperation:
            raise ValidationError("Enter a number, for example 72.") from None
        if not number.is_finite() or number < 0:
            raise ValidationError("Enter a number of zero or more.")
        if number.adjusted() > 9:
            raise ValidationError("Enter a smaller number (at most a few billion).")
        if question.unit == "percent" and number > 100:
            raise ValidationError("A percentage is at most 100.")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == AnswerType.DATE:
        try:
            return dt.date.fromisoformat(str(raw[0] if isinstance(raw, list) else raw)).isoformat()
        except ValueError:
            raise ValidationError("Enter a date as YYYY-MM-DD.") from None
    if kind == AnswerType.TEXT:
        text = str(raw[0] if isinstance(raw, list) else raw).strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValidationError(f"Keep the answer under {MAX_TEXT_ANSWER} characters.")
        return text or None
    if kind == AnswerType.EVIDENCE:
        try:
            return int(raw[0] if isinstance(raw, list) else raw)
        except (TypeError, ValueError):
            raise ValidationError("Pick a piece of evidence.") from None
    raise ValidationError(f"Unknown answer type {kind}.")


def _answers_by_key(assessment: Assessment) -> dict[str, object]:
    return dict(assessment.answers.values_list("question__key", "value"))


@transaction.atomic
def answer_save(
    *, assessment: Assessment, question: Question, answered_by, value, comment: str = "",
    evidence_id: int | None = None, base_version: int | None = None,
) -> Answer:  # fmt: skip
    """Save one answer (autosave). `base_version` is the version the writer loaded (0 or
    None for none); a mismatch raises AnswerConflict instead of overwriting silently."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_editable:
        raise AssessmentLocked()
    if question.template_id != assessment.template_id:
        raise ValidationError("This question belongs to another questionnaire.")
    value = normalise_value(question, value)
    if (
        evidence_id is not None
        and not Evidence.objects.filter(pk=evidence_id, vendor_id=assessment.vendor_id).exists()
    ):
        raise ValidationError("That evidence belongs to another vendor.")
    if question.answer_type == AnswerType.EVIDENCE and value is not None:
        if evidence_id is None:
            evidence_id = value
        if not Evidence.objects.filter(pk=value, vendor_id=assessment.vendor_id).exists():
            raise ValidationError("That evidence belongs to another vendor.")
    answers = _answers_by_key(assessment)
    questions = list(assessment.template.questions.all())
    if question.key not in rules.applicable_keys(questions, answers):
        raise QuestionNotApplicable()

    answer = Answer.objects.filter(assessment=assessment, question=question).first()
    current_version = answer.version if answer else 0
    if base_version is not None and base_version != current_version:
        raise AnswerConflict(answer)
    comment = (comment or "").strip()[:MAX_TEXT_ANSWER]
    if answer is None:
        answer = Answer.objects.create(
            assessment=assessment, question=question, value=value, comment=comment,
            evidence_id=evidence_id, answered_by=answered_by,
        )  # fmt: skip
    else:
        Answer.objects.filter(pk=answer.pk).update(
            value=value, comment=comment, evidence_id=evidence_id, answered_by=answered_by,
            answered_at=timezone.now(), version=F("version") + 1, carried_forward=False,
        )  # fmt: skip
        answer.refresh_from_db()
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    return answer


@transaction.atomic
def assessment_submit(assessment: Assessment, *, submitted_by) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_editable:
        raise AssessmentLocked()
    questions = list(assessment.template.questions.select_related("section"))
    rows = list(
        assessment.answers.values_list("question__key", "value", "comment", "carried_forward")
    )
    answers = {k: v for k, v, _, _ in rows}
    comments = {k: c for k, _, c, _ in rows}
    unconfirmed = frozenset(k for k, _, _, carried in rows if carried)
    problems = rules.submission_problems(questions, answers, comments, unconfirmed)
    if problems:
        raise SubmissionIncomplete(problems)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_by = submitted_by
    assessment.submitted_at = timezone.now()
    with auditlog_actor(submitted_by):
        assessment.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    # Score, findings and gates are stored in the same transaction as the submission.
    score_assessment(assessment)
    return assessment


# --- Scoring and sign-off ---------------------------------------------------------------------


def _evidence_statuses(vendor: Vendor, today: dt.date) -> dict[str, str]:
    """Best status per evidence kind: a current record wins over an expiring or expired one."""
    rank = {"current": 0, "expiring": 1, "expired": 2}
    best: dict[str, str] = {}
    for record in vendor.evidence.all():
        status = record.status(today)
        if record.kind not in best or rank[status] < rank[best[record.kind]]:
            best[record.kind] = status
    return best


def question_spec(question) -> "scoring.QuestionSpec":
    """A question of the bank as the plain data scoring.score() takes."""
    return scoring.QuestionSpec(
        key=question.key,
        text=question.text,
        domain=question.domain,
        answer_type=question.answer_type,
        weight=question.weight,
        options=tuple(question.options),
        bands=tuple(question.bands),
        condition=question.condition or None,
        evidence_expected=question.evidence_expected,
        blockers=tuple(question.blockers),
        remediation=question.remediation,
    )


def scoring_inputs(assessment: Assessment, today: dt.date):
    """The plain data scoring.score() takes, read from the database."""
    vendor = assessment.vendor
    profile = scoring.VendorProfile(
        data_classes=tuple(vendor.data_classes),
        special_categories=tuple(vendor.special_categories),
        criticality=vendor.criticality,
        autonomy=vendor.autonomy,
        integration=vendor.integration,
    )
    questions = [question_spec(q) for q in assessment.template.questions.order_by("order")]
    answers = {
        key: scoring.AnswerSpec(value, comment)
        for key, value, comment in assessment.answers.values_list(
            "question__key", "value", "comment"
        )
    }
    return profile, questions, answers, _evidence_statuses(vendor, today)


def score_assessment(assessment: Assessment, today: dt.date | None = None) -> AssessmentScore:
    """Compute and store the score, findings and gates (inside the caller's transaction)."""
    today = today or timezone.localdate()
    result = scoring.score(
        *scoring_inputs(assessment, today), today=today,
        appetite=settings.CLEARANCE_RISK_APPETITE,
    )  # fmt: skip
    AssessmentScore.objects.filter(assessment=assessment).delete()
    stored = AssessmentScore.objects.create(
        assessment=assessment,
        method_version=result.method_version,
        inherent=Decimal(str(result.inherent)),
        effectiveness=Decimal(str(result.effectiveness)),
        residual=Decimal(str(result.residual)),
        tier=result.tier,
        next_reassessment=result.next_reassessment,
        detail={
            "inherent_factors": [asdict(f) for f in result.inherent_factors],
            "domains": [asdict(d) for d in result.domains],
            "contributions": [asdict(c) for c in result.contributions],
            "gates": [asdict(g) | {"reasons": list(g.reasons)} for g in result.gates],
            "scored_on": today.isoformat(),
        },
    )
    assessment.findings.all().delete()
    Finding.objects.bulk_create(
        Finding(
            assessment=assessment,
            vendor_id=assessment.vendor_id,
            question_key=f.key,
            question_text=f.question,
            answer_text=f.answer[:500],
            severity=f.severity,
            kind=f.kind,
            detail=f.detail,
            remediation=f.remediation,
        )  # fmt: skip
        for f in result.findings
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        tier=result.tier, residual_score=Decimal(str(result.residual))
    )
    assessment.tier, assessment.residual_score = result.tier, Decimal(str(result.residual))
    return stored


class SignOffRefused(Exception):
    """A sign-off that the rules forbid; the message says why."""


DECISIONS = {
    AssessmentStatus.APPROVED: VendorStatus.APPROVED,
    AssessmentStatus.APPROVED_WITH_CONDITIONS: VendorStatus.APPROVED_WITH_CONDITIONS,
    AssessmentStatus.REJECTED: VendorStatus.REJECTED,
}


@transaction.atomic
def assessment_sign_off(
    assessment: Assessment, *, lead, decision: str, comment: str = "", conditions: str = "",
    conditions_due: dt.date | None = None,
) -> Assessment:  # fmt: skip
    """A security lead's decision. Updates the vendor's status, tier, residual score,
    approved data classes, conditions and next reassessment date (all audit-logged)."""
    assessment = (
        Assessment.objects.select_for_update().select_related("vendor").get(pk=assessment.pk)
    )
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise SignOffRefused("Only a submitted assessment can be signed off.")
    if assessment.submitted_by_id == lead.pk:
        raise SignOffRefused("You submitted this assessment; another security lead signs it off.")
    if decision not in DECISIONS:
        raise SignOffRefused("Unknown decision.")
    if decision == AssessmentStatus.APPROVED_WITH_CONDITIONS and not (
        conditions.strip() and conditions_due
    ):
        raise SignOffRefused("Approval with conditions needs the conditions and a date.")
    score = AssessmentScore.objects.get(assessment=assessment)
    requested = set(assessment.vendor.data_classes)
    approved = [c for c in score.allowed_classes if c in requested]
    if decision != AssessmentStatus.REJECTED and not approved:
        raise SignOffRefused(
            "The gates allow none of the requested data classes: reject, or send it back."
        )
    assessment.status = decision
    assessment.decided_by = lead
    assessment.decided_at = timezone.now()
    assessment.decision_comment = comment.strip()
    assessment.conditions = conditions.strip() if decision != AssessmentStatus.REJECTED else ""
    assessment.conditions_due = conditions_due if assessment.conditions else None
    with auditlog_actor(lead):
        assessment.save()
    vendor_update(
        assessment.vendor,
        changed_by=lead,
        status=DECISIONS[decision],
        tier=score.tier,
        residual_score=score.residual,
        approved_data_classes=approved if decision != AssessmentStatus.REJECTED else [],
        conditions=assessment.conditions,
        next_reassessment_date=score.next_reassessment,
        reassessment_required=False,
        reassessment_reason="",
        reassessment_required_since=None,
    )
    dispatch_report(assessment.pk)
    return assessment


@transaction.atomic
def assessment_send_back(assessment: Assessment, *, lead, comment: str) -> Assessment:
    """Return a submitted assessment to the reviewer as a draft, with the lead's reasons."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise SignOffRefused("Only a submitted assessment can be sent back.")
    if assessment.submitted_by_id == lead.pk:
        raise SignOffRefused("You submitted this assessment; another security lead reviews it.")
    if not comment.strip():
        raise SignOffRefused("Say what the reviewer should change.")
    Vendor.objects.select_for_update().filter(pk=assessment.vendor_id).first()
    if open_draft(assessment.vendor) is not None:
        raise SignOffRefused(
            "The vendor already has a draft assessment; finish or submit it before sending "
            "this one back."
        )
    assessment.status = AssessmentStatus.DRAFT
    assessment.returned_comment = comment.strip()
    assessment.submitted_at = None
    with auditlog_actor(lead):
        assessment.save()
    AssessmentScore.objects.filter(assessment=assessment).delete()
    assessment.findings.all().delete()
    Assessment.objects.filter(pk=assessment.pk).update(tier="", residual_score=None)
    return assessment


@transaction.atomic
def finding_update(finding: Finding, *, changed_by, **fields) -> Finding:
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.updated_by = changed_by
    with auditlog_actor(changed_by):
        finding.save()
    return finding


# --- Reports ----------------------------------------------------------------------------------


DECIDED = {
    AssessmentStatus.APPROVED,
    AssessmentStatus.APPROVED_WITH_CONDITIONS,
    AssessmentStatus.REJECTED,
}


def report_store(assessment_id: int):
    """Render and store the report of a decided assessment once; later calls return the
    stored one unchanged, so the PDF procurement files is the one rendered at sign-off."""
    import hashlib

    from django.core.files.base import ContentFile

    from assessments import reports

    existing = AssessmentReport.objects.filter(assessment_id=assessment_id).first()
    if existing is not None:
        return existing
    assessment = Assessment.objects.select_related(
        "vendor", "template", "decided_by", "submitted_by", "created_by"
    ).get(pk=assessment_id)
    if assessment.status not in DECIDED:
        return None
    filename, _content_type, pdf = reports.generate(assessment, draft=False)
    with transaction.atomic():
        Assessment.objects.select_for_update().get(pk=assessment_id)
        existing = AssessmentReport.objects.filter(assessment_id=assessment_id).first()
        if existing is not None:  # another worker stored it meanwhile
            return existing
        report = AssessmentReport(
            assessment=assessment,
            filename=filename,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            method_version=assessment.score.method_version,
        )
        report.file.save(filename, ContentFile(pdf), save=False)
        with auditlog_actor(assessment.decided_by):
            report.save()
    return report


def dispatch_report(assessment_id: int) -> None:
    """Queue the report once the sign-off has committed; a broker outage is logged, not
    raised: the download renders and stores the report itself when it is still missing."""
    import logging

    from assessments.tasks import store_signed_off_report

    def send():
        try:
            store_signed_off_report.delay(assessment_id)
        except Exception:  # the broker is down; the download view catches up
            logging.getLogger(__name__).exception(
                "Could not queue the report of assessment %s", assessment_id
            )

    transaction.on_commit(send)
