"""Question banks, assessments and answers.

A questionnaire template is one version of a bank loaded from assessments/question_banks/
(see loader.py); an assessment runs one template against one vendor and keeps that version
for good, so a changed bank never changes an assessment that used the old one.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from vendors.fields import ChoiceSetField
from vendors.models import DataClass, Evidence, EvidenceKind, Vendor


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

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["vendor", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]

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
