"""What Clearance knows about each AI vendor: its profile and its evidence.

Domain rules: ../shared/PRODUCT.md ("Vendor", "Evidence"). This app knows nothing of
assessments; scoring and sign-off (assessments/) write the vendor's decision fields.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse

from vendors.fields import ChoiceSetField

# --- Enumerations used across the product ---------------------------------------------------


class DataClass(models.TextChoices):
    """Company data classes, from least to most sensitive. The order is the ranking."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"

    @classmethod
    def rank(cls, value: str) -> int:
        return [c.value for c in cls].index(value)

    @classmethod
    def highest(cls, values) -> "DataClass | None":
        values = list(values)
        return cls(max(values, key=cls.rank)) if values else None


class SpecialCategory(models.TextChoices):
    PERSONAL = "personal", "Personal data"
    HEALTH = "health", "Health data"
    PAYMENT_CARD = "payment_card", "Payment card data"
    EMPLOYEE = "employee", "Employee data"
    SOURCE_CODE = "source_code", "Source code"


class ServiceType(models.TextChoices):
    LLM_API = "llm_api", "LLM API"
    AI_SAAS = "ai_saas", "AI SaaS application"
    AI_FEATURE = "ai_feature", "AI feature in an existing SaaS"
    MODEL_HOSTING = "model_hosting", "Model hosting / infrastructure"
    AGENT_PLATFORM = "agent_platform", "Agent platform"
    OTHER = "other", "Other"


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Tier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Autonomy(models.TextChoices):
    """Whether the AI can act on company systems (send, change, delete, buy) by itself."""

    NONE = "none", "Cannot act on our systems"
    HUMAN_APPROVAL = "human_approval", "Acts only after a person approves each action"
    AUTONOMOUS_SCOPED = "autonomous_scoped", "Acts by itself within narrow, scoped permissions"
    AUTONOMOUS_BROAD = "autonomous_broad", "Acts by itself with broad permissions"


class Integration(models.TextChoices):
    WEB_APP = "web_app", "Web application"
    API = "api", "API"
    PLUGIN = "plugin", "Plugin or extension"
    AGENT = "agent", "Agent"


class VendorStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


# --- Vendor -----------------------------------------------------------------------------------


EVIDENCE_SUMMARY_FIELDS = frozenset(
    ["evidence_expired", "evidence_expiring", "evidence_missing_core", "evidence_summary_on"]
)


