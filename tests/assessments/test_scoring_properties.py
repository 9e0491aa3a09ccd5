"""Property tests of assessments.scoring, method clearance-risk/2 (pure: no database).

Hypothesis builds random question banks that the loader accepts (every answer type, weights
1-5, expected evidence, follow-up questions that obey the loader's monotone rule, "not
applicable" allowances on top-level yes/no questions without follow-ups, scope questions
answered from the vendor profile, questions tied to an evidence fact, blockers limited to some
profiles), random answers and comments (unanswered and "not applicable" included), random
evidence (status, strength, issues that forbid classes, recorded facts), core evidence gaps and
vendor profiles. It checks the promises of docs/scoring.md and of issue 13: the score stays in
range and is deterministic; a worse answer, weaker evidence, a "not applicable" or an answer
the evidence contradicts never scores better than the honest answer; the profile answers its
scope questions; every shortfall becomes a finding; and the gates and the cadence follow the
documented rules.

The helpers below are a second, independent reading of those rules: the properties compare the
scoring module against them rather than against itself.
"""

import copy
import dataclasses
import datetime as dt
import functools

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.loader import validate_bank
from assessments.scoring import (
    AnswerSpec,
    EvidenceIssue,
    EvidenceState,
    QuestionSpec,
    VendorProfile,
)
from vendors.models import EVIDENCE_FACTS

TODAY = dt.date(2025, 6, 2)
CLASSES = ("public", "internal", "confidential", "restricted")
EVIDENCE_KINDS = ("soc2", "dpa", "training", "retention", "encryption")
EVIDENCE_STATUSES = ("current", "expiring", "expired", "missing")
STRENGTHS = ("sound", "weak", "disqualified")
DOMAINS = ("certifications", "dpa_legal", "training_use", "ai_threats")
YES_NO_ORDER = ["yes", "partial", "no", None]  # best to worst; None is unanswered
YES_NO_RISK = {"yes": 0.0, "partial": 0.5, "no": 1.0}
NA = "not_applicable"
CHOICE_TYPES = ("single_choice", "multiple_choice")
AUTONOMY = tuple(scoring.AUTONOMY_POINTS)
INTEGRATION = tuple(scoring.INTEGRATION_POINTS)
CATEGORIES = tuple(scoring.SPECIAL_CATEGORY_POINTS)
PERSONAL = {"personal", "employee", "health"}  # GDPR personal data: needs an Art. 28 DPA
CATEGORY_MIN_CLASS = {
    "health": "restricted",
    "payment_card": "restricted",
    "personal": "confidential",
    "employee": "confidential",
}
# The gates read the DPA's Art. 28 fact themselves; the other facts of a kind may be tied to
# a question (each to at most one question of a bank, so that its recorded value is of the
# question's type).
ART28 = "gdpr_art28_terms"
TIEABLE_FACTS = {kind: [f for f in EVIDENCE_FACTS[kind] if f != ART28] for kind in EVIDENCE_KINDS}
NA_ALLOWANCE = "We use the service only through its web application."
COMMENTS = ("", "   ", "Web app only: no API keys are issued to us.")
CORE_GAPS = (
    "No current SOC 2 Type II report or ISO 27001 certificate on record.",
    "The data processing agreement is missing.",
    "The training-data use evidence is disqualified.",
)

# Derandomized: CI runs the same 200 examples each time, so a red build is reproducible.
# (Random exploration with other seeds was run while writing these properties.)
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

# --- Strategies -------------------------------------------------------------------------------
# The generators below are plain functions of `draw` over strategies built once: building a
# strategy per draw costs more than scoring the assessment.

BOOLS = st.booleans()
RISKS = st.one_of(
    st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 1.0]),  # ties and the bounds, often
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
WEIGHTS = st.integers(min_value=1, max_value=5)
BOUND_LISTS = st.lists(st.integers(min_value=0, max_value=400), max_size=3, unique=True)
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=500), st.floats(min_value=0, max_value=500, allow_nan=False)
)
FACT_NUMBERS = st.integers(min_value=0, max_value=500)


@functools.cache
def _index_below(n: int):
    return st.integers(min_value=0, max_value=n - 1)


def pick(draw, values):
    """One of `values` (shrinks towards the first)."""
    values = list(values)
    return values[draw(_index_below(len(values)))]


def some(draw, values, min_size: int = 0) -> list:
    """A subset of `values`, in their order."""
    chosen = [v for v in values if draw(BOOLS)]
    if not chosen and min_size:
        chosen = [pick(draw, values)]
    return chosen


def answer_risks(question: QuestionSpec) -> dict[str, float]:
    """Risk of each answer a condition may test (the loader's view of a parent question)."""
    if question.answer_type == "yes_no":
        return dict(YES_NO_RISK)
    return {o["value"]: float(o["risk"]) for o in question.options}


def draw_condition(draw, earlier: list[QuestionSpec]):
    """A condition on an earlier yes/no or choice question that keeps the group monotone:
    it opens on every answer at least as risky as a threshold, except that answers with
    risk 1 (which earn nothing anyway) may stay closed. A question that allows "not
    applicable" has no follow-ups (the loader refuses them)."""
    parents = [
        q
        for q in earlier
        if (q.answer_type == "yes_no" or q.answer_type in CHOICE_TYPES) and not q.not_applicable
    ]
    if not parents or not draw(BOOLS):
        return None
    parent = pick(draw, parents)
    by_answer = answer_risks(parent)
    threshold = pick(draw, sorted(set(by_answer.values())))
    triggers = [v for v, r in by_answer.items() if r >= threshold]
    closed_worst = [v for v in triggers if by_answer[v] == 1.0 and draw(BOOLS)]
    triggers = [v for v in triggers if v not in closed_worst] or triggers
    return {"question": parent.key, "in": triggers}


def draw_profile_limits(draw):
    """A blocker's `if_profile`: none, or the integrations or autonomy levels it covers."""
    name = pick(draw, [None, "integration", "autonomy"])
    if name is None:
        return None
    return {name: some(draw, INTEGRATION if name == "integration" else AUTONOMY, min_size=1)}


