"""Pure rules of a questionnaire: which questions apply, what an answer means, what is
missing before submission. Plain data in, plain data out: no ORM, no request. The wizard's
JavaScript shows and hides questions from the server's answer, so there is one rule."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

YES_NO_NEEDS_COMMENT = {"no", "partial"}


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def condition_met(condition: Mapping, answers: Mapping[str, object]) -> bool:
    """Whether a question's condition holds given the answers (question key -> value)."""
    if not condition:
        return True
    expected = condition.get("in", [condition.get("equals")])
    given = _as_list(answers.get(condition["question"]))
    return any(str(v) in {str(e) for e in expected} for v in given)


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


def is_answered(value) -> bool:
    return value not in (None, "", [])


@dataclass(frozen=True)
class Missing:
    question_key: str
    section_key: str
    text: str
    reason: str


def submission_problems(questions: Sequence, answers: Mapping[str, object],
                        comments: Mapping[str, str],
                        unconfirmed: frozenset[str] = frozenset()) -> list[Missing]:  # fmt: skip
    """What stops submission: required applicable questions unanswered, every "no" or
    "partial" without a comment saying why, and answers carried forward from the previous
    assessment that nobody has confirmed or changed yet."""
    applicable = applicable_keys(questions, answers)
    problems = []
    for question in questions:
        if question.key not in applicable:
            continue
        value = answers.get(question.key)
        if question.required and not is_answered(value):
            reason = "not answered"
        elif (
            question.answer_type == "yes_no"
            and value in YES_NO_NEEDS_COMMENT
            and not (comments.get(question.key) or "").strip()
        ):
            reason = f"answered “{value}” without a comment saying why"
        elif question.key in unconfirmed and is_answered(value):
            reason = "carried forward from the last assessment; confirm or change it"
        else:
            continue
        problems.append(Missing(question.key, question.section.key, question.text, reason))
    return problems
