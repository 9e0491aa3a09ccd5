"""Pure rules of a questionnaire, each defined once: which questions apply, what "blank"
means, what an answer is worth, when "not applicable" is allowed, what the vendor profile
answers, when an answer contradicts the recorded evidence, which profiles a bank may assess,
and what is missing before submission. Plain data in, plain data out: no ORM, no request.

The scoring method (scoring.py), the wizard, the coverage page, the loader and the services
all import these; the wizard's JavaScript shows and hides questions from the server's answer.

Questions are duck-typed: a `Question` model instance or a `scoring.QuestionSpec` (key,
answer_type, options, bands, condition, not_applicable, from_profile, evidence_fact).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vendors.classification import CLASS_ORDER, class_rank

YES_NO_CREDIT = {"yes": 1.0, "partial": 0.5, "no": 0.0}
NOT_APPLICABLE = "not_applicable"
YES_NO_NEEDS_COMMENT = {"no", "partial", NOT_APPLICABLE}

# Profile fields a scope question may be bound to, and how the answer is read from them.
PROFILE_FIELDS = ("autonomy", "integration")
PROFILE_CATEGORY_PREFIX = "special_categories."
CATEGORY_ANSWERS = {True: "processed", False: "not_processed"}


def is_blank(value) -> bool:
    """An answer that says nothing: never given, cleared, or an empty selection."""
    return value is None or value == "" or value == [] or value == ()


def is_answered(value) -> bool:
    return not is_blank(value)


def _as_list(value) -> list:
    if is_blank(value):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# --- Which questions apply ---------------------------------------------------------------------


def condition_met(condition: Mapping | None, answers: Mapping[str, object]) -> bool:
    """Whether a question's condition holds given the answers (question key -> value)."""
    if not condition:
        return True
    expected = {str(e) for e in condition.get("in", [condition.get("equals")])}
    return any(str(v) in expected for v in _as_list(answers.get(condition["question"])))


def applicable_keys(questions: Sequence, answers: Mapping[str, object]) -> set[str]:
    """Keys of the questions that apply: no condition, or a condition met by an answer to a
    question that itself applies (a hidden question's answer hides its dependants too)."""
    applicable: set[str] = set()
    for question in questions:  # in bank order: conditions only name earlier questions
        condition = question.condition
        if not condition or (
            condition["question"] in applicable and condition_met(condition, answers)
        ):
            applicable.add(question.key)
    return applicable


def followup_parents(questions: Sequence) -> set[str]:
    return {q.condition["question"] for q in questions if q.condition}


# --- What an answer is worth -------------------------------------------------------------------


def answer_risk(question, value) -> float | None:
    """Risk 0..1 of an answer by the bank's values: blank is the worst (1); None for "not
    applicable" (the caller decides whether the claim stands, see `na_claim_stands`)."""
    if is_blank(value):
        return 1.0
    kind = question.answer_type
    if kind == "yes_no":
        if value == NOT_APPLICABLE:
            return None
        return 1.0 - YES_NO_CREDIT.get(str(value), 0.0)
    if kind in ("single_choice", "multiple_choice"):
        risks = {o["value"]: float(o["risk"]) for o in question.options}
        return max((risks.get(v, 1.0) for v in _as_list(value)), default=1.0)
    if kind == "number" and question.bands:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 1.0
        for band in question.bands:
            if band["max"] is None or number <= float(band["max"]):
                return float(band["risk"])
        return 1.0
    return 0.0


def na_allowed(question) -> bool:
    """The bank says when "not applicable" is an honest answer to this question; most
    controls may not be declared not applicable."""
    return question.answer_type == "yes_no" and bool((question.not_applicable or "").strip())


def na_claim_stands(question, value, comment: str) -> bool:
    """A "not applicable" that takes the question out of the score: allowed by the bank and
    explained in a comment. Any other "not applicable" counts as "no"."""
    return value == NOT_APPLICABLE and na_allowed(question) and bool((comment or "").strip())


def na_problem(question, value, comment: str) -> str:
    """Why a "not applicable" answer does not stand ("" when it does or is not N/A)."""
    if value != NOT_APPLICABLE:
        return ""
    if not na_allowed(question):
        return "“Not applicable” is not allowed for this question: answer yes, partial or no"
    if not (comment or "").strip():
        return "answered “not applicable” without a comment saying why"
    return ""


# --- Answers the vendor profile gives ------------------------------------------------------------


def profile_answer(question, profile) -> object:
    """The answer the vendor profile gives to a scope question bound to it (`from_profile`),
    or None. `profile` has autonomy, integration and special_categories."""
    source = question.from_profile or ""
    if not source:
        return None
    if source in PROFILE_FIELDS:
        return getattr(profile, source)
    if source.startswith(PROFILE_CATEGORY_PREFIX):
        category = source.removeprefix(PROFILE_CATEGORY_PREFIX)
        return CATEGORY_ANSWERS[category in profile.special_categories]
    return None