class Vendor(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    models_used = models.CharField(
        "models used", max_length=300, blank=True, help_text="For example: GPT-4o, Llama 3.1 70B."
    )
    model_providers = models.CharField(
        max_length=300, blank=True, help_text="Whose models the vendor runs, if not its own."
    )
    hosting_regions = models.CharField(
        max_length=300, blank=True, help_text="Where customer data is processed and stored."
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="vendors_owned",
    )  # fmt: skip
    security_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="vendors_secured",
    )  # fmt: skip
    data_classes = ChoiceSetField(
        DataClass, verbose_name="data classes requested",
        help_text="The company data classes the vendor would receive.",
    )  # fmt: skip
    special_categories = ChoiceSetField(SpecialCategory, blank=True)
    criticality = models.CharField(max_length=10, choices=Criticality.choices)
    autonomy = models.CharField(
        max_length=20, choices=Autonomy.choices, default=Autonomy.NONE,
        help_text="Can the AI act on company systems?",
    )  # fmt: skip
    integration = models.CharField(
        "main integration", max_length=10, choices=Integration.choices, default=Integration.API,
        help_text="How the company connects to it.",
    )  # fmt: skip
    business_justification = models.TextField(blank=True)
    status = models.CharField(
        max_length=30, choices=VendorStatus.choices, default=VendorStatus.PROPOSED
    )

    # The decision, written by sign-off (assessments/).
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    residual_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    approved_data_classes = ChoiceSetField(DataClass, blank=True)
    conditions = models.TextField(blank=True)
    next_reassessment_date = models.DateField(null=True, blank=True)
    # Set by an incident or a material change; cleared by the next sign-off.
    reassessment_required = models.BooleanField(default=False)
    reassessment_reason = models.CharField(max_length=300, blank=True)
    reassessment_required_since = models.DateField(null=True, blank=True)
    # When the reassessment became required: only an assessment submitted after this moment
    # clears it at sign-off (an older one did not consider the incident or the change).
    reassessment_required_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The approval's facts, written by sign-off; what is allowed today is derived from them
    # (vendors.policy): the approval lapses after `approval_valid_until`, covers only the
    # special categories it assessed, and a high or critical incident recorded after it
    # suspends Confidential and Restricted data until a newer assessment is signed off.
    approval_valid_until = models.DateField(null=True, blank=True, editable=False)
    assessed_special_categories = ChoiceSetField(SpecialCategory, blank=True, editable=False)
    incident_suspended_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The evidence summary the vendor list and the dashboard show, stored so that they read
    # three columns instead of running seven subqueries per vendor. It depends on the evidence
    # and on today: vendors.services.evidence_summary_refresh recomputes it for one vendor when
    # its evidence changes, and for every vendor whose `evidence_summary_on` is not today
    # before a page reads it (and each night, so that nobody waits for it).
    evidence_expired = models.BooleanField(default=False, editable=False)
    evidence_expiring = models.BooleanField(default=False, editable=False)
    evidence_missing_core = models.BooleanField(default=True, editable=False)
    evidence_summary_on = models.DateField(null=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), name="vendor_name_unique_ci",
                violation_error_message="A vendor with this name already exists.",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["tier"]),
            models.Index(fields=["criticality"]),
            models.Index(fields=["service_type"]),
            models.Index(fields=["next_reassessment_date"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["evidence_summary_on"]),
            # Narrow copies of what the dashboard counts and the usage policy check reads:
            # the database answers those from these indexes alone instead of reading the
            # whole, wide vendor table (docs/performance.md).
            models.Index(
                fields=[
                    "status",
                    "tier",
                    "next_reassessment_date",
                    "reassessment_required",
                    "evidence_expired",
                    "evidence_expiring",
                    "evidence_missing_core",
                    "approval_valid_until",
                ],
                name="vendor_dashboard_v2_idx",
            ),  # fmt: skip
            models.Index(
                fields=[
                    "id",
                    "status",
                    "approved_data_classes",
                    "assessed_special_categories",
                    "approval_valid_until",
                    "incident_suspended_at",
                ],
                name="vendor_policy_v2_idx",
            ),
            # The list's pages in name order, deep ones too: the ids come from the index alone
            # (PostgreSQL needs `name` itself in the index to skip the table).
            models.Index(Lower("name"), F("id"), name="vendor_name_order_idx", include=["name"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The evidence summary is written only by evidence_summary_refresh, with queryset
        # updates. Saving a vendor (a form, a sign-off) must not put back the summary it was
        # loaded with, which evidence recorded in the meantime may have changed.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in EVIDENCE_SUMMARY_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.pk])

    @property
    def highest_data_class(self) -> DataClass | None:
        return DataClass.highest(self.data_classes)

    @property
    def is_retired(self) -> bool:
        return self.status == VendorStatus.RETIRED

    def get_additional_data(self) -> dict:
        """Stored with each audit entry, so the vendor's history is one indexed query."""
        return {"vendor_id": self.pk}


# --- Evidence ---------------------------------------------------------------------------------


class EvidenceKind(models.TextChoices):
    SOC2 = "soc2", "SOC 2 report"
    ISO27001 = "iso27001", "ISO/IEC 27001 certificate"
    ISO42001 = "iso42001", "ISO/IEC 42001 certificate"
    DPA = "dpa", "Data processing agreement"
    RETENTION = "retention", "Retention and deletion terms"
    ENCRYPTION = "encryption", "Encryption and key management"
    TRAINING = "training", "Training-data use"
    PENTEST = "pentest", "Penetration test"
    SUBPROCESSORS = "subprocessors", "Sub-processor list"
    MODEL_CARD = "model_card", "Model or system card"
    RED_TEAM = "red_team", "Red-team report"
    OTHER = "other", "Other document"


class EvidenceStatus(models.TextChoices):
    CURRENT = "current", "Current"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    MISSING = "missing", "Missing"


EXPIRING_WITHIN_DAYS = 60
SOC2_STALE_AFTER_MONTHS = 12

# The evidence every AI vendor needs; each entry is satisfied by any one of its kinds.
CORE_EVIDENCE = [
    ("assurance", "SOC 2 or ISO 27001", (EvidenceKind.SOC2, EvidenceKind.ISO27001)),
    ("dpa", "Data processing agreement", (EvidenceKind.DPA,)),
    ("retention", "Retention and deletion", (EvidenceKind.RETENTION,)),
    ("encryption", "Encryption", (EvidenceKind.ENCRYPTION,)),
    ("training", "Training-data use", (EvidenceKind.TRAINING,)),
]


class Soc2Type(models.TextChoices):
    TYPE_1 = "type1", "Type I"
    TYPE_2 = "type2", "Type II"


class AuditOpinion(models.TextChoices):
    UNQUALIFIED = "unqualified", "Unqualified"
    QUALIFIED = "qualified", "Qualified"


class TransferMechanism(models.TextChoices):
    SCCS = "sccs", "Standard contractual clauses"
    DPF = "dpf", "EU-US Data Privacy Framework"
    NONE = "none", "None"
    NOT_NEEDED = "not_needed", "Not needed (no transfer)"


class TlsVersion(models.TextChoices):
    TLS_1_0 = "1.0", "TLS 1.0"
    TLS_1_1 = "1.1", "TLS 1.1"
    TLS_1_2 = "1.2", "TLS 1.2"
    TLS_1_3 = "1.3", "TLS 1.3"


class KeyManagement(models.TextChoices):
    VENDOR = "vendor", "Vendor-managed keys"
    BYOK = "byok", "Bring your own key (BYOK)"
    HYOK = "hyok", "Hold your own key (HYOK)"


class StaffAccess(models.TextChoices):
    NONE = "none", "No access to customer content"
    APPROVED = "approved", "Only with customer approval (break-glass)"
    LOGGED = "logged", "Logged access for support and abuse review"
    STANDING = "standing", "Standing access"


class TrainingDefault(models.TextChoices):
    NEVER = "never", "Never"
    OPT_IN = "opt_in", "Only if the customer opts in"
    OPT_OUT = "opt_out", "On by default, customer can opt out"
    ON_NO_OPT_OUT = "on_no_opt_out", "On by default, no opt-out"


def evidence_upload_to(instance, filename: str) -> str:
    """Generated names: the original name is kept in the database, never on disk."""
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.vendor_id}/{uuid.uuid4().hex}.{suffix}"


class Evidence(models.Model):
    """One piece of evidence. A single table with the facts of every kind: each kind uses its
    own columns (EVIDENCE_FACTS says which), so lists and filters stay one query."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField("reviewer notes", blank=True)

    # The file, private: see vendors.views.evidence_download.
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_content_type = models.CharField(max_length=120, blank=True)

    # Dates shared by several kinds.
    document_date = models.DateField("document date", null=True, blank=True)
    valid_until = models.DateField(
        null=True, blank=True, help_text="When the document stops being valid, if it says."
    )

    # SOC 2
    soc2_type = models.CharField("report type", max_length=5, choices=Soc2Type.choices, blank=True)
    period_start = models.DateField("audit period start", null=True, blank=True)
    period_end = models.DateField("audit period end", null=True, blank=True)
    auditor = models.CharField(max_length=200, blank=True)
    opinion = models.CharField(max_length=12, choices=AuditOpinion.choices, blank=True)
    exceptions_noted = models.BooleanField(null=True, blank=True)
    bridge_letter = models.BooleanField("bridge letter provided", null=True, blank=True)
    # SOC 2 and ISO certificates: does the audited scope include the AI service we use?
    covers_ai_service = models.BooleanField(
        "scope covers the AI service", null=True, blank=True,
        help_text="Whether the audited or certified scope includes the AI service we would use.",
    )  # fmt: skip

    # ISO 27001 / ISO 42001
    certificate_number = models.CharField(max_length=100, blank=True)
    certification_body = models.CharField(max_length=200, blank=True)
    scope = models.TextField(blank=True)
    issue_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True)

    # Data processing agreement
    signed_date = models.DateField(null=True, blank=True)
    gdpr_art28_terms = models.BooleanField("GDPR Art. 28(3) terms", null=True, blank=True)
    transfer_mechanism = models.CharField(
        max_length=12, choices=TransferMechanism.choices, blank=True
    )
    ccpa_service_provider_terms = models.BooleanField(
        "CCPA service-provider terms", null=True, blank=True
    )
    breach_notification_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Committed time to notify a breach. Empty: no commitment."
    )
    subprocessor_notice_days = models.PositiveIntegerField(
        "sub-processor change notice (days)", null=True, blank=True,
        help_text="Advance notice of new sub-processors. Empty: no notice promised.",
    )  # fmt: skip

    # Retention and deletion (days; empty means not stated)
    prompt_retention_days = models.PositiveIntegerField(null=True, blank=True)
    output_retention_days = models.PositiveIntegerField(null=True, blank=True)
    log_retention_days = models.PositiveIntegerField(null=True, blank=True)
    zero_retention_available = models.BooleanField("zero-retention option", null=True, blank=True)
    deletion_on_request_days = models.PositiveIntegerField(null=True, blank=True)
    backup_retention_days = models.PositiveIntegerField(null=True, blank=True)

    # Encryption and key management
    min_tls_version = models.CharField(
        "minimum TLS version", max_length=3, choices=TlsVersion.choices, blank=True
    )
    encryption_at_rest = models.BooleanField(null=True, blank=True)
    key_management = models.CharField(max_length=6, choices=KeyManagement.choices, blank=True)
    staff_access = models.CharField(
        "vendor staff access to content", max_length=10, choices=StaffAccess.choices, blank=True
    )

    # Training-data use
    training_default = models.CharField(
        "default use for training", max_length=15, choices=TrainingDefault.choices, blank=True
    )
    no_training_commitment = models.BooleanField(
        "contractual no-training commitment", null=True, blank=True
    )

    # Derived by vendors.services from the facts above: the date the evidence goes stale.
    expires_on = models.DateField(null=True, blank=True, editable=False)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["kind", "-expires_on", "-recorded_at"]
        indexes = [
            models.Index(fields=["vendor", "kind", "expires_on"]),
            models.Index(fields=["expires_on"]),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.vendor_id]) + f"#evidence-{self.pk}"

    def status(self, today: dt.date | None = None) -> EvidenceStatus:
        return evidence_status(self.expires_on, today)

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.vendor_id}


def evidence_status(expires_on: dt.date | None, today: dt.date | None = None) -> EvidenceStatus:
    """Current until EXPIRING_WITHIN_DAYS before expiry, expiring up to and including the
    expiry date, expired from the day after. No expiry date: current."""
    if expires_on is None:
        return EvidenceStatus.CURRENT
    today = today or dt.date.today()
    if today > expires_on:
        return EvidenceStatus.EXPIRED
    if (expires_on - today).days <= EXPIRING_WITHIN_DAYS:
        return EvidenceStatus.EXPIRING
    return EvidenceStatus.CURRENT


# The facts each kind records, in display order (beyond title, dates, notes and file).
EVIDENCE_FACTS: dict[str, list[str]] = {
    EvidenceKind.SOC2: [
        "soc2_type", "period_start", "period_end", "auditor", "opinion", "exceptions_noted",
        "bridge_letter", "covers_ai_service",
    ],
    EvidenceKind.ISO27001: [
        "certificate_number", "certification_body", "scope", "covers_ai_service", "issue_date",
        "expiry_date",
    ],
    EvidenceKind.ISO42001: [
        "certificate_number", "certification_body", "scope", "covers_ai_service", "issue_date",
        "expiry_date",
    ],
    EvidenceKind.DPA: [
        "signed_date", "gdpr_art28_terms", "transfer_mechanism", "ccpa_service_provider_terms",
        "breach_notification_hours", "subprocessor_notice_days", "valid_until",
    ],
    EvidenceKind.RETENTION: [
        "prompt_retention_days", "output_retention_days", "log_retention_days",
        "zero_retention_available", "deletion_on_request_days", "backup_retention_days",
        "document_date", "valid_until",
    ],
    EvidenceKind.ENCRYPTION: [
        "min_tls_version", "encryption_at_rest", "key_management", "staff_access",
        "document_date", "valid_until",
    ],
    EvidenceKind.TRAINING: [
        "training_default", "no_training_commitment", "document_date", "valid_until",
    ],
    EvidenceKind.PENTEST: ["document_date", "valid_until"],
    EvidenceKind.SUBPROCESSORS: ["document_date", "valid_until"],
    EvidenceKind.MODEL_CARD: ["document_date", "valid_until"],
    EvidenceKind.RED_TEAM: ["document_date", "valid_until"],
    EvidenceKind.OTHER: ["document_date", "valid_until"],
}  # fmt: skip

# Facts a reviewer must give for the record to mean anything.
REQUIRED_FACTS: dict[str, list[str]] = {
    EvidenceKind.SOC2: ["soc2_type", "period_start", "period_end", "opinion"],
    EvidenceKind.ISO27001: ["certification_body", "issue_date", "expiry_date"],
    EvidenceKind.ISO42001: ["certification_body", "issue_date", "expiry_date"],
    EvidenceKind.DPA: ["signed_date"],
    EvidenceKind.ENCRYPTION: ["encryption_at_rest"],
    EvidenceKind.TRAINING: ["training_default"],
}


# --- Usage inventory and incidents ------------------------------------------------------------


class UsageControl(models.TextChoices):
    """Zero-trust controls on our side of an integration."""

    SSO = "sso", "SSO enforced"
    SCOPED_KEYS = "scoped_keys", "API keys scoped and short-lived"
    GATEWAY_LOGGING = "gateway_logging", "Every request logged through a gateway"
    DLP = "dlp", "DLP inspection of outgoing data"
    SEGMENTATION = "segmentation", "Network segmentation"
    FIELD_REDACTION = "field_redaction", "Sensitive fields encrypted or removed before sending"


class UsageRecord(models.Model):
    """Who uses which AI vendor, for what, with which data."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="usages")
    team = models.CharField(max_length=120)
    purpose = models.CharField(max_length=300)
    business_justification = models.TextField(blank=True)
    data_classes = ChoiceSetField(DataClass, verbose_name="data classes processed")
    special_categories = ChoiceSetField(SpecialCategory, blank=True)
    integration = models.CharField(max_length=10, choices=Integration.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="usages_owned",
    )  # fmt: skip
    start_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    end_date = models.DateField(null=True, blank=True)
    controls = ChoiceSetField(UsageControl, blank=True, verbose_name="controls on our side")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("team"), "pk"]
        indexes = [
            models.Index(fields=["vendor", "active"]),
            models.Index(Lower("team"), name="usage_team_lower_idx"),
            # The out-of-policy check and count, from the index alone (docs/performance.md).
            models.Index(
                fields=["active", "vendor", "data_classes", "special_categories"],
                name="usage_policy_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.purpose}"

    def get_absolute_url(self) -> str:
        return reverse("usage_edit", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.vendor_id}


class IncidentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Incident(models.Model):
    """A security incident at a vendor. Recording one makes the vendor 'reassessment
    required' and e-mails the security team and the vendor's owners."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=200)
    date_disclosed = models.DateField()
    summary = models.TextField()
    data_categories = ChoiceSetField(
        SpecialCategory, blank=True, verbose_name="data categories affected"
    )
    data_classes = ChoiceSetField(DataClass, blank=True, verbose_name="data classes affected")
    severity = models.CharField(max_length=10, choices=IncidentSeverity.choices)
    source_link = models.URLField(blank=True, max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date_disclosed", "-pk"]
        indexes = [models.Index(fields=["vendor", "-date_disclosed"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incident_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"vendor_id": self.vendor_id}


class UsageImportStatus(models.TextChoices):
    PREVIEW = "preview", "Waiting for confirmation"
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class UsageImport(models.Model):
    """A checked usage inventory file (vendors.usage_csv), from its preview to its import.

    The checked rows are kept until the import has committed, so a failed import is tried
    again without uploading the file again; the transaction that writes the usage records
    empties them and marks the import done (vendors.services.usage_import_run)."""

    token = models.CharField(max_length=32, unique=True)  # names it in URLs; unguessable
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    rows = models.JSONField(default=list)  # usage_csv.ParseResult.rows: pks and plain values
    row_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=UsageImportStatus.choices, default=UsageImportStatus.PREVIEW
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)  # why the last attempt failed
    imported_count = models.PositiveIntegerField(default=0)
    out_of_policy_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["uploaded_by", "status"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("usage_import_detail", args=[self.token])
