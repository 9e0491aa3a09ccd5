"""Writes to assessments and answers. Views call these; nothing else saves."""

import calendar
import datetime as dt
from dataclasses import asdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.access import has_role
from accounts.roles import SIGN_OFF
from assessments import rules, scoring
from assessments.models import (
    Answer,
    AnswerType,
    Assessment,
    AssessmentReport,
    AssessmentScore,
    AssessmentStatus,
    Finding,
    FindingSeverity,
    FindingStatus,
    Question,
    QuestionnaireTemplate,
    YesNo,
)
from assessments.selectors import bank_problems, vendor_profile
from config.queueing import QueuedTask, queue_on_commit
from vendors import evidence_facts
from vendors.classification import classes_needed
from vendors.models import (
    Evidence,
    EvidenceKind,
    Vendor,
    VendorStatus,
)
from vendors.policy import plain_date
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


class BankCannotAssess(ValidationError):
    """The question bank does not cover the vendor's profile; the message says why."""


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
    check_bank_covers(template, vendor)
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
    _add_contributor(assessment, started_by)
    if previous is not None:
        _carry_forward(previous, assessment)
    _answer_from_profile(assessment)
    _prefill_from_evidence(assessment)
    return assessment


# --- The vendor profile and the evidence answer what they can --------------------------------


def check_bank_covers(template: QuestionnaireTemplate, vendor: Vendor) -> None:
    problems = bank_problems(template, vendor)
    if problems:
        raise BankCannotAssess(
            f"{template.name} cannot assess {vendor.name}: {'; '.join(problems)}. "
            "Use a bank that covers the vendor's profile."
        )


def _answer_from_profile(assessment: Assessment) -> None:
    """Write the answers the vendor profile gives (scope questions bound to it), so the
    questionnaire shows them and cannot contradict the profile."""
    profile = vendor_profile(assessment.vendor)
    existing = {a.question.key: a for a in assessment.answers.select_related("question")}
    for question in assessment.template.questions.exclude(from_profile=""):
        value = rules.profile_answer(question, profile)
        answer = existing.get(question.key)
        if answer is None:
            Answer.objects.create(
                assessment=assessment, question=question, value=value,
                comment="From the vendor profile.", answered_by=None,
            )  # fmt: skip
        elif answer.value != value or answer.carried_forward:
            Answer.objects.filter(pk=answer.pk).update(
                value=value, comment="From the vendor profile.", carried_forward=False,
                version=F("version") + 1, answered_at=timezone.now(),
            )  # fmt: skip


def evidence_appraisals(vendor: Vendor, today: dt.date) -> dict:
    """The vendor's best evidence of each kind, with its facts weighed (vendors side)."""
    # The classes the data needs, raised by its special categories (health is Restricted).
    needed = classes_needed(vendor.data_classes, vendor.special_categories)
    return evidence_facts.appraise(list(vendor.evidence.all()), today=today, data_classes=needed)


def _prefill_from_evidence(assessment: Assessment) -> None:
    """Unanswered questions that a recorded evidence fact answers start with that answer."""
    appraisals = evidence_appraisals(assessment.vendor, timezone.localdate())
    answered = set(assessment.answers.values_list("question_id", flat=True))
    created = []
    for question in assessment.template.questions.exclude(evidence_fact={}):
        if question.pk in answered:
            continue
        appraisal = appraisals.get(question.evidence_expected)
        implied = rules.evidence_implied_answer(question, appraisal.facts if appraisal else None)
        if implied is None:
            continue
        # No comment: a comment is what justifies an answer that departs from the evidence.
        created.append(
            Answer(
                assessment=assessment,
                question=question,
                value=implied,
                answered_by=None,
            )
        )
    Answer.objects.bulk_create(created)


def answer_contradictions(assessment: Assessment, today: dt.date | None = None) -> dict:
    """Question key -> what the recorded evidence says, for every applicable answer that
    claims better than the evidence (shown in the wizard; justified before submission)."""
    today = today or timezone.localdate()
    appraisals = evidence_appraisals(assessment.vendor, today)
    questions = list(assessment.template.questions.all())
    answers = rules.with_profile_answers(
        questions, _answers_by_key(assessment), vendor_profile(assessment.vendor)
    )
    applicable = rules.applicable_keys(questions, answers)
    found = {}
    for question in questions:
        if question.key not in applicable or not question.evidence_fact:
            continue
        appraisal = appraisals.get(question.evidence_expected)
        implied = rules.evidence_implied_answer(question, appraisal.facts if appraisal else None)
        if rules.contradicts(question, answers.get(question.key), implied):
            label = EvidenceKind(question.evidence_expected).label
            found[question.key] = f"the {label} record says “{_answer_words(question, implied)}”"
    return found