def draw_blockers(draw, answer_type: str, options: tuple, bands: tuple, na_allowed: bool):
    """Blockers that fire on an answer and on every riskier one (as a bank's should: a worse
    answer must not lift a blocker), and on "not applicable" only where it is allowed."""
    if answer_type == "yes_no":
        worst = pick(draw, [["no"], ["partial", "no"]])
        whens = [{"in": worst}, {"in": [*worst, NA]}] if na_allowed else [{"in": worst}]
        if worst == ["no"]:
            whens.append({"equals": "no"})
    elif answer_type in CHOICE_TYPES:
        by_risk = {o["value"]: o["risk"] for o in options}
        thresholds = sorted(set(by_risk.values()))
        whens = [{"in": [v for v, r in by_risk.items() if r >= t]} for t in thresholds]
    elif answer_type == "number":
        # `gt` a band's bound, where every band above it is at least as risky as every band
        # up to it; `missing` fires only on an empty answer, the worst.
        whens = [{"missing": True}]
        for n, band in enumerate(bands[:-1]):
            below = [b["risk"] for b in bands[: n + 1]]
            above = [b["risk"] for b in bands[n + 1 :]]
            if min(above) >= max(below):
                whens.append({"gt": band["max"]})
    else:
        return ()
    blockers = []
    for n in range(pick(draw, [0, 1, 1, 2])):
        blocker = {
            "when": pick(draw, whens),
            "forbids": some(draw, CLASSES, min_size=1),
            "reason": f"Blocker {n}.",
        }
        limits = draw_profile_limits(draw)
        if limits:
            blocker["if_profile"] = limits
        blockers.append(blocker)
    return tuple(blockers)


def draw_scope_question(draw, index: int) -> QuestionSpec:
    """A scope question the vendor profile answers (`from_profile`): a single choice offering
    exactly the values the profile can give. "Processed" is never less risky than "not
    processed", as in the shipped banks (where both carry no risk)."""
    source = pick(
        draw, ["autonomy", "integration"] + [f"special_categories.{c}" for c in CATEGORIES]
    )
    if source in ("autonomy", "integration"):
        values = AUTONOMY if source == "autonomy" else INTEGRATION
        options = tuple({"value": v, "label": v, "risk": draw(RISKS)} for v in values)
    else:
        low, high = sorted([draw(RISKS), draw(RISKS)])
        options = (
            {"value": "not_processed", "label": "Not processed", "risk": low},
            {"value": "processed", "label": "Processed", "risk": high},
        )
    return QuestionSpec(
        key=f"q{index}",
        text=f"Scope question {index}?",
        domain=pick(draw, DOMAINS),
        answer_type="single_choice",
        weight=draw(WEIGHTS),
        options=options,
        blockers=draw_blockers(draw, "single_choice", options, (), False),
        remediation=f"Fix {index}.",
        from_profile=source,
    )


def draw_evidence_tie(draw, answer_type: str, kind: str, options: tuple, taken: set):
    """An `evidence_fact` for a question of this type expecting `kind` evidence, or None.
    Each fact is tied to one question at most, so its recorded value suits that question."""
    free = [f for f in TIEABLE_FACTS[kind] if (kind, f) not in taken]
    if answer_type not in ("yes_no", *CHOICE_TYPES, "number") or not free or not draw(BOOLS):
        return None
    fact = pick(draw, free)
    taken.add((kind, fact))
    if answer_type == "number":
        return {"fact": fact}  # a number reads as itself
    answers = ["yes", "partial", "no"] if answer_type == "yes_no" else [o["value"] for o in options]
    if answer_type == "yes_no" and draw(BOOLS):
        if draw(BOOLS):
            return {"fact": fact}  # a boolean fact reads as yes / no
        return {"fact": fact, "map": {"true": pick(draw, answers), "false": pick(draw, answers)}}
    count = pick(draw, [1, 2, 3])
    return {"fact": fact, "map": {f"v{n}": pick(draw, answers) for n in range(count)}}


ANSWER_TYPES = ["yes_no", "yes_no", "single_choice", "multiple_choice", "number", "text", "date"]


def draw_question(draw, index: int, earlier: list[QuestionSpec], taken: set) -> QuestionSpec:
    if pick(draw, range(8)) == 7:
        return draw_scope_question(draw, index)
    answer_type = pick(draw, ANSWER_TYPES)
    options: tuple = ()
    bands: tuple = ()
    if answer_type in CHOICE_TYPES:
        options = tuple(
            {"value": f"o{n}", "label": f"Option {n}", "risk": draw(RISKS)}
            for n in range(pick(draw, [2, 3, 4]))
        )
    elif answer_type == "number":
        bands = tuple({"max": b, "risk": draw(RISKS)} for b in sorted(draw(BOUND_LISTS)))
        bands += ({"max": None, "risk": draw(RISKS)},)
    evidence = ""
    if draw(BOOLS):  # informational questions may expect evidence too (a date, a file)
        evidence = pick(draw, EVIDENCE_KINDS)
    condition = draw_condition(draw, earlier)
    tie = draw_evidence_tie(draw, answer_type, evidence, options, taken) if evidence else None
    # The loader allows "not applicable" only on a top-level yes/no question that is not
    # checked against an evidence fact or the profile; later questions never depend on it.
    na_allowed = answer_type == "yes_no" and not condition and not tie and draw(BOOLS)
    return QuestionSpec(
        key=f"q{index}",
        text=f"Question {index}?",
        domain=pick(draw, DOMAINS),
        answer_type=answer_type,
        weight=draw(WEIGHTS),
        options=options,
        bands=bands,
        condition=condition,
        evidence_expected=evidence,
        blockers=draw_blockers(draw, answer_type, options, bands, na_allowed),
        remediation=f"Fix {index}.",
        not_applicable=NA_ALLOWANCE if na_allowed else "",
        evidence_fact=tie,
    )


@st.composite
def banks(draw) -> tuple[QuestionSpec, ...]:
    bank: list[QuestionSpec] = []
    taken: set = set()
    for index in range(pick(draw, range(1, 13))):
        bank.append(draw_question(draw, index, bank, taken))
    return tuple(bank)


def draw_answer(draw, question: QuestionSpec):
    """Any answer the question may hold, unanswered ones (None, "", []) included."""
    kind = question.answer_type
    values = [o["value"] for o in question.options]
    if kind == "yes_no":
        return pick(draw, ["yes", "partial", "no", NA, None, ""])
    if kind == "single_choice":
        return pick(draw, [*values, None, ""])
    if kind == "multiple_choice":
        return pick(draw, [some(draw, values, min_size=1), None, []])
    if kind == "number":
        return draw(NUMBERS) if draw(BOOLS) or draw(BOOLS) else pick(draw, [None, ""])
    return pick(draw, ["2025-01-31" if kind == "date" else "Acme Models Ltd.", None, ""])


@st.composite
def answer_values(draw, question: QuestionSpec):
    return draw_answer(draw, question)


def draw_fact_value(draw, question: QuestionSpec):
    """A value the evidence may record for the fact a question is tied to."""
    mapping = question.evidence_fact.get("map")
    if question.answer_type == "number":
        return draw(FACT_NUMBERS)
    if mapping is None or set(mapping) == {"true", "false"}:
        return draw(BOOLS)
    return pick(draw, [*mapping, "unmapped"])


