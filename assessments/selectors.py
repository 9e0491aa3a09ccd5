"""Reads for the assessment pages, each a constant number of queries."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from assessments import rules, scoring
from assessments.models import Answer, Assessment, Question, QuestionnaireTemplate, Section
from vendors.classification import classes_needed, required_class
from vendors.models import Autonomy, DataClass, SpecialCategory, Vendor


def assessment_list() -> QuerySet:
    return Assessment.objects.select_related("vendor", "template", "created_by", "submitted_by")


def active_templates() -> QuerySet:
    return QuestionnaireTemplate.objects.filter(active=True).order_by("name")


SCOPE_LABELS = {
    **dict(DataClass.choices),
    **dict(SpecialCategory.choices),
    **dict(Autonomy.choices),
}


def vendor_profile(vendor: Vendor) -> "scoring.VendorProfile":
    """The vendor's profile as the plain data the rules and the score read."""
    return scoring.VendorProfile(
        data_classes=tuple(vendor.data_classes),
        special_categories=tuple(vendor.special_categories),
        criticality=vendor.criticality,
        autonomy=vendor.autonomy,
        integration=vendor.integration,
    )


def bank_problems(template: QuestionnaireTemplate, vendor: Vendor) -> list[str]:
    """Why this bank cannot assess the vendor as its profile stands (empty when it can). The
    classes are raised to what the special categories need (health data is Restricted)."""
    profile = vendor_profile(vendor)
    needed = scoring.VendorProfile(
        data_classes=tuple(classes_needed(profile.data_classes, profile.special_categories)),
        special_categories=profile.special_categories,
        autonomy=profile.autonomy,
    )
    return rules.bank_scope_problems(template.scope, needed, SCOPE_LABELS)


def suggested_template(vendor: Vendor, templates) -> QuestionnaireTemplate | None:
    """The narrowest active template that can assess the vendor's profile as it stands (the
    Lite bank for at most Internal data, no special categories and no autonomy; else the
    full bank) and whose `suggested_for` covers the class its data needs."""
    highest = required_class(vendor.data_classes, vendor.special_categories)
    fitting = [t for t in templates if highest in t.suggested_for and not bank_problems(t, vendor)]
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
    # The profile answers its scope questions, even if it changed after the draft began.
    values = rules.with_profile_answers(
        questions, {k: a.value for k, a in answers.items()}, vendor_profile(assessment.vendor)
    )
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


def score_history(assessments) -> list:
    """Scored assessments, oldest first: the residual risk over time."""
    scored = [a for a in assessments if a.residual_score is not None]
    return sorted(scored, key=lambda a: (a.submitted_at is None, a.submitted_at, a.pk))


