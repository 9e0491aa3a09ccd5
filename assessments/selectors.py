"""Reads for the assessment pages, each a constant number of queries."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from assessments import rules
from assessments.models import Answer, Assessment, Question, QuestionnaireTemplate, Section
from vendors.models import DataClass, Vendor


def assessment_list() -> QuerySet:
    return Assessment.objects.select_related("vendor", "template", "created_by", "submitted_by")


def active_templates() -> QuerySet:
    return QuestionnaireTemplate.objects.filter(active=True).order_by("name")


def suggested_template(vendor: Vendor, templates) -> QuestionnaireTemplate | None:
    """The Lite bank when the vendor asks for at most Internal data, else the full bank:
    the active template whose `suggested_for` covers the vendor's highest class and is
    narrowest."""
    highest = vendor.highest_data_class or DataClass.PUBLIC
    fitting = [t for t in templates if highest in t.suggested_for]
    return min(fitting, key=lambda t: len(t.suggested_for), default=None)


@dataclass
class SectionProgress:
    section: Section
    answered: int = 0
    applicable: int = 0
    first_unanswered: Question | None = None

    @property
    def complete(self) -> bool:
        return self.answered == self.applicable


@dataclass
class Workbook:
    """Everything the wizard needs for one assessment, loaded in a few queries."""

    assessment: Assessment
    sections: list[Section]
    questions: list[Question]
    answers: dict[str, Answer]
    applicable: set[str]
    progress: list[SectionProgress] = field(default_factory=list)

    @property
    def answered_count(self) -> int:
        return sum(p.answered for p in self.progress)

    @property
    def applicable_count(self) -> int:
        return sum(p.applicable for p in self.progress)

    @property
    def percent(self) -> int:
        if not self.applicable_count:
            return 100
        return round(100 * self.answered_count / self.applicable_count)

    @property
    def next_unanswered(self) -> Question | None:
        for p in self.progress:
            if p.first_unanswered is not None:
                return p.first_unanswered
        return None

    def section_questions(self, section: Section) -> list[Question]:
        return [q for q in self.questions if q.section_id == section.pk]


def workbook(assessment: Assessment) -> Workbook:
    sections = list(assessment.template.sections.all())
    questions = list(assessment.template.questions.select_related("section"))
    answers = {
        a.question.key: a
        for a in Answer.objects.filter(assessment=assessment).select_related(
            "question", "answered_by", "evidence"
        )
    }
    values = {k: a.value for k, a in answers.items()}
    applicable = rules.applicable_keys(questions, values)
    book = Workbook(assessment, sections, questions, answers, applicable)
    by_section = {s.pk: SectionProgress(s) for s in sections}
    for question in questions:
        if question.key not in applicable:
            continue
        progress = by_section[question.section_id]
        progress.applicable += 1
        answer = answers.get(question.key)
        if answer is not None and answer.is_answered:
            progress.answered += 1
        elif progress.first_unanswered is None:
            progress.first_unanswered = question
    book.progress = [by_section[s.pk] for s in sections]
    return book


def assessment_detail(pk: int) -> Assessment:
    return Assessment.objects.select_related(
        "vendor", "template", "created_by", "submitted_by", "previous"
    ).get(pk=pk)


def vendor_open_findings(vendor: Vendor) -> list:
    from assessments.models import Finding, FindingStatus

    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    findings = list(
        Finding.objects.filter(vendor=vendor, status=FindingStatus.OPEN).select_related(
            "assessment", "owner"
        )
    )
    return sorted(findings, key=lambda f: (order.get(f.severity, 9), f.pk))


def vendor_score_history(vendor: Vendor) -> QuerySet:
    """Scored assessments, oldest first: the residual risk over time."""
    return vendor.assessments.exclude(residual_score=None).order_by("submitted_at", "pk")