def draw_issue(draw) -> EvidenceIssue:
    return EvidenceIssue(
        pick(draw, ["weak", "disqualifying"]),
        f"Issue {pick(draw, range(10))}.",
        tuple(some(draw, CLASSES)),
    )


def draw_evidence_state(draw, kind: str, bank):
    """The best evidence of one kind: a bare status (as stored v1 inputs were), or a state
    with a strength, issues and the facts the bank's questions are tied to."""
    facts = {}
    for question in bank:
        if question.evidence_fact and question.evidence_expected == kind and pick(draw, [1, 1, 0]):
            facts[question.evidence_fact["fact"]] = draw_fact_value(draw, question)
    if kind == "dpa":
        art28 = pick(draw, [True, False, None, True])
        if art28 is not None:
            facts[ART28] = art28
    if not facts and pick(draw, range(4)) == 3:
        return pick(draw, EVIDENCE_STATUSES)
    return EvidenceState(
        pick(draw, EVIDENCE_STATUSES),
        pick(draw, STRENGTHS),
        tuple(draw_issue(draw) for _ in range(pick(draw, [0, 0, 1, 2]))),
        facts,
        label=f"{kind} evidence",
    )


def draw_profile(draw) -> VendorProfile:
    return VendorProfile(
        data_classes=tuple(some(draw, CLASSES)),
        special_categories=tuple(some(draw, CATEGORIES)),
        criticality=pick(draw, scoring.CRITICALITY_POINTS),
        autonomy=pick(draw, AUTONOMY),
        integration=pick(draw, INTEGRATION),
    )


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One assessment to score."""

    profile: VendorProfile
    bank: tuple[QuestionSpec, ...]
    answers: dict
    evidence: dict
    core_gaps: tuple[str, ...] = ()

    def answer(self, key: str, value, comment: str | None = None) -> "Scenario":
        """The same scenario with one answer changed (its comment kept unless given)."""
        old = self.answers.get(key, AnswerSpec())
        spec = AnswerSpec(value, old.comment if comment is None else comment)
        return dataclasses.replace(self, answers={**self.answers, key: spec})


@st.composite
def scenarios(draw) -> Scenario:
    bank = draw(banks())
    answers = {}
    for question in bank:
        if pick(draw, range(6)):  # sometimes no answer row at all
            answers[question.key] = AnswerSpec(draw_answer(draw, question), pick(draw, COMMENTS))
    evidence = {
        kind: draw_evidence_state(draw, kind, bank)
        for kind in EVIDENCE_KINDS
        if draw(BOOLS)  # an absent kind counts as missing
    }
    gaps = tuple(some(draw, CORE_GAPS) if pick(draw, range(3)) == 2 else ())
    return Scenario(draw_profile(draw), bank, answers, evidence, gaps)


def run(s: Scenario) -> scoring.ScoreResult:
    return scoring.score(s.profile, s.bank, s.answers, s.evidence, TODAY, core_gaps=s.core_gaps)


# --- Helpers: a second, independent reading of the rules ----------------------------------------


def blank(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def risk_of(question: QuestionSpec, value) -> float:
    """Risk of an answer by the documented rules ("not applicable" handled by callers)."""
    if blank(value):
        return 1.0
    if question.answer_type == "yes_no":
        return YES_NO_RISK[value]
    if question.answer_type in CHOICE_TYPES:
        chosen = value if isinstance(value, list) else [value]
        return max(o["risk"] for o in question.options if o["value"] in chosen)
    if question.answer_type == "number":
        for band in question.bands:
            if band["max"] is None or value <= band["max"]:
                return band["risk"]
    return 0.0


def parents_of_follow_ups(bank) -> set[str]:
    return {q.condition["question"] for q in bank if q.condition}


def applicable_keys(bank, values) -> set[str]:
    applicable: set[str] = set()
    for question in bank:
        condition = question.condition
        if condition is None:
            applicable.add(question.key)
            continue
        value = values.get(condition["question"])
        given = value if isinstance(value, list) else [value]
        if condition["question"] in applicable and any(
            v in condition["in"] for v in given if not blank(v)
        ):
            applicable.add(question.key)
    return applicable


def is_control(question: QuestionSpec, bank) -> bool:
    if question.key in parents_of_follow_ups(bank):
        return True
    if question.answer_type == "yes_no":
        return True
    if question.answer_type in CHOICE_TYPES:
        return any(o["risk"] > 0 for o in question.options)
    if question.answer_type == "number":
        return any(b["risk"] > 0 for b in question.bands)
    return False


def profile_value(question: QuestionSpec, profile: VendorProfile):
    """What the profile answers to a scope question bound to it."""
    source = question.from_profile
    if source in ("autonomy", "integration"):
        return getattr(profile, source)
    if source.startswith("special_categories."):
        category = source.split(".", 1)[1]
        return "processed" if category in profile.special_categories else "not_processed"
    return None


def state_of(evidence, kind: str) -> EvidenceState:
    state = evidence.get(kind, EvidenceState("missing"))
    return EvidenceState(state) if isinstance(state, str) else state


def standing(state: EvidenceState) -> str:
    if state.status not in ("current", "expiring") or state.strength == "disqualified":
        return "none"
    return state.strength


def implied_answer(question: QuestionSpec, evidence):
    """The answer the recorded fact gives, or None."""
    tie = question.evidence_fact
    if not tie or not question.evidence_expected:
        return None
    value = state_of(evidence, question.evidence_expected).facts.get(tie["fact"])
    if value is None or value == "":
        return None
    mapping = tie.get("map") or {}
    if isinstance(value, bool):
        return mapping.get(str(value).lower(), "yes" if value else "no")
    return mapping.get(str(value)) if mapping else value


def na_stands(question: QuestionSpec, comment: str, bank) -> bool:
    return (
        question.answer_type == "yes_no"
        and bool(question.not_applicable.strip())
        and bool(comment.strip())
        and question.key not in parents_of_follow_ups(bank)
        and not question.condition
    )


@dataclasses.dataclass
class Reading:
    values: dict  # the value each question is scored with
    excluded: set  # a standing "not applicable": out of the score
    shown: set  # the questions that apply, decided in bank order from the corrected answers
    applicable: set  # the questions that apply as scored
    contradicted: set


def read(s: Scenario) -> Reading:
    """The documented steps: the profile answers its scope questions; a "not applicable" that
    does not stand counts as "no"; then, in bank order, a question applies when its parent
    applies and the parent's (corrected) answer meets the condition, and an applicable answer
    better than the recorded evidence is scored as the evidence."""
    values = {k: a.value for k, a in s.answers.items()}
    for question in s.bank:
        if question.from_profile:
            values[question.key] = profile_value(question, s.profile)
    excluded = set()
    for question in s.bank:
        if values.get(question.key) == NA:
            comment = s.answers.get(question.key, AnswerSpec()).comment
            if na_stands(question, comment, s.bank):
                excluded.add(question.key)
            else:
                values[question.key] = "no"
    # In bank order: whether a question applies is decided from the corrected answers of the
    # earlier questions (a condition names only earlier ones).
    shown = set()
    contradicted = set()
    for question in s.bank:
        condition = question.condition
        if condition is not None:
            value = values.get(condition["question"])
            given = value if isinstance(value, list) else [value]
            holds = any(v in condition["in"] for v in given if not blank(v))
            if condition["question"] not in shown or not holds:
                continue
        shown.add(question.key)
        if question.key in excluded:
            continue
        implied = implied_answer(question, s.evidence)
        value = values.get(question.key)
        claims_better = (
            implied is not None
            and not blank(value)
            and risk_of(question, value) < risk_of(question, implied)
        )
        if claims_better:
            values[question.key] = implied
            contradicted.add(question.key)
    return Reading(values, excluded, shown, applicable_keys(s.bank, values), contradicted)


def trips(when, value) -> bool:
    """Whether a blocker's `when` holds for an answer (unanswered trips every blocker)."""
    if blank(value):
        return True
    chosen = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if "equals" in when and str(when["equals"]) in chosen:
        return True
    if "in" in when and {str(v) for v in when["in"]} & set(chosen):
        return True
    if isinstance(value, list | tuple | str):
        return False
    return ("gt" in when and value > when["gt"]) or ("lt" in when and value < when["lt"])