def with_profile_answers(questions: Sequence, answers: Mapping[str, object], profile) -> dict:
    """The answers with every profile-bound question answered from the profile."""
    merged = dict(answers)
    for question in questions:
        value = profile_answer(question, profile)
        if value is not None:
            merged[question.key] = value
    return merged


# --- Answers against the recorded evidence ---------------------------------------------------------


def evidence_implied_answer(question, facts: Mapping | None):
    """The answer the recorded evidence gives to this question, or None when the question is
    not tied to an evidence fact or the fact is not recorded.

    `evidence_fact` = {"fact": name, "map": {fact value: answer}}: a boolean fact reads as
    yes/no and a number as itself unless a map says otherwise."""
    spec = question.evidence_fact or {}
    if not spec or not facts:
        return None
    value = facts.get(spec["fact"])
    if value is None or value == "":
        return None
    mapping = spec.get("map") or {}
    if isinstance(value, bool):
        key = "true" if value else "false"
        return mapping.get(key, "yes" if value else "no")
    if mapping:
        return mapping.get(str(value))
    return value


def contradicts(question, value, implied) -> bool:
    """The answer claims better than the evidence records (a worse answer is no threat)."""
    if implied is None or is_blank(value):
        return False
    answer = answer_risk(question, value)
    recorded = answer_risk(question, implied)
    if answer is None:  # "not applicable" where the evidence records the fact
        return True
    return recorded is not None and answer < recorded


# --- Which profiles a bank may assess ---------------------------------------------------------------


def bank_scope_problems(scope: Mapping | None, profile, labels: Mapping | None = None) -> list:
    """Why a bank cannot assess this profile (empty when it can). `scope` is the bank's
    declaration: max_data_class, special_categories (allowed ones), autonomy (allowed
    values); `profile` has data_classes (already raised to what its categories need),
    special_categories and autonomy."""
    scope = scope or {}
    labels = labels or {}
    problems = []
    ceiling = scope.get("max_data_class")
    if ceiling:
        beyond = [
            c for c in profile.data_classes
            if c in CLASS_ORDER and class_rank(c) > class_rank(ceiling)
        ]  # fmt: skip
        if beyond:
            names = ", ".join(labels.get(c, c) for c in beyond)
            problems.append(
                f"it covers data up to {labels.get(ceiling, ceiling)}; the vendor would "
                f"receive {names} data"
            )
    if "special_categories" in scope:
        extra = [c for c in profile.special_categories if c not in scope["special_categories"]]
        if extra:
            names = ", ".join(labels.get(c, c).lower() for c in extra)
            problems.append(f"it does not ask about {names}")
    if "autonomy" in scope and profile.autonomy not in scope["autonomy"]:
        label = labels.get(profile.autonomy, profile.autonomy)
        problems.append(f"it does not cover what the AI may do on our systems (“{label}”)")
    return problems


# --- Submission ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    question_key: str
    section_key: str
    text: str
    reason: str


def submission_problems(
    questions: Sequence, answers: Mapping[str, object], comments: Mapping[str, str],
    unconfirmed: frozenset[str] = frozenset(), contradictions: Mapping[str, str] | None = None,
) -> list[Missing]:  # fmt: skip
    """What stops submission: required applicable questions unanswered; every "no",
    "partial" or "not applicable" without a comment saying why; a "not applicable" the bank
    does not allow; an answer that claims better than the recorded evidence without a
    comment justifying it (`contradictions`: key -> what the evidence says); and answers
    carried forward from the previous assessment that nobody has confirmed or changed."""
    applicable = applicable_keys(questions, answers)
    contradictions = contradictions or {}
    problems = []
    for question in questions:
        if question.key not in applicable:
            continue
        value = answers.get(question.key)
        comment = (comments.get(question.key) or "").strip()
        if question.required and not is_answered(value):
            reason = "not answered"
        elif na_problem(question, value, comment):
            reason = na_problem(question, value, comment)
        elif question.answer_type == "yes_no" and value in YES_NO_NEEDS_COMMENT and not comment:
            reason = f"answered “{value}” without a comment saying why"
        elif question.key in contradictions and not comment:
            reason = (
                f"contradicts the recorded evidence ({contradictions[question.key]}): change "
                "the answer, update the evidence, or explain in the comment"
            )
        elif question.key in unconfirmed and is_answered(value):
            reason = "carried forward from the last assessment; confirm or change it"
        else:
            continue
        problems.append(Missing(question.key, question.section.key, question.text, reason))
    return problems