def _answer_words(question: Question, value) -> str:
    """An answer in words: option labels, numbers with their unit."""
    labels = dict(question.choices)
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if value in labels:
        return str(labels[value])
    unit = f" {question.get_unit_display()}" if question.unit else ""
    return f"{value}{unit}"


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
                answered_by_id=old.answered_by_id,
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
        if value == rules.NOT_APPLICABLE and not rules.na_allowed(question):
            raise ValidationError(
                "“Not applicable” is not allowed for this question: answer yes, partial or no "
                "(a control that is missing is a “no”)."
            )
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
    questions = list(assessment.template.questions.all())
    profile = vendor_profile(assessment.vendor)
    from_profile = rules.profile_answer(question, profile)
    if from_profile is not None and value != from_profile:
        raise ValidationError(
            "The vendor profile answers this question "
            f"(“{_answer_words(question, from_profile)}”). Change the vendor profile instead; "
            "an approved vendor then needs a reassessment."
        )
    answers = rules.with_profile_answers(questions, _answers_by_key(assessment), profile)
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
    _add_contributor(assessment, answered_by)
    return answer


@transaction.atomic
def assessment_submit(assessment: Assessment, *, submitted_by) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("vendor", "template")
        .get(pk=assessment.pk)
    )
    if not assessment.is_editable:
        raise AssessmentLocked()
    # The profile may have changed since the draft began: the bank must still cover it, and
    # the scope answers follow it.
    check_bank_covers(assessment.template, assessment.vendor)
    _answer_from_profile(assessment)
    questions = list(assessment.template.questions.select_related("section"))
    rows = list(
        assessment.answers.values_list("question__key", "value", "comment", "carried_forward")
    )
    answers = {k: v for k, v, _, _ in rows}
    comments = {k: c for k, _, c, _ in rows}
    unconfirmed = frozenset(k for k, _, _, carried in rows if carried)
    problems = rules.submission_problems(
        questions, answers, comments, unconfirmed, answer_contradictions(assessment)
    )
    if problems:
        raise SubmissionIncomplete(problems)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_by = submitted_by
    assessment.submitted_at = timezone.now()
    with auditlog_actor(submitted_by):
        assessment.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _add_contributor(assessment, submitted_by)
    # Score, findings and gates are stored in the same transaction as the submission.
    score_assessment(assessment)
    return assessment


# --- Scoring and sign-off ---------------------------------------------------------------------


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
        not_applicable=question.not_applicable,
        from_profile=question.from_profile,
        evidence_fact=question.evidence_fact or None,
    )


def evidence_standings(vendor: Vendor, today: dt.date) -> dict[str, str]:
    """Evidence kind -> what a claim backed by it earns (sound, weak or none), as scored."""
    return {
        kind: evidence_state(appraisal).standing
        for kind, appraisal in evidence_appraisals(vendor, today).items()
    }


def evidence_state(appraisal) -> "scoring.EvidenceState":
    return scoring.EvidenceState(
        status=appraisal.status,
        strength=appraisal.strength,
        issues=tuple(
            scoring.EvidenceIssue(i.effect, i.text, tuple(i.forbids)) for i in appraisal.issues
        ),
        facts=dict(appraisal.facts),
        label=EvidenceKind(appraisal.kind).label,
    )


def scoring_inputs(assessment: Assessment, today: dt.date) -> dict:
    """The plain data scoring.score() takes, read from the database (keyword arguments)."""
    vendor = assessment.vendor
    questions = [question_spec(q) for q in assessment.template.questions.order_by("order")]
    answers = {
        key: scoring.AnswerSpec(value, comment)
        for key, value, comment in assessment.answers.values_list(
            "question__key", "value", "comment"
        )
    }
    appraisals = evidence_appraisals(vendor, today)
    return {
        "profile": vendor_profile(vendor),
        "questions": questions,
        "answers": answers,
        "evidence": {
            kind: evidence_state(appraisals[kind])
            if kind in appraisals
            else scoring.EvidenceState("missing", label=label)
            for kind, label in EvidenceKind.choices
        },
        "core_gaps": evidence_facts.core_evidence_gaps(appraisals),
    }


def score_assessment(assessment: Assessment, today: dt.date | None = None) -> AssessmentScore:
    """Compute and store the score, findings and gates (inside the caller's transaction)."""
    today = today or timezone.localdate()
    inputs = scoring_inputs(assessment, today)
    result = scoring.score(**inputs, today=today, appetite=settings.CLEARANCE_RISK_APPETITE)
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
            "reassess_days": result.reassess_days,
            "cadence_reasons": list(result.cadence_reasons),
            "profile": {
                name: list(value) if isinstance(value, tuple) else value
                for name, value in asdict(inputs["profile"]).items()
            },
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