def limited_to(blocker, profile: VendorProfile) -> bool:
    return all(getattr(profile, k) in v for k, v in (blocker.get("if_profile") or {}).items())


def tripped_blockers(s: Scenario, reading: Reading, question: QuestionSpec) -> list:
    if question.key not in reading.applicable:
        return []
    value = NA if question.key in reading.excluded else reading.values.get(question.key)
    return [b for b in question.blockers if limited_to(b, s.profile) and trips(b["when"], value)]


def requested_rank(profile: VendorProfile) -> int:
    """The rank of the highest class the profile requests (Public when none)."""
    return max((CLASSES.index(c) for c in profile.data_classes), default=0)


def needed_rank(profile: VendorProfile) -> int:
    """The rank of the highest class the profile needs (requested or its categories')."""
    ranks = [CLASSES.index(c) for c in profile.data_classes]
    ranks += [
        CLASSES.index(CATEGORY_MIN_CLASS[c])
        for c in profile.special_categories
        if c in CATEGORY_MIN_CLASS
    ]
    return max(ranks, default=0)


def band_values(question: QuestionSpec) -> list[tuple[float, float]]:
    """One value inside each band, with the band's risk."""
    values, previous = [], None
    for band in question.bands:
        if band["max"] is None:
            values.append(((previous if previous is not None else 0) + 1, band["risk"]))
        else:
            values.append((band["max"], band["risk"]))
            previous = band["max"]
    return values


def worse_values(question: QuestionSpec, value) -> list:
    """Answers strictly worse than `value`: yes → partial → no → unanswered; for choices an
    option with a higher risk; for numbers a value in a riskier band; unanswered is worst."""
    if blank(value) or value == NA:
        return []
    if question.answer_type == "yes_no":
        return YES_NO_ORDER[YES_NO_ORDER.index(value) + 1 :]
    current = risk_of(question, value)
    if question.answer_type == "single_choice":
        return [o["value"] for o in question.options if o["risk"] > current] + [None]
    if question.answer_type == "multiple_choice":
        riskier = [o["value"] for o in question.options if o["risk"] > current]
        return [[v] for v in riskier] + [[*value, v] for v in riskier] + [None]
    if question.answer_type == "number":
        return [v for v, r in band_values(question) if r > current] + [None]
    return [None]  # text and date: unanswered


def better_values(question: QuestionSpec, than) -> list:
    """Answers that claim strictly less risk than `than` (what a contradiction looks like)."""
    bar = risk_of(question, than)
    if question.answer_type == "yes_no":
        return [v for v in ("yes", "partial", "no") if YES_NO_RISK[v] < bar]
    if question.answer_type == "single_choice":
        return [o["value"] for o in question.options if o["risk"] < bar]
    if question.answer_type == "multiple_choice":
        return [[o["value"]] for o in question.options if o["risk"] < bar]
    return [v for v, r in band_values(question) if r < bar]


def subtree(bank, key) -> set[str]:
    """`key` and every question that depends on it, directly or not."""
    keys = {key}
    for question in bank:  # bank order: a parent comes before its follow-ups
        if question.condition and question.condition["question"] in keys:
            keys.add(question.key)
    return keys


def same_outcome(first, second, *, reasons_worded_alike: bool = True) -> None:
    """The two results score and gate alike (findings may word things differently, and so may
    the gates' reasons, which quote the answer, unless `reasons_worded_alike`)."""
    assert first.residual == second.residual
    assert first.effectiveness == second.effectiveness
    assert first.tier == second.tier
    assert first.domains == second.domains
    assert first.next_reassessment == second.next_reassessment
    if reasons_worded_alike:
        assert first.gates == second.gates
    else:
        assert [(g.data_class, g.allowed, len(g.reasons)) for g in first.gates] == [
            (g.data_class, g.allowed, len(g.reasons)) for g in second.gates
        ]


def never_better(worse: scoring.ScoreResult, better: scoring.ScoreResult) -> None:
    """`worse` scores no better than `better`: risk not lower, no class allowed that `better`
    refuses."""
    assert worse.residual >= better.residual
    assert worse.effectiveness <= better.effectiveness
    assert set(worse.allowed_classes) <= set(better.allowed_classes)


# --- Sanity: the generator only builds banks the loader would accept -----------------------------


def as_loader_dict(question: QuestionSpec) -> dict:
    data = {
        "key": question.key,
        "text": question.text,
        "domain": question.domain,
        "type": question.answer_type,
        "weight": question.weight,
        "frameworks": ["SOC2:CC6.1"],
    }
    optional = {
        "options": list(question.options),
        "bands": list(question.bands),
        "unit": "days" if question.answer_type == "number" else "",
        "condition": question.condition,
        "evidence_expected": question.evidence_expected,
        "blockers": list(question.blockers),
        "not_applicable": question.not_applicable,
        "from_profile": question.from_profile,
        "evidence_fact": question.evidence_fact,
    }
    return {**data, **{k: v for k, v in optional.items() if v}}


