"""Framework coverage of an assessment: for each framework, the references its questions
cover and the state of their answers. Pure over a Workbook (no queries of its own)."""

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from assessments import rules
from assessments.loader import FRAMEWORK_NAMES


def _risk_state(risk: float) -> str:
    return "met" if risk <= 0 else "gap" if risk >= 1 else "partial"


def answer_state(question, value, comment: str = "", evidence_standing: str = "sound") -> str:
    """met, partial, gap, open or not applicable for one answer, by the same rules as the
    score (rules.py): a "not applicable" that does not stand is a gap, and a control whose
    expected evidence is weak, missing, expired or disqualified is at best partial."""
    if not rules.is_answered(value):
        return "open"
    if value == rules.NOT_APPLICABLE and question.answer_type == "yes_no":
        return "not applicable" if rules.na_claim_stands(question, value, comment) else "gap"
    state = _risk_state(rules.answer_risk(question, value))
    if state == "met" and question.evidence_expected and evidence_standing != "sound":
        return "partial"
    return state


@dataclass
class ReferenceState:
    reference: str
    questions: list = field(default_factory=list)  # (question, answer or None, applicable)

    @property
    def state(self) -> str:
        """met, partial, gap, not applicable or open — the weakest answer decides."""
        states = []
        for question, answer, applicable, standing in self.questions:
            if applicable:
                states.append(
                    answer_state(
                        question,
                        answer.value if answer else None,
                        answer.comment if answer else "",
                        standing,
                    )
                )
        for worst in ("gap", "open", "partial", "met", "not applicable"):
            if worst in states:
                return worst
        return "not applicable"


@dataclass
class FrameworkCoverage:
    key: str
    name: str
    references: list[ReferenceState]

    def count(self, state: str) -> int:
        return sum(1 for r in self.references if r.state == state)

    @property
    def met(self) -> int:
        return self.count("met")

    @property
    def partial(self) -> int:
        return self.count("partial")

    @property
    def gap(self) -> int:
        return self.count("gap")

    @property
    def open(self) -> int:
        return self.count("open")

    @property
    def summary(self) -> str:
        states = ("met", "partial", "gap", "open", "not applicable")
        return ", ".join(f"{self.count(s)} {s}" for s in states if self.count(s))


def _sort_key(reference: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", reference)]


def framework_coverage(book, evidence_standing=None) -> list[FrameworkCoverage]:
    """`evidence_standing`: evidence kind -> sound, weak or none (scoring.EvidenceState
    .standing); kinds left out count as none, as in the score."""
    evidence_standing = evidence_standing or {}
    by_framework: dict[str, dict[str, ReferenceState]] = OrderedDict(
        (key, {}) for key in FRAMEWORK_NAMES
    )
    for question in book.questions:
        answer = book.answers.get(question.key)
        applicable = question.key in book.applicable
        for reference in question.frameworks:
            prefix, _, ident = reference.partition(":")
            states = by_framework.setdefault(prefix, {})
            standing = evidence_standing.get(question.evidence_expected, "none")
            states.setdefault(ident, ReferenceState(ident)).questions.append(
                (question, answer, applicable, standing)
            )
    return [
        FrameworkCoverage(
            key,
            FRAMEWORK_NAMES.get(key, key),
            sorted(refs.values(), key=lambda r: _sort_key(r.reference)),
        )  # fmt: skip
        for key, refs in by_framework.items()
        if refs
    ]
