"""Framework coverage of an assessment: for each framework, the references its questions
cover and the state of their answers. Pure over a Workbook (no queries of its own)."""

from collections import OrderedDict
from dataclasses import dataclass, field

from assessments.loader import FRAMEWORK_NAMES


def _risk_state(risk: float) -> str:
    return "met" if risk <= 0 else "gap" if risk >= 1 else "partial"


def answer_state(question, value) -> str:
    """met, partial, gap, open or not applicable for one answer, from the bank's risks."""
    if value in (None, "", []):
        return "open"
    if question.answer_type == "yes_no":
        return {"yes": "met", "partial": "partial", "no": "gap"}.get(value, "not applicable")
    if question.answer_type in ("single_choice", "multiple_choice"):
        risks = {o["value"]: o["risk"] for o in question.options}
        chosen = value if isinstance(value, list) else [value]
        return _risk_state(max(risks.get(v, 1) for v in chosen))
    if question.answer_type == "number" and question.bands:
        for band in question.bands:
            if band["max"] is None or value <= band["max"]:
                return _risk_state(band["risk"])
    return "met"


@dataclass
class ReferenceState:
    reference: str
    questions: list = field(default_factory=list)  # (question, answer or None, applicable)

    @property
    def state(self) -> str:
        """met, partial, gap, not applicable or open — the weakest answer decides."""
        states = []
        for question, answer, applicable in self.questions:
            if applicable:
                states.append(answer_state(question, answer.value if answer else None))
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
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", reference)]


def framework_coverage(book) -> list[FrameworkCoverage]:
    by_framework: dict[str, dict[str, ReferenceState]] = OrderedDict(
        (key, {}) for key in FRAMEWORK_NAMES
    )
    for question in book.questions:
        answer = book.answers.get(question.key)
        applicable = question.key in book.applicable
        for reference in question.frameworks:
            prefix, _, ident = reference.partition(":")
            states = by_framework.setdefault(prefix, {})
            states.setdefault(ident, ReferenceState(ident)).questions.append(
                (question, answer, applicable)
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