@PROPERTY_SETTINGS
@given(banks())
def test_the_generated_banks_pass_the_loaders_validation(bank):
    assert loader_errors(bank) == []


def test_the_pinned_counterexamples_are_banks_the_loader_accepts():
    for scenario in (CONTRADICTED_PARENT[0], HIDDEN_AFTER_CONTRADICTION):
        assert loader_errors(scenario.bank) == []


def loader_errors(bank) -> list[str]:
    data = {
        "bank": {"key": "generated", "name": "Generated", "version": 1},
        "sections": [
            {"key": "all", "title": "All", "questions": [as_loader_dict(q) for q in bank]}
        ],
    }
    return [str(e) for e in validate_bank(data, "generated.yaml")]


# --- Properties: range, determinism, monotone answers and evidence ------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_scores_stay_in_range(s):
    result = run(s)
    assert 0 <= result.inherent <= 100
    assert 0 <= result.residual <= 100
    assert 0 <= result.effectiveness <= 1
    assert result.residual <= result.inherent
    for domain in result.domains:
        assert 0 <= domain.effectiveness <= 1 + 1e-9
    for contribution in result.contributions:
        assert 0 <= contribution.credit <= 1


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_same_input_gives_the_same_result(s):
    first = run(s)
    assert run(copy.deepcopy(s)) == first
    assert run(s) == first  # the inputs were not mutated
    assert first.method_version == scoring.METHOD_VERSION == "clearance-risk/2"


def check_worse_answer(s: Scenario, data, only_parents: bool) -> None:
    parents = parents_of_follow_ups(s.bank)
    candidates = [
        q
        for q in s.bank
        if worse_values(q, s.answers.get(q.key, AnswerSpec()).value)
        and (q.key in parents or not only_parents)
    ]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates), label="question")
    worse = data.draw(
        st.sampled_from(worse_values(question, s.answers[question.key].value)),
        label="worse answer",
    )
    before, after = run(s), run(s.answer(question.key, worse))
    assert after.residual >= before.residual
    assert after.effectiveness <= before.effectiveness


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_a_worse_answer_never_lowers_the_residual(s, data):
    check_worse_answer(s, data, only_parents=False)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_a_worse_answer_to_a_parent_of_follow_ups_never_lowers_the_residual(s, data):
    check_worse_answer(s, data, only_parents=True)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_current_sound_evidence_never_raises_the_residual(s, data):
    """Replacing the evidence of one kind by a current record without weaknesses (the same
    facts) never raises the residual risk."""
    weak = [k for k in EVIDENCE_KINDS if standing(state_of(s.evidence, k)) != "sound"]
    assume(weak)
    kind = data.draw(st.sampled_from(weak), label="kind")
    better = EvidenceState("current", "sound", (), state_of(s.evidence, kind).facts)
    after = run(dataclasses.replace(s, evidence={**s.evidence, kind: better}))
    before = run(s)
    assert after.residual <= before.residual
    assert after.effectiveness >= before.effectiveness


# (b) Weakening the evidence: each step makes one kind's evidence worse.

STATUS_STEPS = {
    "current": ("expiring", "expired", "missing"),
    "expiring": ("expired", "missing"),
    "expired": ("missing",),
    "missing": (),
}
STRENGTH_STEPS = {"sound": ("weak", "disqualified"), "weak": ("disqualified",), "disqualified": ()}


@st.composite
def weakenings(draw, s: Scenario):
    """(description, weaker evidence): one kind's record made worse in one way."""
    kind = pick(draw, EVIDENCE_KINDS)
    state = state_of(s.evidence, kind)
    steps = []
    steps += [("status", dataclasses.replace(state, status=v)) for v in STATUS_STEPS[state.status]]
    steps += [
        ("strength", dataclasses.replace(state, strength=v)) for v in STRENGTH_STEPS[state.strength]
    ]
    issue = draw_issue(draw)
    strength = state.strength
    if issue.effect == "disqualifying":
        strength = "disqualified"
    elif strength == "sound":
        strength = "weak"
    steps.append(
        ("issue", dataclasses.replace(state, strength=strength, issues=(*state.issues, issue)))
    )
    if kind == "dpa" and state.facts.get(ART28) is True:
        for value in (False, None):
            facts = {**state.facts, ART28: value}
            steps.append(("art28", dataclasses.replace(state, facts=facts)))
    for question in s.bank:
        recorded = implied_answer(question, s.evidence)
        if question.evidence_expected != kind or recorded is None:
            continue
        fact = question.evidence_fact["fact"]
        for value in (draw_fact_value(draw, question) for _ in range(3)):
            facts = {**state.facts, fact: value}
            worse = dataclasses.replace(state, facts=facts)
            now = implied_answer(question, {kind: worse})
            if now is not None and risk_of(question, now) >= risk_of(question, recorded):
                steps.append(("fact", worse))
    if not steps:
        return None
    name, weaker = pick(draw, steps)
    return name, {**s.evidence, kind: weaker}


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_weaker_evidence_never_lowers_the_residual_nor_widens_the_classes(s, data):
    """(b) sound → weak → disqualified, current → expired → missing, a new issue (that may
    forbid classes), no Art. 28 terms, a recorded fact that implies a worse answer, or a new
    core evidence gap: never a lower residual risk, never a class more."""
    step = data.draw(weakenings(s))
    if step is None or data.draw(st.integers(min_value=0, max_value=5), label="gap") == 0:
        gap = "The retention evidence has expired."
        weaker = dataclasses.replace(s, core_gaps=(*s.core_gaps, gap))
    else:
        weaker = dataclasses.replace(s, evidence=step[1])
    never_better(run(weaker), run(s))


# --- Properties: "not applicable" ---------------------------------------------------------------


def with_question(draw, s: Scenario, question: QuestionSpec) -> Scenario:
    """`s` with one more question at the end of the bank, maybe answered."""
    s = dataclasses.replace(s, bank=(*s.bank, question))
    return s.answer(question.key, draw_answer(draw, question), pick(draw, COMMENTS))


def draw_na_question(draw, index: int) -> QuestionSpec:
    """A top-level yes/no question without follow-ups that allows "not applicable"."""
    return QuestionSpec(
        f"q{index}",
        f"Question {index}?",
        pick(draw, DOMAINS),
        "yes_no",
        draw(WEIGHTS),
        evidence_expected=pick(draw, ["", *EVIDENCE_KINDS]),
        blockers=draw_blockers(draw, "yes_no", (), (), True),
        remediation=f"Fix {index}.",
        not_applicable=NA_ALLOWANCE,
    )