# --- Separation of duties ---------------------------------------------------------------------

NOT_A_LEAD = "Only a security lead signs off an assessment or sends it back."
TOOK_PART = (
    "You took part in this assessment (you started, answered or submitted part of it); "
    "another security lead must sign it off."
)


def _add_contributor(assessment: Assessment, user) -> None:
    """Record that `user` started, answered or submitted part of the assessment; None (the
    reminder sweep, a carried-forward answer) takes no part."""
    if user is not None:
        assessment.contributors.add(user)


def sign_off_refusal(assessment: Assessment, user) -> str | None:
    """Why `user` may not sign off or send back this assessment, whatever its status; None
    when they may. A lead who took any part in it, even one answer confirmed after a reviewer
    re-submitted, does not decide on it: the decision is a second pair of eyes."""
    if not has_role(user, SIGN_OFF):
        return NOT_A_LEAD
    if assessment.contributors.filter(pk=user.pk).exists():
        return TOOK_PART
    return None


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
    if refusal := sign_off_refusal(assessment, lead):
        raise SignOffRefused(refusal)
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
        **approval_facts(assessment, score),
    )
    dispatch_report(assessment.pk)
    return assessment


def cadence_days(score: AssessmentScore) -> int:
    """Days from sign-off to the next reassessment, as the scoring method set them."""
    days = score.detail.get("reassess_days")
    if days is None:  # a clearance-risk/1 score stored only the date, counted from scoring
        days = (score.next_reassessment - dt.date.fromisoformat(score.detail["scored_on"])).days
    return int(days)


def approval_facts(assessment: Assessment, score: AssessmentScore) -> dict:
    """The vendor fields a decision on `assessment` (already decided, not yet applied to the
    vendor) stores, from which vendors.policy derives what the vendor may receive each day.

    The next reassessment is counted from the sign-off day; an approval stays valid until
    then plus CLEARANCE_APPROVAL_GRACE_DAYS and covers the special categories of the profile
    that was scored. A "reassessment required" flag is cleared only by an assessment submitted
    at or after the moment it was raised, and an incident's suspension only by one submitted
    after the incident: an older assessment did not consider them."""
    vendor = assessment.vendor
    decided_on = timezone.localdate(assessment.decided_at)
    next_reassessment = decided_on + dt.timedelta(days=cadence_days(score))
    facts = {"next_reassessment_date": next_reassessment}
    if assessment.status == AssessmentStatus.REJECTED:
        facts |= {"approval_valid_until": None, "assessed_special_categories": []}
    else:
        scored = score.detail.get("profile", {}).get("special_categories")
        grace = dt.timedelta(days=settings.CLEARANCE_APPROVAL_GRACE_DAYS)
        facts |= {
            "approval_valid_until": next_reassessment + grace,
            "assessed_special_categories": (
                list(vendor.special_categories) if scored is None else scored
            ),
        }
    submitted_at = assessment.submitted_at
    required_at = vendor.reassessment_required_at
    if required_at is None or submitted_at >= required_at:
        facts |= {
            "reassessment_required": False,
            "reassessment_reason": "",
            "reassessment_required_since": None,
            "reassessment_required_at": None,
        }
    if vendor.incident_suspended_at is not None and submitted_at > vendor.incident_suspended_at:
        facts["incident_suspended_at"] = None
    return facts


def reassessment_still_needed(assessment: Assessment) -> list[str]:
    """What a signed-off `assessment` could not clear because it was submitted before it
    happened, in plain sentences for the lead (empty when nothing is left)."""
    vendor = assessment.vendor
    submitted_at = assessment.submitted_at
    submitted = plain_date(timezone.localtime(submitted_at).date())
    notes = []
    required_at = vendor.reassessment_required_at
    if vendor.reassessment_required and required_at is not None and submitted_at < required_at:
        notes.append(
            f"{vendor.name} still needs a reassessment: this assessment was submitted on "
            f"{submitted}, before the reassessment became required "
            f"({vendor.reassessment_reason.rstrip('.')}). Start a new one."
        )
    suspended_at = vendor.incident_suspended_at
    if suspended_at is not None and submitted_at <= suspended_at:
        notes.append(
            f"Confidential and Restricted data stay suspended for {vendor.name}: this "
            f"assessment was submitted on {submitted}, before the high or critical incident "
            "was recorded. Only a reassessment submitted after the incident lifts it."
        )
    return notes


