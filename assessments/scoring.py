"""Clearance's risk score and data-class gates: explainable, monotone, versioned,
zero-trust. Pure: plain data in, a result out; no ORM, no request.
`assessments.services.score_assessment` loads the data and stores the result. The method is
documented, with worked examples, in docs/scoring.md.

    inherent  = min(100, data class + special categories + criticality + autonomy + integration)
    C         = Σ weight × credit / Σ weight over the control groups that apply
    residual  = inherent × (1 − C)
    tier      = Low < 15 ≤ Medium < 30 ≤ High < 50 ≤ Critical

What an answer means (blank, applicable, not applicable, profile-bound, contradicted by the
evidence) is defined once in `rules.py`. Credit of one answer: yes 1, partial 0.5, no 0,
unanswered 0; a choice or number earns 1 − the risk the bank gives it. A claimed control
earns its full credit only with sound, live evidence of the kind it expects: weak evidence
earns three quarters, missing, expired or disqualified evidence half. "Not applicable" takes
a question out of the score only where the bank allows it and a comment explains it;
otherwise it counts as "no". An answer better than the recorded evidence is scored as the
evidence.

Conditional questions are scored with the question they depend on, as one group: the group's
weight is the sum of its questions' weights and never changes with the answers; its credit is
the parent's credit multiplied by the credit of each follow-up that applies. A follow-up can
only lower its group's credit, so a worse answer never lowers the residual risk (the loader
checks that any answer riskier than one that opens a follow-up, but not opening it itself,
earns no credit at all).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assessments import rules
from vendors.classification import (
    CATEGORY_MIN_CLASS,
    CLASS_ORDER,
    PERSONAL_DATA_CATEGORIES,
    class_rank,
    classes_needed,
)

METHOD_VERSION = "clearance-risk/2"

DATA_CLASS_ORDER = list(CLASS_ORDER)

# Inherent risk points. Each factor is explained in docs/scoring.md.
DATA_CLASS_POINTS = {"public": 5, "internal": 20, "confidential": 40, "restricted": 55}
SPECIAL_CATEGORY_POINTS = {
    "health": 15, "payment_card": 15, "source_code": 10, "personal": 8, "employee": 8,
}  # fmt: skip
SPECIAL_CATEGORY_CAP = 25
CRITICALITY_POINTS = {"low": 0, "medium": 8, "high": 15}
AUTONOMY_POINTS = {"none": 0, "human_approval": 5, "autonomous_scoped": 10, "autonomous_broad": 15}
INTEGRATION_POINTS = {"web_app": 2, "api": 4, "plugin": 6, "agent": 8}

TIER_THRESHOLDS = [(15, "low"), (30, "medium"), (50, "high")]  # below each bound; else critical
REASSESS_DAYS = {"critical": 90, "high": 90, "medium": 180, "low": 365}
# Exposure caps the cadence whatever the tier (the stricter wins).
EXPOSURE_MAX_DAYS_SENSITIVE = 90  # Restricted data, health or card data, broad autonomy
EXPOSURE_MAX_DAYS_HIGH_CRITICALITY = 180
DEFAULT_APPETITE = {"public": 60, "internal": 40, "confidential": 25, "restricted": 15}
# The least control effectiveness each class needs, whatever the residual: a vendor that has
# little at stake (low inherent risk) must still have the controls.
MIN_EFFECTIVENESS = {"public": 0.25, "internal": 0.5, "confidential": 0.7, "restricted": 0.8}

YES_NO_CREDIT = rules.YES_NO_CREDIT
LIVE_EVIDENCE = {"current", "expiring"}
# What a claimed control earns with its expected evidence in each state.
EVIDENCE_FACTOR = {"sound": 1.0, "weak": 0.75, "none": 0.5}
BROAD_AUTONOMY = "autonomous_broad"
HIGH_EXPOSURE_CATEGORIES = {"health", "payment_card"}
# Classes refused when personal data has no data processing agreement with Art. 28 terms:
# every class that may carry it (public data is not personal data).
PERSONAL_DATA_CLASSES = ("internal", "confidential", "restricted")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorProfile:
    data_classes: tuple[str, ...]
    special_categories: tuple[str, ...] = ()
    criticality: str = "medium"
    autonomy: str = "none"
    integration: str = "api"


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    text: str
    domain: str
    answer_type: str
    weight: int
    options: tuple = ()  # ({"value": ..., "risk": ...}, ...)
    bands: tuple = ()  # ({"max": ..., "risk": ...}, ...)
    condition: Mapping | None = None
    evidence_expected: str = ""
    blockers: tuple = ()  # ({"when": {...}, "forbids": [...], "reason": "..."}, ...)
    remediation: str = ""
    not_applicable: str = ""  # when N/A is allowed; empty: never
    from_profile: str = ""  # autonomy, integration or special_categories.<category>
    evidence_fact: Mapping | None = None  # {"fact": ..., "map": {...}}


@dataclass(frozen=True)
class AnswerSpec:
    value: object = None
    comment: str = ""


@dataclass(frozen=True)
class EvidenceIssue:
    effect: str  # weak or disqualifying
    text: str
    forbids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceState:
    """The best evidence of one kind: its status, how sound its facts are, and the facts."""

    status: str  # current, expiring, expired, missing
    strength: str = "sound"  # sound, weak, disqualified
    issues: tuple[EvidenceIssue, ...] = ()
    facts: Mapping = field(default_factory=dict)
    label: str = ""

    @property
    def standing(self) -> str:
        """sound, weak or none: what a claim backed by this evidence earns."""
        if self.status not in LIVE_EVIDENCE or self.strength == "disqualified":
            return "none"
        return "weak" if self.strength == "weak" else "sound"


MISSING = EvidenceState("missing")


# --- Outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    name: str
    points: float
    reason: str


@dataclass(frozen=True)
class Contribution:
    """What one question did to control effectiveness."""

    key: str
    domain: str
    weight: int
    credit: float  # 0..1, before the group multiplication
    counted: bool  # False when not applicable or informational
    reason: str


@dataclass(frozen=True)
class Finding:
    key: str
    question: str
    answer: str
    severity: str  # critical, high, medium, low
    kind: str  # answer, unanswered, blocker, evidence, na_claim, contradicts
    detail: str
    remediation: str


@dataclass(frozen=True)
class Gate:
    data_class: str
    allowed: bool
    reasons: tuple[str, ...]
    residual: float
    appetite: float
    min_effectiveness: float = 0.0


@dataclass(frozen=True)
class DomainScore:
    domain: str
    weight: int
    effectiveness: float  # 0..1


@dataclass(frozen=True)
class ScoreResult:
    method_version: str
    inherent: float
    inherent_factors: tuple[Factor, ...]
    effectiveness: float
    residual: float
    tier: str
    domains: tuple[DomainScore, ...]
    contributions: tuple[Contribution, ...]
    findings: tuple[Finding, ...]
    gates: tuple[Gate, ...]
    next_reassessment: dt.date
    reassess_days: int = 365
    cadence_reasons: tuple[str, ...] = ()

    @property
    def allowed_classes(self) -> list[str]:
        return [g.data_class for g in self.gates if g.allowed]


# --- Inherent risk ----------------------------------------------------------------------------


def inherent_risk(profile: VendorProfile) -> tuple[float, tuple[Factor, ...]]:
    """The profile's risk before any control. The data class counted is the highest the
    vendor would receive, raised to what its special categories need (health ⇒ Restricted)."""
    factors = []
    needed = classes_needed(profile.data_classes, profile.special_categories)
    highest = needed[-1] if needed else "public"
    factors.append(Factor("Highest data class", DATA_CLASS_POINTS[highest], highest))
    special = sum(SPECIAL_CATEGORY_POINTS.get(c, 0) for c in profile.special_categories)
    factors.append(
        Factor(
            "Special data categories",
            min(special, SPECIAL_CATEGORY_CAP),
            ", ".join(sorted(profile.special_categories)) or "none",
        )
    )
    factors.append(
        Factor("Criticality", CRITICALITY_POINTS.get(profile.criticality, 0), profile.criticality)
    )
    factors.append(Factor("Autonomy", AUTONOMY_POINTS.get(profile.autonomy, 0), profile.autonomy))
    factors.append(
        Factor("Integration", INTEGRATION_POINTS.get(profile.integration, 0), profile.integration)
    )
    return min(100.0, float(sum(f.points for f in factors))), tuple(factors)


# --- Answers ----------------------------------------------------------------------------------


def answer_risk(question: QuestionSpec, value) -> float | None:
    return rules.answer_risk(question, value)


def is_control(question: QuestionSpec, has_followups: bool) -> bool:
    """Questions that measure a control count in C; informational ones (text, date, file,
    choices all without risk) do not, unless follow-up questions hang on them."""
    if has_followups or question.answer_type == "yes_no":
        return True
    if question.answer_type in ("single_choice", "multiple_choice"):
        return any(float(o["risk"]) > 0 for o in question.options)
    if question.answer_type == "number":
        return any(float(b["risk"]) > 0 for b in question.bands)
    return False


def _blocker_applies(blocker: Mapping, profile: VendorProfile) -> bool:
    """A blocker may be limited to some profiles (`if_profile`), e.g. to vendors whose output
    reaches our systems: {integration: [api, plugin, agent]} or {autonomy: [...]}."""
    limits = blocker.get("if_profile") or {}
    return all(getattr(profile, name) in values for name, values in limits.items())


def _blocker_triggered(when: Mapping, value) -> bool:
    """Unanswered counts as the worst answer: it trips every blocker of its question."""
    if rules.is_blank(value):
        return True
    chosen = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if "equals" in when and str(when["equals"]) in chosen:
        return True
    if "in" in when and {str(v) for v in when["in"]} & set(chosen):
        return True
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    if "gt" in when and number > float(when["gt"]):
        return True
    return "lt" in when and number < float(when["lt"])


def _describe(question: QuestionSpec | None, value) -> str:
    """An answer in words: option labels, not codes."""
    if rules.is_blank(value):
        return "not answered"
    labels = {
        o["value"]: o.get("label", o["value"]) for o in (question.options if question else ())
    }
    labels.update(
        {"yes": "yes", "partial": "partial", "no": "no", "not_applicable": "not applicable"}
    )
    if isinstance(value, list | tuple):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if question is not None and question.answer_type == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(labels.get(value, str(value).replace("_", " ")))


def _severity(weight: int, shortfall: float) -> str:
    points = weight * shortfall
    if points >= 3:
        return "high"
    if points >= 1.5:
        return "medium"
    return "low"


def tier_for(residual: float) -> str:
    for bound, tier in TIER_THRESHOLDS:
        if residual < bound:
            return tier
    return "critical"


def cadence(tier: str, profile: VendorProfile) -> tuple[int, tuple[str, ...]]:
    """Days between reassessments, counted from sign-off: the stricter of the tier's and the
    exposure's, with the reasons in words."""
    days = REASSESS_DAYS[tier]
    reasons = [f"{tier.capitalize()} risk: every {days} days."]
    needed = classes_needed(profile.data_classes, profile.special_categories)
    sensitive = []
    if "restricted" in needed:
        sensitive.append("Restricted data")
    sensitive += [
        c.replace("_", " ") + " data"
        for c in sorted(HIGH_EXPOSURE_CATEGORIES & set(profile.special_categories))
    ]
    if profile.autonomy == BROAD_AUTONOMY:
        sensitive.append("an AI acting with broad permissions")
    if sensitive and days > EXPOSURE_MAX_DAYS_SENSITIVE:
        days = EXPOSURE_MAX_DAYS_SENSITIVE
        reasons.append(f"At most {days} days for {', '.join(sensitive)}.")
    if profile.criticality == "high" and days > EXPOSURE_MAX_DAYS_HIGH_CRITICALITY:
        days = EXPOSURE_MAX_DAYS_HIGH_CRITICALITY
        reasons.append(f"At most {days} days for a vendor of high criticality.")
    return days, tuple(reasons)