@st.composite
def na_cases(draw, standing: bool | None = None):
    """(scenario, key of a yes/no question, comment for a "not applicable" to it). `standing`:
    only claims that stand (True), only claims that do not (False), or any (None). The bank
    gets a question that allows "not applicable" when it has none."""
    s = draw(scenarios())
    if not any(q.not_applicable for q in s.bank):
        s = with_question(draw, s, draw_na_question(draw, len(s.bank)))
    yes_no = [q for q in s.bank if q.answer_type == "yes_no"]
    if standing:
        question = pick(draw, [q for q in yes_no if q.not_applicable])
        comment = pick(draw, COMMENTS[2:])
    else:
        question = pick(draw, yes_no)
        comment = pick(draw, COMMENTS)
        if standing is False and na_stands(question, comment, s.bank):
            comment = pick(draw, COMMENTS[:2])
    return s, question.key, comment


def best_honest_answer(question: QuestionSpec, s: Scenario):
    """The lowest-risk answer the evidence on record does not contradict."""
    implied = implied_answer(question, s.evidence)
    if implied is not None:
        return implied
    if question.answer_type == "yes_no":
        return "yes"
    if question.answer_type in ("single_choice", "multiple_choice"):
        value = min(question.options, key=lambda o: o["risk"])["value"]
        return [value] if question.answer_type == "multiple_choice" else value
    if question.answer_type == "number":
        return min(band_values(question), key=lambda pair: pair[1])[0]
    if question.answer_type == "date":
        return "2025-01-01"
    if question.answer_type == "evidence":
        return 1
    return "Explained."


@PROPERTY_SETTINGS
@given(na_cases())
def test_not_applicable_never_scores_better_than_yes(case):
    """(a) For any other answers and evidence, "not applicable" (allowed or not, explained or
    not) never scores better than the best honest answer: "yes", with its follow-ups answered
    at their best. Not a lower residual, not a class more. (Against a "yes" whose follow-ups
    are left blank only the residual is compared: a blank follow-up trips its blockers, which
    a "no" that hides the follow-up does not; submission refuses the blank anyway.)"""
    s, key, comment = case
    claimed = run(s.answer(key, NA, comment))
    assert claimed.residual >= run(s.answer(key, "yes", comment)).residual
    best = s.answer(key, "yes", comment)
    for question in s.bank:
        if question.key in subtree(s.bank, key) - {key} and not question.from_profile:
            best = best.answer(question.key, best_honest_answer(question, s), "Explained.")
    never_better(claimed, run(best))


def test_an_explained_not_applicable_scores_as_an_unbacked_yes_where_evidence_is_missing():
    """Regression, (a) at its smallest: one control answered "yes", and a question that allows
    "not applicable" but expects evidence that is not on record. Leaving the score would beat
    the "yes" (credit 0.5 without its evidence); the claim scores as that "yes"."""
    s = Scenario(
        VendorProfile(("internal",)),
        (
            QuestionSpec("q0", "Question 0?", "certifications", "yes_no", 1),
            QuestionSpec(
                "q1",
                "Question 1?",
                "certifications",
                "yes_no",
                1,
                evidence_expected="dpa",
                not_applicable=NA_ALLOWANCE,
            ),
        ),
        {"q0": AnswerSpec("yes")},
        {},
    )
    claimed = run(s.answer("q1", NA, "We send no personal data."))
    assert claimed.residual == run(s.answer("q1", "yes")).residual == 8.0  # 32 × (1 − 0.75)
    assert ("q1", "na_claim") in {(f.key, f.kind) for f in claimed.findings}


@PROPERTY_SETTINGS
@given(na_cases())
def test_not_applicable_never_scores_worse_than_no(case):
    s, key, comment = case
    assert run(s.answer(key, NA, comment)).residual <= run(s.answer(key, "no", comment)).residual


@PROPERTY_SETTINGS
@given(na_cases(standing=False))
def test_a_not_applicable_that_does_not_stand_scores_exactly_as_no(case):
    """(e) A "not applicable" the bank does not allow, or without a comment, or on a question
    with a condition or follow-ups, scores exactly as "no": the residual, the gates and the
    findings' severities."""
    s, key, comment = case
    as_na, as_no = run(s.answer(key, NA, comment)), run(s.answer(key, "no", comment))
    same_outcome(as_na, as_no, reasons_worded_alike=False)

    def graded(result):
        return sorted((f.key, f.kind, f.severity) for f in result.findings)

    assert graded(as_na) == graded(as_no)


@PROPERTY_SETTINGS
@given(na_cases(standing=True))
def test_a_standing_not_applicable_takes_the_question_out_of_the_score(case):
    """An allowed and explained "not applicable" scores exactly as if the question were not in
    the bank (it has no follow-ups), unless it expects evidence: then exactly as a "yes"
    backed by that evidence, which is all a "yes" could earn (and better evidence never scores
    worse). Either way it raises a finding a lead must confirm."""
    s, key, comment = case
    question = next(q for q in s.bank if q.key == key)
    assert subtree(s.bank, key) == {key}
    with_na = run(s.answer(key, NA, comment))
    if not question.evidence_expected:
        honest = run(dataclasses.replace(s, bank=tuple(q for q in s.bank if q.key != key)))
    else:
        honest = run(s.answer(key, "yes", comment))
    assert with_na.residual == honest.residual
    assert with_na.effectiveness == honest.effectiveness
    [claim] = [f for f in with_na.findings if f.key == key]
    assert (claim.kind, claim.answer) == ("na_claim", "not applicable")
    assert comment.strip() in claim.detail


# --- Properties: evidence facts and the profile ------------------------------------------------


def draw_tied_question(draw, s: Scenario) -> QuestionSpec:
    """A yes/no question tied to a fact no other question of the bank is tied to."""
    tied = [q for q in s.bank if q.evidence_fact]
    taken = {(q.evidence_expected, q.evidence_fact["fact"]) for q in tied}
    free = [(k, f) for k in EVIDENCE_KINDS for f in TIEABLE_FACTS[k] if (k, f) not in taken]
    kind, fact = pick(draw, free)
    index = len(s.bank)
    # Often a follow-up of another tied question: where a claim on the parent and the
    # follow-up's own claim meet.
    parents = tied if tied and draw(BOOLS) else list(s.bank)
    return QuestionSpec(
        f"q{index}",
        f"Question {index}?",
        pick(draw, DOMAINS),
        "yes_no",
        draw(WEIGHTS),
        condition=draw_condition(draw, parents),
        evidence_expected=kind,
        evidence_fact={"fact": fact},
        blockers=draw_blockers(draw, "yes_no", (), (), False),
        remediation=f"Fix {index}.",
    )