@transaction.atomic
def assessment_send_back(assessment: Assessment, *, lead, comment: str) -> Assessment:
    """Return a submitted assessment to the reviewer as a draft, with the lead's reasons."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise SignOffRefused("Only a submitted assessment can be sent back.")
    if refusal := sign_off_refusal(assessment, lead):
        raise SignOffRefused(refusal)
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


FINDING_TRACKING_FIELDS = (
    "status", "owner", "due_date", "justification", "accepted_until", "remediation_note",
)  # fmt: skip
LEAD_ACCEPTS = frozenset({FindingSeverity.CRITICAL, FindingSeverity.HIGH})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1
    month = 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def latest_acceptance(today: dt.date) -> dt.date:
    """The last day a risk accepted today may be accepted until."""
    return add_months(today, settings.CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS)


def finding_check(finding: Finding, *, changed_by, today: dt.date | None = None, **fields) -> None:
    """Raise ValidationError, keyed by field, when saving `fields` onto the finding as stored
    (not a form's copy already changed in memory) would break a rule of tracking findings;
    the single place these rules live (the page, the admin and the sweep all save through
    finding_update).

    An accepted risk needs a justification and an end date. Setting or changing an acceptance
    also needs the date after today and at most CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS months
    ahead, and, for a high or critical finding, a security lead; an acceptance already on
    record is not re-judged when only the owner or due date changes. A remediated finding
    needs a note saying how."""
    today = today or timezone.localdate()
    unknown = set(fields) - set(FINDING_TRACKING_FIELDS)
    if unknown:
        raise ValueError(f"Not a tracking field of a finding: {', '.join(sorted(unknown))}")
    new = {name: fields.get(name, getattr(finding, name)) for name in FINDING_TRACKING_FIELDS}
    errors: dict[str, str] = {}
    if new["status"] == FindingStatus.ACCEPTED:
        justification = (new["justification"] or "").strip()
        until = new["accepted_until"]
        if not justification:
            errors["justification"] = "Accepting a risk needs a justification."
        if until is None:
            errors["accepted_until"] = "Accepted risks expire: give a date."
        accepting = (
            finding.status != FindingStatus.ACCEPTED
            or until != finding.accepted_until
            or justification != finding.justification.strip()
        )
        if accepting and until is not None:
            limit = latest_acceptance(today)
            if until <= today:
                errors["accepted_until"] = "The date must be in the future."
            elif until > limit:
                months = settings.CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS
                errors["accepted_until"] = (
                    f"A risk is accepted for at most {months} months: "
                    f"until {limit.day} {limit:%B %Y} at the latest."
                )
        is_lead = changed_by is not None and has_role(changed_by, SIGN_OFF)
        if accepting and finding.severity in LEAD_ACCEPTS and not is_lead:
            errors["status"] = (
                f"Only a security lead may accept the risk of a "
                f"{finding.get_severity_display().lower()} finding."
            )
    if new["status"] == FindingStatus.REMEDIATED and not (new["remediation_note"] or "").strip():
        errors["remediation_note"] = "Say how it was remediated."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def finding_update(finding: Finding, *, changed_by, **fields) -> Finding:
    """Change how a finding is tracked (see finding_check for the rules; ValidationError keyed
    by field when one is broken). `changed_by` None is the daily sweep."""
    stored = Finding.objects.select_for_update().get(pk=finding.pk)
    finding_check(stored, changed_by=changed_by, **fields)
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.updated_by = changed_by
    with auditlog_actor(changed_by):
        finding.save()
    return finding


def findings_reopen_expired(today: dt.date) -> list[Finding]:
    """Reopen every finding whose risk acceptance ended before `today` (accepted until
    yesterday or earlier), through finding_update so the vendor's history shows it. The
    justification and end date stay as a record of the acceptance that lapsed. Safe to run
    twice, or twice at once: a finding reopened by another run is skipped."""
    expired = Finding.objects.filter(status=FindingStatus.ACCEPTED, accepted_until__lt=today)
    reopened = []
    for pk in expired.values_list("pk", flat=True):
        with transaction.atomic():
            finding = expired.select_for_update().filter(pk=pk).first()
            if finding is not None:
                reopened.append(finding_update(finding, changed_by=None, status=FindingStatus.OPEN))
    return reopened


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


def dispatch_report(assessment_id: int) -> QueuedTask:
    """Queue the report once the sign-off has committed; a broker outage is logged, not
    raised: the download renders and stores the report itself when it is still missing."""
    from assessments.tasks import store_signed_off_report

    return queue_on_commit(
        store_signed_off_report, assessment_id, catch_up="the first download renders it"
    )