# --- The score --------------------------------------------------------------------------------


def _evidence_state(evidence: Mapping, kind: str) -> EvidenceState:
    state = evidence.get(kind, MISSING)
    return EvidenceState(state) if isinstance(state, str) else state


def score(
    profile: VendorProfile,
    questions: Sequence[QuestionSpec],
    answers: Mapping[str, AnswerSpec],
    evidence: Mapping[str, "EvidenceState | str"],
    today: dt.date,
    appetite: Mapping[str, float] | None = None,
    core_gaps: Sequence[str] = (),
) -> ScoreResult:
    """Score one assessment.

    `questions` in bank order (a condition names an earlier question); `answers` by question
    key; `evidence` maps an evidence kind to its best record's state (an EvidenceState, or
    just its status: current, expiring, expired or missing); `appetite` the highest residual
    risk accepted per data class; `core_gaps` the reasons the vendor's core evidence is
    missing, expired or disqualified (vendors.evidence_facts.core_evidence_gaps).
    """
    appetite = {**DEFAULT_APPETITE, **(appetite or {})}
    inherent, factors = inherent_risk(profile)
    order = {q.key: i for i, q in enumerate(questions)}
    parents = rules.followup_parents(questions)
    children: dict[str, list[QuestionSpec]] = {}
    for q in questions:
        if q.condition:
            children.setdefault(q.condition["question"], []).append(q)
    findings: list[Finding] = []

    # 1. The value each question is scored with. The profile answers its scope questions; a
    # "not applicable" that does not stand counts as "no"; an answer that claims better than
    # the recorded evidence is scored as the evidence.
    given = {k: a.value for k, a in answers.items()}
    values = rules.with_profile_answers(questions, given, profile)
    excluded: set[str] = set()  # a standing "not applicable": out of the score
    na_credit: dict[str, float] = {}  # ...or, if it expects evidence, counted as a "yes"
    notes: dict[str, str] = {}
    counted_as_no: set[str] = set()  # "not applicable" that does not stand
    for q in questions:
        value = values.get(q.key)
        comment = answers.get(q.key, AnswerSpec()).comment
        if value == rules.NOT_APPLICABLE:
            if (
                rules.na_claim_stands(q, value, comment)
                and q.key not in parents
                and not q.condition
            ):
                excluded.add(q.key)
                if q.evidence_expected:
                    # Counted as a "yes" backed by the evidence it expects: taking it out
                    # would score better than an honest "yes" without sound evidence, and
                    # better evidence must never score worse.
                    standing = _evidence_state(evidence, q.evidence_expected).standing
                    na_credit[q.key] = EVIDENCE_FACTOR[standing]
            else:
                values[q.key] = "no"
                counted_as_no.add(q.key)
                notes[q.key] = rules.na_problem(q, value, comment) or (
                    "“not applicable” cannot be claimed here"
                )
    # In bank order, so that whether a question applies is decided from the corrected answers
    # of the earlier questions (a condition names only earlier questions).
    applicable: set[str] = set()
    for q in questions:
        condition = q.condition
        if condition and not (
            condition["question"] in applicable and rules.condition_met(condition, values)
        ):
            continue
        applicable.add(q.key)
        if not q.evidence_expected or q.key in excluded:
            continue
        state = _evidence_state(evidence, q.evidence_expected)
        implied = rules.evidence_implied_answer(q, state.facts)
        value = values.get(q.key)
        if rules.contradicts(q, value, implied):
            label = state.label or q.evidence_expected
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    _describe(q, value),
                    "high",
                    "contradicts",
                    f"The answer “{_describe(q, value)}” claims better than the evidence on "
                    f"record ({label}), which says “{_describe(q, implied)}”. Scored as the "
                    "evidence says.",
                    "Correct the answer, or record newer evidence that supports it.",
                )
            )
            values[q.key] = implied
            notes[q.key] = f"scored as the evidence on record ({label}) says"

    contributions: dict[str, Contribution] = {}

    def answer_words(q: QuestionSpec) -> str:
        if q.key in counted_as_no:
            return "not applicable (counts as no)"
        return _describe(q, values.get(q.key))

    def base_credit(q: QuestionSpec) -> tuple[float | None, str]:
        value = values.get(q.key)
        if q.key in na_credit:
            credit = na_credit[q.key]
            return credit, (
                f"not applicable (allowed, explained): credit {credit:g}, as a “yes” backed "
                f"by the {q.evidence_expected} evidence on record"
            )
        if q.key in excluded:
            return None, "not applicable (allowed, explained)"
        credit = 1.0 - rules.answer_risk(q, value)
        reason = f"{answer_words(q)}: credit {credit:g}"
        if q.key in notes:
            reason += f" ({notes[q.key]})"
        if q.evidence_expected and credit > 0:
            state = _evidence_state(evidence, q.evidence_expected)
            standing = state.standing
            label = state.label or q.evidence_expected
            if standing != "sound":
                factor = EVIDENCE_FACTOR[standing]
                credit *= factor
                reason += f", × {factor:g}: the expected evidence ({label}) {_state_words(state)}"
                if q.key in applicable:
                    findings.append(
                        Finding(
                            q.key,
                            q.text,
                            answer_words(q),
                            "medium",
                            "evidence",
                            f"Claimed, but the expected evidence ({label}) {_state_words(state)}.",
                            f"Obtain current evidence ({label}) without weaknesses.",
                        )
                    )
        return credit, reason

    def group(q: QuestionSpec) -> tuple[int, float | None]:
        """(weight, credit) of q with its follow-ups; credit None when q is excluded."""
        credit, reason = base_credit(q)
        weight = q.weight
        product = 1.0
        for child in children.get(q.key, []):
            child_weight, child_credit = group(child)
            weight += child_weight
            if child.key in applicable and child_credit is not None:
                product *= child_credit
        control = is_control(q, bool(children.get(q.key)))
        counted = q.key in applicable and credit is not None and control
        contributions[q.key] = Contribution(
            q.key, q.domain, q.weight, 1.0 if credit is None else credit, counted, reason
        )
        if credit is None:
            return weight, None
        if not control:
            credit = 1.0 if not rules.is_blank(values.get(q.key)) else 0.0
        return weight, credit * product

    total_weight = 0.0
    total_credit = 0.0
    domain_totals: dict[str, list[float]] = {}
    for q in questions:
        if q.condition:
            continue
        weight, credit = group(q)
        if credit is None or not is_control(q, bool(children.get(q.key))):
            continue
        total_weight += weight
        total_credit += weight * credit
        totals = domain_totals.setdefault(q.domain, [0.0, 0.0])
        totals[0] += weight
        totals[1] += weight * credit
    effectiveness = total_credit / total_weight if total_weight else 0.0
    residual = round(inherent * (1 - effectiveness), 1)
    tier = tier_for(residual)

    # 2. Findings for answers that fall short, claims of "not applicable", and blockers.
    blocked: dict[str, list[str]] = {c: [] for c in DATA_CLASS_ORDER}

    def block(q: QuestionSpec, blocker: Mapping, answer_words: str) -> None:
        for data_class in blocker["forbids"]:
            blocked[data_class].append(
                f"{blocker['reason']} (“{_question_words(q)}”: {answer_words})"
            )

    for q in questions:
        if q.key not in applicable:
            continue
        value = values.get(q.key)
        if q.key in excluded:
            # Allowed and explained, but a blocker that names "not applicable" still fires.
            for blocker in q.blockers:
                if _blocker_applies(blocker, profile) and _blocker_triggered(
                    blocker["when"], rules.NOT_APPLICABLE
                ):
                    block(q, blocker, "not applicable")
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    "not applicable",
                    "medium",
                    "na_claim",
                    "Declared not applicable: confirm. The reviewer explained: "
                    f"“{answers[q.key].comment.strip()}”",
                    "Confirm that the control does not apply to how we use this vendor.",
                )
            )
            continue
        risk = rules.answer_risk(q, value)
        control = is_control(q, bool(children.get(q.key)))
        triggered = [
            b
            for b in q.blockers
            if _blocker_applies(b, profile) and _blocker_triggered(b["when"], value)
        ]
        for blocker in triggered:
            block(q, blocker, answer_words(q))
        if triggered:
            # One finding per question: a blocker is the answer's most severe consequence.
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    answer_words(q),
                    "critical",
                    "blocker",
                    " ".join(b["reason"] for b in triggered),
                    q.remediation,
                )
            )
        elif risk is not None and risk > 0 and control:
            kind = "unanswered" if rules.is_blank(value) else "answer"
            if kind == "unanswered":
                detail = "Not answered: counts as no."
            else:
                detail = f"Answered “{answer_words(q)}”"
                detail += f" ({notes[q.key]})." if q.key in notes else "."
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    answer_words(q),
                    _severity(q.weight, risk),
                    kind,
                    detail,
                    q.remediation,
                )
            )

    # 3. Evidence facts that refuse classes outright, missing core evidence, and personal
    # data without a data processing agreement with GDPR Art. 28(3) terms.
    for kind in sorted(evidence):
        state = _evidence_state(evidence, kind)
        for issue in state.issues:
            for data_class in issue.forbids:
                blocked[data_class].append(issue.text)
    for reason in core_gaps:
        for data_class in ("confidential", "restricted"):
            blocked[data_class].append(reason)
    personal = sorted(PERSONAL_DATA_CATEGORIES & set(profile.special_categories))
    if personal:
        dpa = _evidence_state(evidence, "dpa")
        art28 = dpa.standing != "none" and dpa.facts.get("gdpr_art28_terms") is True
        if not art28:
            words = ", ".join(c.replace("_", " ") for c in personal)
            for data_class in PERSONAL_DATA_CLASSES:
                blocked[data_class].append(
                    f"Processes personal data ({words}) without a current data processing "
                    "agreement with GDPR Art. 28(3) terms on record: only Public data may "
                    "be sent."
                )

    # 4. One gate per class. Only the classes requested are considered: special categories
    # never bring a class into the decision by themselves (adding one never widens what is
    # allowed), but a class they need that was not requested is named on its gate.
    requested = [c for c in DATA_CLASS_ORDER if c in profile.data_classes]
    highest_rank = class_rank(requested[-1]) if requested else 0
    needed_by = {}
    for category in profile.special_categories:
        if category in CATEGORY_MIN_CLASS:
            needed_by.setdefault(CATEGORY_MIN_CLASS[category], []).append(category)
    gates = []
    for rank, data_class in enumerate(DATA_CLASS_ORDER):
        reasons = list(dict.fromkeys(blocked[data_class]))  # each reason once, in order
        limit = float(appetite[data_class])
        floor = MIN_EFFECTIVENESS[data_class]
        if residual > limit:
            reasons.append(
                f"Residual risk {residual:g} is above the appetite of {limit:g} for "
                f"{data_class} data."
            )
        if effectiveness < floor:
            reasons.append(
                f"The controls meet {effectiveness:.0%} of what the questionnaire asks; "
                f"{data_class.capitalize()} data needs at least {floor:.0%}."
            )
        if rank > highest_rank:
            reason = (
                f"Not requested: this assessment did not consider {data_class} data; "
                "reassess before sending it."
            )
            if data_class in needed_by and data_class not in profile.data_classes:
                words = ", ".join(c.replace("_", " ") for c in needed_by[data_class])
                reason = (
                    f"Not requested, although the vendor would receive {words} data, which is "
                    f"always {data_class.capitalize()} data: request {data_class.capitalize()} "
                    "for this vendor and reassess before sending it."
                )
            reasons.append(reason)
        allowed = not reasons
        if allowed:
            reasons.append(
                f"Residual risk {residual:g} is within the appetite of {limit:g}, and the "
                f"controls meet {effectiveness:.0%} of what the questionnaire asks."
            )
        gates.append(Gate(data_class, allowed, tuple(reasons), residual, limit, floor))

    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.key]))
    domains = tuple(
        DomainScore(domain, int(w), (c / w) if w else 0.0)
        for domain, (w, c) in domain_totals.items()
    )
    days, cadence_reasons = cadence(tier, profile)
    return ScoreResult(
        method_version=METHOD_VERSION,
        inherent=inherent,
        inherent_factors=factors,
        effectiveness=round(effectiveness, 4),
        residual=residual,
        tier=tier,
        domains=domains,
        contributions=tuple(contributions[q.key] for q in questions if q.key in contributions),
        findings=tuple(findings),
        gates=tuple(gates),
        next_reassessment=today + dt.timedelta(days=days),
        reassess_days=days,
        cadence_reasons=cadence_reasons,
    )


def _state_words(state: EvidenceState) -> str:
    if state.status == "missing":
        return "is missing"
    if state.status not in LIVE_EVIDENCE:
        return "has expired"
    problems = "; ".join(i.text for i in state.issues)
    if state.strength == "disqualified":
        return f"is disqualified: {problems}" if problems else "is disqualified"
    return f"is weak: {problems}" if problems else "is weak"


def _question_words(q: QuestionSpec) -> str:
    text = q.text.strip()
    return text if len(text) <= 90 else text[:87].rstrip() + "…"
