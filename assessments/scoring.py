"""Clearance's risk score: explainable, monotone, versioned. Pure: plain data in, a result out;
no ORM, no request. `assessments.services.score_assessment` loads the data and stores the
result. The method is documented, with worked examples, in docs/scoring.md.

    inherent  = min(100, data class + special categories + criticality + autonomy + integration)
    C         = Σ weight × credit / Σ weight over the control groups that apply
    residual  = inherent × (1 − C)
    tier      = Low < 15 ≤ Medium < 30 ≤ High < 50 ≤ Critical

Credit of one answer: yes 1, partial 0.5, no 0, unanswered 0; a choice or number earns
1 − the risk the bank gives it. A claimed control whose expected evidence is missing or expired
earns half. "Not applicable" takes the question's group out of the denominator.

Conditional questions are scored with the question they depend on, as one group: the group's
weight is the sum of its questions' weights and never changes with the answers; its credit is
the parent's credit multiplied by the credit of each follow-up that applies. A follow-up can
only lower its group's credit, so a worse answer never lowers the residual risk (the loader
checks that any answer riskier than one that opens a follow-up, but not opening it itself,
earns no credit at all).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

METHOD_VERSION = "clearance-risk/1"

DATA_CLASS_ORDER = ["public", "internal", "confidential", "restricted"]

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
DEFAULT_APPETITE = {"public": 60, "internal": 40, "confidential": 25, "restricted": 15}

YES_NO_CREDIT = {"yes": 1.0, "partial": 0.5, "no": 0.0}
LIVE_EVIDENCE = {"current", "expiring"}


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


@dataclass(frozen=True)
class AnswerSpec:
    value: object = None
    comment: str = ""


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
    kind: str  # answer, unanswered, blocker, evidence
    detail: str
    remediation: str


@dataclass(frozen=True)
class Gate:
    data_class: str
    allowed: bool
    reasons: tuple[str, ...]
    residual: float
    appetite: float


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

    @property
    def allowed_classes(self) -> list[str]:
        return [g.data_class for g in self.gates if g.allowed]


# --- Inherent risk ----------------------------------------------------------------------------


def inherent_risk(profile: VendorProfile) -> tuple[float, tuple[Factor, ...]]:
    factors = []
    requested = [c for c in DATA_CLASS_ORDER if c in profile.data_classes]
    highest = requested[-1] if requested else "public"
    factors.append(Factor("Highest data class requested", DATA_CLASS_POINTS[highest], highest))
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


def _is_blank(value) -> bool:
    return value is None or value == "" or value == []


def answer_risk(question: QuestionSpec, value) -> float | None:
    """Risk 0..1 of an answer by the bank's values; None for not applicable or no risk."""
    if _is_blank(value):
        return 1.0
    kind = question.answer_type
    if kind == "yes_no":
        if value == "not_applicable":
            return None
        return 1.0 - YES_NO_CREDIT.get(str(value), 0.0)
    if kind in ("single_choice", "multiple_choice"):
        risks = {o["value"]: float(o["risk"]) for o in question.options}
        chosen = value if isinstance(value, list | tuple) else [value]
        return max((risks.get(v, 1.0) for v in chosen), default=1.0)
    if kind == "number" and question.bands:
        for band in question.bands:
            if band["max"] is None or float(value) <= float(band["max"]):
                return float(band["risk"])
        return 1.0
    return 0.0


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


def condition_met(condition: Mapping | None, answers: Mapping[str, AnswerSpec]) -> bool:
    if not condition:
        return True
    expected = {str(v) for v in condition.get("in", [condition.get("equals")])}
    value = answers.get(condition["question"], AnswerSpec()).value
    given = value if isinstance(value, list | tuple) else [value]
    return any(str(v) in expected for v in given if not _is_blank(v))


def _blocker_triggered(when: Mapping, value) -> bool:
    """Unanswered counts as the worst answer: it trips every blocker of its question."""
    if _is_blank(value):
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


def _describe(value) -> str:
    if _is_blank(value):
        return "not answered"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value).replace("_", " ")


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


# --- The score --------------------------------------------------------------------------------