@st.composite
def contradiction_cases(draw):
    """(scenario, key, an answer claiming better than the evidence, the evidence's answer).
    The bank gets one or two more tied questions, and the evidence records most tied facts
    (always the chosen question's)."""
    s = draw(scenarios())
    for _ in range(pick(draw, [1, 2])):
        s = with_question(draw, s, draw_tied_question(draw, s))
    tied = [q for q in s.bank if q.evidence_fact]
    question = pick(draw, tied)
    evidence = dict(s.evidence)
    for other in tied:
        if other is question or pick(draw, [1, 1, 0]):
            kind = other.evidence_expected
            state = state_of(evidence, kind)
            facts = {**state.facts, other.evidence_fact["fact"]: draw_fact_value(draw, other)}
            evidence[kind] = dataclasses.replace(state, facts=facts)
    s = dataclasses.replace(s, evidence=evidence)
    recorded = implied_answer(question, s.evidence)
    claims = better_values(question, recorded) if recorded is not None else []
    assume(claims)
    return s, question.key, pick(draw, claims), recorded


def tied_below(s: Scenario, key: str) -> bool:
    """Whether a question that depends on `key` is tied to an evidence fact."""
    below = subtree(s.bank, key) - {key}
    return any(q.evidence_fact for q in s.bank if q.key in below)


# The bug reported in test_an_answer_the_evidence_contradicts_never_scores_better_than_the_evidence
# in its smallest form. The random search finds the same shape (a parent tied to a fact, and a
# tied follow-up that only the evidence's answer shows) only in a few thousand examples, so
# this example pins it: the claim "yes" scores 16.0, the evidence's "partial" 32.0.
CONTRADICTED_PARENT = (
    Scenario(
        VendorProfile(("internal",)),
        (
            QuestionSpec(
                "q0",
                "Question 0?",
                "certifications",
                "yes_no",
                1,
                evidence_expected="encryption",
                evidence_fact={
                    "fact": "encryption_at_rest",
                    "map": {"true": "yes", "false": "partial"},
                },
            ),
            QuestionSpec(
                "q1",
                "Question 1?",
                "certifications",
                "yes_no",
                1,
                condition={"question": "q0", "in": ["partial", "no"]},
                evidence_expected="training",
                evidence_fact={"fact": "no_training_commitment"},
            ),
        ),
        {"q1": AnswerSpec("yes")},
        {
            "encryption": EvidenceState("current", facts={"encryption_at_rest": False}),
            "training": EvidenceState("current", facts={"no_training_commitment": False}),
        },
    ),
    "q0",
    "yes",
    "partial",
)


@PROPERTY_SETTINGS
@example(CONTRADICTED_PARENT)
@given(contradiction_cases())
def test_an_answer_the_evidence_contradicts_never_scores_better_than_the_evidence(case):
    """(d) An answer that claims better than the recorded evidence never scores better (nor
    gates wider) than the evidence's own answer."""
    s, key, claim, recorded = case
    never_better(run(s.answer(key, claim)), run(s.answer(key, recorded)))


@PROPERTY_SETTINGS
@given(contradiction_cases())
def test_a_contradicted_answer_scores_as_the_evidence_and_is_a_finding(case):
    """(d), for a question that applies before any answer is replaced by the evidence's and
    whose follow-ups are not themselves tied to evidence facts: the claim scores exactly as the
    evidence's answer, and it is a finding."""
    s, key, claim, recorded = case
    assume(key in read(s).shown and not tied_below(s, key))
    lie, honest = run(s.answer(key, claim)), run(s.answer(key, recorded))
    same_outcome(lie, honest)
    assert (key, "contradicts") in {(f.key, f.kind) for f in lie.findings}
    assert (key, "contradicts") not in {(f.key, f.kind) for f in honest.findings}


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_adding_a_special_category_never_widens_the_allowed_classes(s, data):
    """(c) Adding a special category never lowers the residual risk and never allows a class
    that was not allowed before: only the requested classes are considered, and a class a
    category needs but the profile did not request stays refused, with the reason."""
    missing = [c for c in CATEGORIES if c not in s.profile.special_categories]
    assume(missing)
    category = data.draw(st.sampled_from(missing), label="category")
    more = dataclasses.replace(
        s.profile, special_categories=(*s.profile.special_categories, category)
    )
    before, after = run(s), run(dataclasses.replace(s, profile=more))
    assert after.residual >= before.residual
    assert after.effectiveness <= before.effectiveness
    assert set(after.allowed_classes) <= set(before.allowed_classes)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_the_profile_answers_its_scope_questions_whatever_was_stored(s, data):
    """(f) A profile-bound question scores with the profile's answer, whatever the stored
    answer (another option, blank, "not applicable", anything)."""
    bound = [q for q in s.bank if q.from_profile]
    assume(bound)
    question = data.draw(st.sampled_from(bound), label="question")
    stored = data.draw(
        st.one_of(answer_values(question), st.sampled_from([NA, "yes", "garbage", ["x"]])),
        label="stored",
    )
    comment = data.draw(st.sampled_from(COMMENTS), label="comment")
    from_profile = profile_value(question, s.profile)
    assert run(s.answer(question.key, stored, comment)) == run(
        s.answer(question.key, from_profile, comment)
    )


# --- Properties: findings, tier, cadence and gates ----------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_applicable_shortfall_is_a_finding(s):
    result = run(s)
    reading = read(s)
    found = {(f.key, f.kind) for f in result.findings}
    for question in s.bank:
        kinds = {kind for key, kind in found if key == question.key}
        if question.key not in reading.applicable:
            # A hidden question yields no finding (the contradiction of one hidden only once
            # its parent is scored as the evidence is the bug pinned down below).
            known_bug = {"contradicts"} if question.key in reading.contradicted else set()
            assert kinds <= known_bug, (question.key, kinds)
            continue
        value = reading.values.get(question.key)
        if question.key in reading.contradicted:
            assert "contradicts" in kinds
        if question.key in reading.excluded:
            assert "na_claim" in kinds
        elif tripped_blockers(s, reading, question):
            # One finding per question: a tripped blocker is its most severe consequence.
            assert "blocker" in kinds
        elif not is_control(question, s.bank):
            pass
        elif blank(value):
            assert "unanswered" in kinds
        elif risk_of(question, value) > 0:  # no, partial, a risky option or band
            assert "answer" in kinds
        assert len(kinds - {"evidence", "contradicts"}) <= 1
        if "evidence" in kinds:
            assert question.evidence_expected
            assert standing(state_of(s.evidence, question.evidence_expected)) != "sound"