def last_decided_assessment(vendor: Vendor) -> Assessment | None:
    return (
        vendor.assessments.filter(decided_at__isnull=False)
        .select_related("score", "template", "decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )


def vendor_refusals(vendor: Vendor) -> list[dict]:
    """The requested classes the last decision refused, each with its gate's reasons in
    words, for the vendor page (one query)."""
    last = last_decided_assessment(vendor)
    score = getattr(last, "score", None) if last else None
    if score is None:
        return []
    labels = dict(DataClass.choices)
    return [
        {"label": labels.get(g["data_class"], g["data_class"]), "reasons": g["reasons"]}
        for g in score.gates
        if g["data_class"] in vendor.data_classes and not g["allowed"]
    ]


def incident_impact(incident) -> dict:
    """Everything exposed to the vendor of an incident: active usage (team, purpose, data
    classes, owner), open findings, the last assessment and the evidence status."""
    from assessments.models import Finding, FindingStatus
    from vendors.policy import annotate_policy, out_of_policy_reasons
    from vendors.selectors import core_evidence_status

    vendor = incident.vendor
    today = timezone.localdate()
    usages = list(
        annotate_policy(vendor.usages.filter(active=True).select_related("owner", "vendor"))
    )
    exposed_classes = sorted(
        {c for u in usages for c in u.data_classes}, key=[c.value for c in DataClass].index
    )
    findings = list(
        Finding.objects.filter(vendor=vendor, status=FindingStatus.OPEN).select_related(
            "assessment"
        )
    )
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    findings.sort(key=lambda f: (order.get(f.severity, 9), f.pk))
    evidence = list(vendor.evidence.all())
    return {
        "usages": [(u, out_of_policy_reasons(u, today)) for u in usages],
        "teams": sorted({u.team for u in usages}, key=str.lower),
        "exposed_classes": [DataClass(c).label for c in exposed_classes],
        "exposed_categories": sorted(
            {SpecialCategory(c).label for u in usages for c in u.special_categories}
        ),
        "findings": findings,
        "last_assessment": last_decided_assessment(vendor),
        "core_evidence": core_evidence_status(
            evidence, today, data_classes=list(vendor.data_classes)
        ),
    }


def dashboard_data(today) -> dict:
    """The dashboard's numbers, a handful of aggregate queries whatever the number of vendors.
    The evidence counts read the vendors' stored summary, which the caller refreshes first
    (vendors.services.evidence_summary_refresh)."""
    import datetime as dt

    from django.db.models import Count

    from assessments.models import Finding, FindingStatus
    from vendors.models import Incident, Tier, UsageRecord, VendorStatus
    from vendors.policy import lapsed_q, out_of_policy
    from vendors.selectors import vendor_counts

    counts = vendor_counts(today)
    # order_by(): Meta.ordering would join assessments; the (status, severity) index answers it.
    by_severity = dict(
        Finding.objects.filter(status=FindingStatus.OPEN, severity__in=["critical", "high"])
        .order_by()
        .values_list("severity")
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): the index alone answers it
        .values_list("severity", "n")
    )
    findings = {"critical": by_severity.get("critical", 0), "high": by_severity.get("high", 0)}
    return {
        "vendors": counts["headline"],
        "reassessment": counts["reassessment"],
        "tiers": [(t, counts["tiers"][t.value]) for t in Tier] + [(None, counts["tiers"][""])],
        "statuses": [(s, counts["statuses"][s.value]) for s in VendorStatus],
        "months": counts["months"],
        # Usage of lapsed, suspended or unassessed approvals counts too (the one rule).
        "out_of_policy": out_of_policy(UsageRecord.objects.all(), today).count(),
        "approvals_lapsed": Vendor.objects.filter(lapsed_q(today)).order_by().count(),
        "incidents_90": Incident.objects.filter(
            date_disclosed__gte=today - dt.timedelta(days=90)
        ).count(),
        "findings": findings,
        "since_90": (today - dt.timedelta(days=90)).isoformat(),
    }


@dataclass(frozen=True)
class StoredFile:
    what: str  # "evidence" or "report"
    pk: int
    name: str
    problem: str  # "" when the file is there and its SHA-256 matches


def stored_file_checks(chunk_size: int = 1 << 20):
    """Every evidence file and stored report with the result of checking it against the
    SHA-256 recorded when it was stored: after a restore, every one must match. Yields
    StoredFile rows, reading the files one at a time."""
    import hashlib

    from assessments.models import AssessmentReport
    from vendors.models import Evidence

    def check(field, expected: str) -> str:
        digest = hashlib.sha256()
        try:
            with field.open("rb") as handle:
                for block in iter(lambda: handle.read(chunk_size), b""):
                    digest.update(block)
        except FileNotFoundError:
            return "the file is missing"
        if expected and digest.hexdigest() != expected:
            return f"SHA-256 {digest.hexdigest()} does not match the recorded {expected}"
        return ""

    for evidence in Evidence.objects.exclude(file="").only("pk", "file", "file_sha256"):
        yield StoredFile("evidence", evidence.pk, evidence.file.name,
                         check(evidence.file, evidence.file_sha256))  # fmt: skip
    for report in AssessmentReport.objects.only("pk", "file", "sha256"):
        yield StoredFile("report", report.pk, report.file.name, check(report.file, report.sha256))