def score(
    profile: VendorProfile,
    questions: Sequence[QuestionSpec],
    answers: Mapping[str, AnswerSpec],
    evidence: Mapping[str, str],
    today: dt.date,
    appetite: Mapping[str, float] | None = None,
) -> ScoreResult:
    """Score one assessment.

    `questions` in bank order (a condition names an earlier question); `answers` by question
    key; `evidence` maps an evidence kind to its best status (current, expiring, expired or
    missing); `appetite` the highest residual risk accepted per data class.
    """
    appetite = {**DEFAULT_APPETITE, **(appetite or {})}
    inherent, factors = inherent_risk(profile)
    by_key = {q.key: q for q in questions}
    children: dict[str, list[QuestionSpec]] = {}
    for q in questions:
        if q.condition:
            children.setdefault(q.condition["question"], []).append(q)

    applicable: set[str] = set()
    for q in questions:
        parent = q.condition["question"] if q.condition else None
        if parent is None or (parent in applicable and condition_met(q.condition, answers)):
            applicable.add(q.key)

    contributions: dict[str, Contribution] = {}
    findings: list[Finding] = []

    def base_credit(q: QuestionSpec) -> tuple[float | None, str]:
        value = answers.get(q.key, AnswerSpec()).value
        risk = answer_risk(q, value)
        if risk is None:
            return None, "not applicable"
        credit = 1.0 - risk
        reason = f"{_describe(value)}: credit {credit:g}"
        if q.evidence_expected and credit > 0:
            status = evidence.get(q.evidence_expected, "missing")
            if status not in LIVE_EVIDENCE:
                credit /= 2
                reason += f", halved: {q.evidence_expected} evidence {status}"
            if status not in LIVE_EVIDENCE and q.key in applicable:
                findings.append(
                    Finding(
                        q.key,
                        q.text,
                        _describe(value),
                        "medium",
                        "evidence",
                        f"Claimed, but the expected {q.evidence_expected} evidence is {status}.",
                        f"Obtain current {q.evidence_expected} evidence.",
                    )  # fmt: skip
                )
        return credit, reason

    def group(q: QuestionSpec) -> tuple[int, float | None]:
        """(weight, credit) of q with its follow-ups; credit None when q is not applicable."""
        credit, reason = base_credit(q)
        weight = q.weight
        product = 1.0
        for child in children.get(q.key, []):
            child_weight, child_credit = group(child)
            weight += child_weight
            if child.key in applicable and child_credit is not None:
                product *= child_credit
        control = is_control(q, bool(children.get(q.key)))
        contributions[q.key] = Contribution(
            q.key, q.domain, q.weight, 1.0 if credit is None else credit,
            q.key in applicable and credit is not None and control, reason,
        )  # fmt: skip
        if credit is None:
            return weight, None
        if not control:
            credit = 1.0 if not _is_blank(answers.get(q.key, AnswerSpec()).value) else 0.0
        return weight, credit * product

    total_weight = 0.0
    total_credit = 0.0
    domain_totals: dict[str, list[float]] = {}
    for q in questions:
        if q.condition:
            continue
        weight, credit = group(q)
        if credit is None:
            continue
        if not is_control(q, bool(children.get(q.key))):
            continue
        total_weight += weight
        total_credit += weight * credit
        totals = domain_totals.setdefault(q.domain, [0.0, 0.0])
        totals[0] += weight
        totals[1] += weight * credit
    effectiveness = total_credit / total_weight if total_weight else 0.0
    residual = round(inherent * (1 - effectiveness), 1)
    tier = tier_for(residual)

    # Findings for answers that fall short, and blockers.
    blocked: dict[str, list[str]] = {c: [] for c in DATA_CLASS_ORDER}
    for q in questions:
        if q.key not in applicable:
            continue
        value = answers.get(q.key, AnswerSpec()).value
        risk = answer_risk(q, value)
        control = is_control(q, bool(children.get(q.key)))
        triggered = [b for b in q.blockers if _blocker_triggered(b["when"], value)]
        for blocker in triggered:
            for data_class in blocker["forbids"]:
                blocked[data_class].append(f"{blocker['reason']} ({q.key}: {_describe(value)})")
        if triggered:
            # One finding per question: a blocker is the answer's most severe consequence.
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    _describe(value),
                    "critical",
                    "blocker",
                    " ".join(
                        f"{b['reason']} Forbids: {', '.join(b['forbids'])}." for b in triggered
                    ),
                    q.remediation,
                )  # fmt: skip
            )
        elif risk is not None and risk > 0 and control:
            kind = "unanswered" if _is_blank(value) else "answer"
            findings.append(
                Finding(
                    q.key,
                    q.text,
                    _describe(value),
                    _severity(q.weight, risk),
                    kind,
                    "Not answered: counts as no."
                    if kind == "unanswered"
                    else f"Answer carries risk {risk:g}.",
                    q.remediation,
                )  # fmt: skip
            )

    requested = [c for c in DATA_CLASS_ORDER if c in profile.data_classes]
    highest_rank = DATA_CLASS_ORDER.index(requested[-1]) if requested else 0
    gates = []
    for rank, data_class in enumerate(DATA_CLASS_ORDER):
        reasons = list(blocked[data_class])
        limit = float(appetite[data_class])
        if residual > limit:
            reasons.append(
                f"Residual risk {residual:g} is above the appetite of {limit:g} for "
                f"{data_class} data."
            )
        if rank > highest_rank:
            reasons.append(
                f"Not requested: this assessment did not consider {data_class} data; "
                "reassess before sending it."
            )
        if not reasons:
            reasons.append(f"Residual risk {residual:g} is within the appetite of {limit:g}.")
            gates.append(Gate(data_class, True, tuple(reasons), residual, limit))
        else:
            gates.append(Gate(data_class, False, tuple(reasons), residual, limit))

    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    findings.sort(key=lambda f: (order[f.severity], list(by_key).index(f.key)))
    domains = tuple(
        DomainScore(domain, int(w), (c / w) if w else 0.0)
        for domain, (w, c) in domain_totals.items()
    )
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
        next_reassessment=today + dt.timedelta(days=REASSESS_DAYS[tier]),
    )
