"""Question banks, assessments and answers.

A questionnaire template is one version of a bank loaded from assessments/question_banks/
(see loader.py); an assessment runs one template against one vendor and keeps that version
for good, so a changed bank never changes an assessment that used the old one.
"""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.urls import reverse

from assessments.scoring import METHOD_VERSION
from vendors.fields import ChoiceSetField
from vendors.models import DataClass, Evidence, EvidenceKind, Tier, Vendor


class Domain(models.TextChoices):
    CERTIFICATIONS = "certifications", "Certifications and audits"
    DPA_LEGAL = "dpa_legal", "DPA and legal"
    RETENTION_DELETION = "retention_deletion", "Retention and deletion"
    ENCRYPTION_KEYS = "encryption_keys", "Encryption and key management"
    TRAINING_USE = "training_use", "Training use of customer data"
    ACCESS_SSO = "access_sso", "Access control and SSO"
    INCIDENT_RESPONSE = "incident_response", "Incident response and breach notification"
    SUBPROCESSORS = "subprocessors", "Sub-processors and supply chain"
    LOGGING_MONITORING = "logging_monitoring", "Logging and monitoring"
    AI_THREATS = "ai_threats", "AI-specific threats"
    REGULATORY = "regulatory", "Regulatory"
    BUSINESS_CONTINUITY = "business_continuity", "Business continuity"


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", "Yes / no / partial / not applicable"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    TEXT = "text", "Text"
    EVIDENCE = "evidence", "Evidence file"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    PARTIAL = "partial", "Partial"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Unit(models.TextChoices):
    DAYS = "days", "days"
    HOURS = "hours", "hours"
    PERCENT = "percent", "%"


class QuestionnaireTemplate(models.Model):
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    suggested_for = ChoiceSetField(DataClass, blank=True)
    # What the bank may assess: {"max_data_class": "internal", "special_categories": [],
    # "autonomy": ["none"]}; a missing key sets no limit (see rules.bank_scope_problems).
    scope = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(
        default=True, help_text="Offered for new assessments. Older versions stay for old ones."
    )
    source_file = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="template_key_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Section(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="section_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    order = models.PositiveIntegerField(help_text="Position in the whole bank.")
    text = models.TextField()
    help_text = models.TextField(blank=True)
    domain = models.CharField(max_length=30, choices=Domain.choices)
    answer_type = models.CharField(max_length=20, choices=AnswerType.choices)
    weight = models.PositiveSmallIntegerField(default=1)
    required = models.BooleanField(default=True)
    # [{"value": "never", "label": "Never", "risk": 0.0}, ...] for choice questions.
    options = models.JSONField(default=list, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, blank=True)
    # [{"max": 24, "risk": 0.0}, ..., {"max": null, "risk": 1.0}] for number questions.
    bands = models.JSONField(default=list, blank=True)
    frameworks = models.JSONField(default=list)
    # {"question": "key", "equals": "yes"} or {"question": "key", "in": [...]}, or {}.
    condition = models.JSONField(default=dict, blank=True)
    evidence_expected = models.CharField(max_length=20, choices=EvidenceKind.choices, blank=True)
    # [{"when": {...}, "forbids": ["confidential"], "reason": "..."}]
    blockers = models.JSONField(default=list, blank=True)
    remediation = models.TextField(blank=True)
    # When "not applicable" is an honest answer; empty: the control cannot be declared N/A.
    not_applicable = models.TextField("when not applicable is allowed", blank=True)
    # A scope question the vendor profile answers: autonomy, integration or a special
    # category (e.g. "special_categories.health"); the reviewer cannot contradict it.
    from_profile = models.CharField(max_length=60, blank=True)
    # {"fact": "training_default", "map": {...}}: the evidence fact this answer must agree with.
    evidence_fact = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="question_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text[:60]}"

    @property
    def choices(self) -> list[tuple[str, str]]:
        if self.answer_type == AnswerType.YES_NO:
            return list(YesNo.choices)
        return [(o["value"], o["label"]) for o in self.options]

    @property
    def answer_choices(self) -> list[tuple[str, str]]:
        """The answers the wizard offers: "not applicable" only where the bank allows it."""
        if self.answer_type == AnswerType.YES_NO and not self.not_applicable:
            return [c for c in YesNo.choices if c[0] != YesNo.NOT_APPLICABLE]
        return self.choices


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