# The parent's answer "partial" claims better than its evidence ("no"), so it is scored "no",
# which hides the follow-up; the follow-up's own contradiction was decided before that.
HIDDEN_AFTER_CONTRADICTION = Scenario(
    VendorProfile(("internal",)),
    (
        QuestionSpec(
            "q0",
            "Question 0?",
            "certifications",
            "yes_no",
            1,
            evidence_expected="encryption",
            evidence_fact={"fact": "encryption_at_rest"},
        ),
        QuestionSpec(
            "q1",
            "Question 1?",
            "certifications",
            "yes_no",
            1,
            condition={"question": "q0", "in": ["partial"]},
            evidence_expected="training",
            evidence_fact={"fact": "no_training_commitment"},
        ),
    ),
    {"q0": AnswerSpec("partial", "Keys only for some stores."), "q1": AnswerSpec("yes")},
    {
        "encryption": EvidenceState("current", facts={"encryption_at_rest": False}),
        "training": EvidenceState("current", facts={"no_training_commitment": False}),
    },
)


@PROPERTY_SETTINGS
@example(HIDDEN_AFTER_CONTRADICTION)
@given(scenarios())
def test_a_question_that_does_not_apply_yields_no_finding(s):
    hidden = {q.key for q in s.bank} - read(s).applicable
    assert [(f.key, f.kind) for f in run(s).findings if f.key in hidden] == []


@PROPERTY_SETTINGS
@given(scenarios())
def test_tier_and_cadence_follow_the_documented_tables(s):
    """The tier follows the residual; the cadence is the stricter of the tier's and the
    exposure's: Restricted data, health or card data, or broad autonomy at most 90 days, high
    criticality at most 180."""
    result = run(s)
    if result.residual < 15:
        tier = "low"
    elif result.residual < 30:
        tier = "medium"
    elif result.residual < 50:
        tier = "high"
    else:
        tier = "critical"
    assert result.tier == tier
    days = {"critical": 90, "high": 90, "medium": 180, "low": 365}[tier]
    profile = s.profile
    if (
        needed_rank(profile) == CLASSES.index("restricted")
        or {"health", "payment_card"} & set(profile.special_categories)
        or profile.autonomy == "autonomous_broad"
    ):
        days = min(days, 90)
    if profile.criticality == "high":
        days = min(days, 180)
    assert result.reassess_days == days
    assert result.next_reassessment == TODAY + dt.timedelta(days=days)
    assert (days, result.cadence_reasons) == scoring.cadence(tier, profile)


@pytest.mark.parametrize(
    ("residual", "tier"),
    [(0, "low"), (14.9, "low"), (15, "medium"), (29.9, "medium"), (30, "high"),
     (49.9, "high"), (50, "critical"), (100, "critical")],
)  # fmt: skip
def test_tier_bounds(residual, tier):
    assert scoring.tier_for(residual) == tier


def refused_by_rule(s: Scenario, reading: Reading) -> dict[str, set[str]]:
    """Which rule refuses each class, the score aside: blockers of the applicable questions
    (as limited to the profile), evidence issues that forbid it, core evidence gaps, and
    personal data without a live DPA with Art. 28 terms."""
    refused: dict[str, set[str]] = {c: set() for c in CLASSES}
    for question in s.bank:
        for blocker in tripped_blockers(s, reading, question):
            for data_class in blocker["forbids"]:
                refused[data_class].add("blocker")
    for kind in s.evidence:
        for issue in state_of(s.evidence, kind).issues:
            for data_class in issue.forbids:
                refused[data_class].add("evidence issue")
    if s.core_gaps:
        for data_class in ("confidential", "restricted"):
            refused[data_class].add("core gap")
    if PERSONAL & set(s.profile.special_categories):
        dpa = state_of(s.evidence, "dpa")
        if standing(dpa) == "none" or dpa.facts.get(ART28) is not True:
            for data_class in ("internal", "confidential", "restricted"):
                refused[data_class].add("no Art. 28 DPA")
    return refused


@PROPERTY_SETTINGS
@given(scenarios())
def test_gates_follow_the_zero_trust_rules(s):
    """A class is allowed only when no rule refuses it, the residual is within its appetite,
    the controls meet its minimum effectiveness, and the assessment considered it (it was
    requested: a special category never brings a class in by itself)."""
    result = run(s)
    refused = refused_by_rule(s, read(s))
    assert [g.data_class for g in result.gates] == list(CLASSES)
    for rank, gate in enumerate(result.gates):
        floor = scoring.MIN_EFFECTIVENESS[gate.data_class]
        otherwise_allowed = (
            not refused[gate.data_class]
            and result.residual <= scoring.DEFAULT_APPETITE[gate.data_class]
            and rank <= requested_rank(s.profile)
        )
        # The result's effectiveness is rounded to 4 places; the gate compares the exact one,
        # so right at the floor only a refusal for another reason is certain.
        if abs(result.effectiveness - floor) > 1e-4:
            should_allow = otherwise_allowed and result.effectiveness >= floor
            assert gate.allowed == should_allow, (gate, refused[gate.data_class])
        elif not otherwise_allowed:
            assert not gate.allowed, gate
        assert gate.reasons
        assert (gate.min_effectiveness, gate.appetite) == (
            floor,
            scoring.DEFAULT_APPETITE[gate.data_class],
        )
        if gate.data_class in ("confidential", "restricted"):
            assert set(s.core_gaps) <= set(gate.reasons)


def test_minimum_effectiveness_rises_with_the_class():
    floors = [scoring.MIN_EFFECTIVENESS[c] for c in CLASSES]
    assert floors == sorted(floors)
    assert list(scoring.DATA_CLASS_ORDER) == list(CLASSES)


# --- Regression: hidden follow-ups --------------------------------------------------------------


def test_a_hidden_follow_up_yields_no_findings():
    bank = (
        QuestionSpec(
            "training_default", "Trains by default?", "training_use", "single_choice", 5,
            options=({"value": "never", "risk": 0.0}, {"value": "opt_out", "risk": 0.6},
                     {"value": "always", "risk": 1.0}),
        ),
        QuestionSpec(
            "training_setting_enforced", "Setting enforced?", "training_use", "yes_no", 4,
            condition={"question": "training_default", "in": ["opt_out"]},
            evidence_expected="training",
        ),
    )  # fmt: skip
    # The reviewer first answered opt_out and the follow-up, then corrected the parent to
    # "never": the follow-up's answer stays stored but the question no longer applies.
    answers = {
        "training_default": AnswerSpec("never"),
        "training_setting_enforced": AnswerSpec("yes"),
    }
    result = scoring.score(VendorProfile(("internal",)), bank, answers, {}, TODAY)
    assert result.residual == 0
    assert [f.key for f in result.findings] == []