class Assessment(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="assessments")
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        max_length=30, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The assessment whose answers were carried forward.",
    )  # fmt: skip
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Everyone who started, answered or submitted any part of it: none of them may sign off.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text="Who started, answered or submitted any part of this assessment.",
    )  # fmt: skip

    # Copied from the score at submission, so lists and histories need no join.
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    residual_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    # The security lead's sign-off.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    conditions_due = models.DateField("conditions to be met by", null=True, blank=True)
    returned_comment = models.TextField(
        blank=True, help_text="Why a lead sent the assessment back to the reviewer."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["vendor", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            # The assessment list's order: without it the database sorts every assessment.
            models.Index(F("created_at").desc(), F("id").desc(), name="assessment_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"], condition=models.Q(status="draft"),
                name="one_draft_per_vendor",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.vendor} — {self.template.name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("assessment_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == AssessmentStatus.DRAFT

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.vendor_id}


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Typed by the question: "yes" / "opt_in" / "2026-01-31" / "free text" (strings),
    # ["a", "b"] for multiple choice, a number for number questions; None when cleared.
    value = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)
    # Bumped on every save: a write that names an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    carried_forward = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question.key} = {self.value!r}"

    @property
    def is_answered(self) -> bool:
        return self.value not in (None, "", [])

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.assessment.vendor_id, "assessment_id": self.assessment_id}


class AssessmentScore(models.Model):
    """The score computed at submission, stored with the method version that produced it,
    so an old report shows exactly what was decided on."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="score")
    method_version = models.CharField(max_length=40)
    inherent = models.DecimalField(max_digits=5, decimal_places=1)
    effectiveness = models.DecimalField(max_digits=5, decimal_places=4)
    residual = models.DecimalField(max_digits=5, decimal_places=1)
    tier = models.CharField(max_length=10, choices=Tier.choices)
    next_reassessment = models.DateField()
    # inherent_factors, domains, contributions and gates, as plain data (see scoring.py).
    detail = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.residual} ({self.tier})"

    @property
    def gates(self) -> list[dict]:
        return self.detail.get("gates", [])

    @property
    def domains(self) -> list[dict]:
        return self.detail.get("domains", [])

    @property
    def allowed_classes(self) -> list[str]:
        return [g["data_class"] for g in self.gates if g["allowed"]]

    @property
    def is_current_method(self) -> bool:
        """Scored with the method in force; an older score is a record of its own method."""
        return self.method_version == METHOD_VERSION


class FindingSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Risk accepted"
    REMEDIATED = "remediated", "Remediated"


class Finding(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="findings")
    question_key = models.CharField(max_length=80)
    question_text = models.TextField()
    answer_text = models.CharField(max_length=500, blank=True)
    severity = models.CharField(max_length=10, choices=FindingSeverity.choices)
    kind = models.CharField(max_length=12)  # answer, unanswered, blocker, evidence
    detail = models.TextField(blank=True)
    remediation = models.TextField(blank=True)

    status = models.CharField(
        max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    due_date = models.DateField(null=True, blank=True)
    justification = models.TextField("risk acceptance justification", blank=True)
    accepted_until = models.DateField("accepted until", null=True, blank=True)
    remediation_note = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "pk"]
        indexes = [
            models.Index(fields=["vendor", "status"]),
            models.Index(fields=["status", "severity"]),  # the dashboard's open-findings count
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.question_text[:60]}"

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.vendor_id, "assessment_id": self.assessment_id}


def report_upload_to(instance, filename: str) -> str:
    import uuid

    return f"reports/{instance.assessment.vendor_id}/{uuid.uuid4().hex}.pdf"


class AssessmentReport(models.Model):
    """The PDF risk report of a decided assessment, rendered once at sign-off and never
    again: procurement files exactly the report the lead approved."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(upload_to=report_upload_to, max_length=300)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    method_version = models.CharField(max_length=40)
    generated_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.assessment.vendor_id, "assessment_id": self.assessment_id}
