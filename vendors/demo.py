"""Demo vendors, evidence and usage records for `seed_demo`. Every name is invented.

Runs after accounts/demo.py, so the demo users exist. Idempotent: a vendor is looked up by
name and created only when missing, its evidence is recorded only when the vendor was
created in this run, and its usage records only when it has none. Evidence dates are relative to today, so every run shows evidence that
is current, expiring and expired, and vendors with core evidence missing.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model

from vendors.models import (
    AuditOpinion,
    Criticality,
    DataClass,
    EvidenceKind,
    KeyManagement,
    ServiceType,
    Soc2Type,
    SpecialCategory,
    StaffAccess,
    Tier,
    TlsVersion,
    TrainingDefault,
    TransferMechanism,
    UsageControl,
    Vendor,
    VendorStatus,
)
from vendors.policy import APPROVED
from vendors.services import add_months, evidence_create, usage_create, vendor_create

RECORDED_BY = "reviewer"
DEMO_USERNAMES = ["reviewer", "lead", "procurement", "admin"]  # from accounts/demo.py


def _soc2_type2(period_end: dt.date, months: int = 12, **facts) -> tuple[str, dict]:
    """A SOC 2 Type II report whose audit period of `months` ends on `period_end`."""
    period_start = add_months(period_end, -months) + dt.timedelta(days=1)
    return EvidenceKind.SOC2, {
        "soc2_type": Soc2Type.TYPE_2,
        "period_start": period_start,
        "period_end": period_end,
        **facts,
    }


def _demo_vendors(today: dt.date, users: dict) -> list[dict]:
    """The vendors to create, each with an `evidence` list of (kind, facts)."""

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def ahead(days: int) -> dt.date:
        return today + dt.timedelta(days=days)

    def months_ago(months: int) -> dt.date:
        return add_months(today, -months)

    return [
        {
            "name": "Larkspur Language Cloud",
            "website": "https://larkspur-language.example",
            "description": (
                "General-purpose language model API (chat, embeddings and batch jobs). Offers an "
                "EU processing region and a zero-retention endpoint for enterprise customers."
            ),
            "service_type": ServiceType.LLM_API,
            "models_used": "Lumen 2 (own foundation model), Lumen Embed (own embedding model)",
            "model_providers": "",
            "hosting_regions": "EU (Frankfurt, Dublin); US (Oregon) for batch jobs only",
            "business_owner": users["lead"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "special_categories": [SpecialCategory.PERSONAL],
            "criticality": Criticality.HIGH,
            "business_justification": (
                "Backs the internal knowledge assistant and the support-ticket summariser, and "
                "replaces three separate team subscriptions with one contract."
            ),
            "status": VendorStatus.APPROVED_WITH_CONDITIONS,
            "tier": Tier.MEDIUM,
            "residual_score": Decimal("41.5"),
            "approved_data_classes": [
                DataClass.PUBLIC,
                DataClass.INTERNAL,
                DataClass.CONFIDENTIAL,
            ],
            "conditions": (
                "Use the EU region and the zero-retention endpoint only. No Restricted data. "
                "Personal data only inside support tickets, pseudonymised where possible."
            ),
            "next_reassessment_date": ahead(21),
            "evidence": [
                _soc2_type2(
                    months_ago(4),
                    title="SOC 2 Type II report",
                    auditor="Halvorsen & Pike LLP",
                    opinion=AuditOpinion.UNQUALIFIED,
                    exceptions_noted=False,
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "title": "Enterprise data processing addendum v3",
                        "signed_date": ago(410),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.SCCS,
                        "ccpa_service_provider_terms": True,
                        "breach_notification_hours": 48,
                        "subprocessor_notice_days": 30,
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "title": "API data usage and retention policy",
                        "prompt_retention_days": 30,
                        "output_retention_days": 30,
                        "log_retention_days": 90,
                        "zero_retention_available": True,
                        "deletion_on_request_days": 30,
                        "backup_retention_days": 35,
                        "document_date": ago(120),
                        "notes": "Zero retention must be requested per API project.",
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "title": "Security whitepaper, encryption section",
                        "min_tls_version": TlsVersion.TLS_1_2,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.VENDOR,
                        "staff_access": StaffAccess.LOGGED,
                        "document_date": ago(120),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "title": "Enterprise terms, section 7 (use of customer data)",
                        "training_default": TrainingDefault.NEVER,
                        "no_training_commitment": True,
                        "document_date": ago(410),
                    },
                ),
                (
                    EvidenceKind.PENTEST,
                    {
                        "title": "Annual penetration test summary (Ashgrove Security)",
                        # Annual: goes stale a year after this date, so it is expiring.
                        "document_date": add_months(today, -12) + dt.timedelta(days=40),
                    },
                ),
                (
                    EvidenceKind.MODEL_CARD,
                    {"title": "Lumen 2 system card", "document_date": ago(200)},
                ),
            ],
        },
        {
            "name": "Quillmark Notes",
            "website": "https://quillmark.example",
            "description": (
                "Meeting assistant that joins video calls, transcribes them and writes "
                "summaries and action items into a shared workspace."
            ),
            "service_type": ServiceType.AI_SAAS,
            "models_used": "Hosted frontier LLM for summaries; own speech-to-text model",
            "model_providers": "One third-party LLM API provider (see sub-processor list)",
            "hosting_regions": "US (Virginia); EU (Ireland) on the enterprise plan",
            "business_owner": users["procurement"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "special_categories": [SpecialCategory.PERSONAL, SpecialCategory.EMPLOYEE],
            "criticality": Criticality.MEDIUM,
            "business_justification": (
                "Sales and customer-success teams want call notes in the CRM without manual "
                "typing; about 120 seats requested."
            ),
            "status": VendorStatus.IN_REVIEW,
            "evidence": [
                # Audit period ended about 11 months ago: the report goes stale within weeks.
                _soc2_type2(
                    add_months(today, -12) + dt.timedelta(days=35),
                    title="SOC 2 Type II report",
                    auditor="Brennan Whitlock CPAs",
                    opinion=AuditOpinion.UNQUALIFIED,
                    exceptions_noted=True,
                    notes="Two exceptions in access reviews; management response attached.",
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "title": "Customer DPA (two-year term)",
                        "signed_date": ago(700),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.SCCS,
                        "ccpa_service_provider_terms": True,
                        "breach_notification_hours": 72,
                        "subprocessor_notice_days": 14,
                        "valid_until": ahead(30),
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "title": "Data retention schedule",
                        "output_retention_days": 365,
                        "log_retention_days": 180,
                        "zero_retention_available": False,
                        "deletion_on_request_days": 30,
                        "backup_retention_days": 90,
                        "document_date": ago(90),
                        "notes": "Recordings are kept until the workspace admin deletes them.",
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_2,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.VENDOR,
                        "staff_access": StaffAccess.APPROVED,
                        "document_date": ago(90),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "title": "AI features FAQ",
                        "training_default": TrainingDefault.OPT_OUT,
                        "no_training_commitment": False,
                        "document_date": ago(60),
                        "notes": "Opt-out is a workspace setting; must be switched off at rollout.",
                    },
                ),
                (
                    EvidenceKind.SUBPROCESSORS,
                    {"title": "Sub-processor list", "document_date": ago(45)},
                ),
            ],
        },
        {
            "name": "Tessellate CRM Assist",
            "website": "https://tessellate-crm.example",
            "description": (
                "Generative features inside the CRM the company already uses: drafts follow-up "
                "emails and summarises account history for account managers."
            ),
            "service_type": ServiceType.AI_FEATURE,
            "models_used": "Hosted frontier LLM behind the CRM's AI gateway",
            "model_providers": "Third-party LLM API provider under the CRM vendor's contract",
            "hosting_regions": "EU (Frankfurt), same tenant as the existing CRM",
            "business_owner": users["lead"],
            "security_owner": users["lead"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "special_categories": [SpecialCategory.PERSONAL],
            "criticality": Criticality.MEDIUM,
            "business_justification": (
                "Turns on a feature of a tool already approved for Confidential data; saves "
                "account managers time on routine follow-ups."
            ),
            "status": VendorStatus.APPROVED,
            "tier": Tier.LOW,
            "residual_score": Decimal("16.0"),
            "approved_data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "next_reassessment_date": ahead(230),
            "evidence": [
                (
                    EvidenceKind.ISO27001,
                    {
                        "title": "ISO/IEC 27001 certificate",
                        "certificate_number": "NCL-ISMS-20417",
                        "certification_body": "Nordhaven Certification Ltd",
                        "scope": "Development and operation of the CRM platform, AI features included.",
                        "issue_date": months_ago(14),
                        "expiry_date": add_months(months_ago(14), 36) - dt.timedelta(days=1),
                    },
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "title": "Master DPA with AI features addendum",
                        "signed_date": ago(900),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.NOT_NEEDED,
                        "ccpa_service_provider_terms": True,
                        "breach_notification_hours": 24,
                        "subprocessor_notice_days": 30,
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "prompt_retention_days": 0,
                        "output_retention_days": 30,
                        "log_retention_days": 30,
                        "zero_retention_available": True,
                        "deletion_on_request_days": 14,
                        "backup_retention_days": 30,
                        "document_date": ago(150),
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_3,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.BYOK,
                        "staff_access": StaffAccess.NONE,
                        "document_date": ago(150),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "training_default": TrainingDefault.NEVER,
                        "no_training_commitment": True,
                        "document_date": ago(150),
                    },
                ),
                (
                    EvidenceKind.SUBPROCESSORS,
                    {"title": "AI sub-processor list", "document_date": ago(30)},
                ),
            ],
        },
        {
            "name": "Harborline Inference",
            "website": "https://harborline.example",
            "description": (
                "Single-tenant GPU hosting for open-weight models, with private networking "
                "into the company's cloud account."
            ),
            "service_type": ServiceType.MODEL_HOSTING,
            "models_used": "Open-weight 70B instruction model; open-weight 8B model",
            "model_providers": "Open-weight model publishers (customer's choice)",
            "hosting_regions": "EU (Amsterdam, Paris)",
            "business_owner": users["admin"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL, DataClass.RESTRICTED],
            "special_categories": [SpecialCategory.HEALTH, SpecialCategory.PERSONAL],
            "criticality": Criticality.HIGH,
            "business_justification": (
                "The benefits analytics team wants to classify occupational-health claim notes "
                "without the data leaving a single-tenant environment."
            ),
            "status": VendorStatus.IN_REVIEW,
            "evidence": [
                # Audit period ended 15 months ago and no bridge letter: expired.
                _soc2_type2(
                    months_ago(15),
                    months=9,
                    title="SOC 2 Type II report",
                    auditor="Castellan Audit Partners",
                    opinion=AuditOpinion.QUALIFIED,
                    exceptions_noted=True,
                    bridge_letter=False,
                    notes="Qualified over change management; the next report is overdue.",
                ),
                (
                    EvidenceKind.ISO27001,
                    {
                        "title": "ISO/IEC 27001 certificate",
                        "certificate_number": "ISMS 884213",
                        "certification_body": "Veritrust Assessment Services",
                        "scope": "GPU hosting operations, Amsterdam and Paris data centres.",
                        "issue_date": add_months(today, -36) + dt.timedelta(days=20),
                        "expiry_date": ahead(20),
                        "notes": "Recertification audit scheduled; ask for the new certificate.",
                    },
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "signed_date": ago(200),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.NOT_NEEDED,
                        "ccpa_service_provider_terms": False,
                        "breach_notification_hours": 72,
                        "subprocessor_notice_days": 14,
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "prompt_retention_days": 0,
                        "output_retention_days": 0,
                        "log_retention_days": 14,
                        "zero_retention_available": True,
                        "deletion_on_request_days": 7,
                        "document_date": ago(200),
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_3,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.HYOK,
                        "staff_access": StaffAccess.NONE,
                        "document_date": ago(200),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "training_default": TrainingDefault.NEVER,
                        "no_training_commitment": True,
                        "document_date": ago(200),
                    },
                ),
            ],
        },
        {
            "name": "Relay Foundry Agents",
            "website": "https://relayfoundry.example",
            "description": (
                "Agent platform whose agents read tickets, change code in repositories and "
                "open pull requests through CI, with human approval before merge."
            ),
            "service_type": ServiceType.AGENT_PLATFORM,
            "models_used": "Hosted frontier LLMs; small own planner model",
            "model_providers": "Two third-party LLM API providers",
            "hosting_regions": "US (Ohio)",
            "business_owner": users["lead"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "special_categories": [SpecialCategory.SOURCE_CODE],
            "criticality": Criticality.HIGH,
            "business_justification": (
                "Platform engineering wants agents to handle dependency upgrades and flaky-test "
                "fixes across about 300 repositories."
            ),
            "status": VendorStatus.PROPOSED,
            "evidence": [
                (
                    EvidenceKind.SOC2,
                    {
                        "title": "SOC 2 Type I report",
                        "soc2_type": Soc2Type.TYPE_1,
                        "period_start": ago(75),
                        "period_end": ago(75),
                        "auditor": "Marlow Grant Assurance",
                        "opinion": AuditOpinion.UNQUALIFIED,
                        "exceptions_noted": False,
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "training_default": TrainingDefault.OPT_IN,
                        "no_training_commitment": False,
                        "document_date": ago(40),
                    },
                ),
            ],
        },
        {
            "name": "Kestrel Annotation Works",
            "website": "https://kestrel-annotation.example",
            "description": (
                "Managed human-in-the-loop labelling and evaluation service: annotators rate "
                "and correct model outputs to build fine-tuning and evaluation datasets."
            ),
            "service_type": ServiceType.OTHER,
            "models_used": "None of its own; annotators work on the customer's model outputs",
            "model_providers": "",
            "hosting_regions": "EU (Lisbon); annotation staff in Portugal and Poland",
            "business_owner": users["procurement"],
            "security_owner": users["lead"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
            "special_categories": [SpecialCategory.PERSONAL],
            "criticality": Criticality.MEDIUM,
            "business_justification": (
                "The data science team needs an evaluation set for the support assistant built "
                "from real, redacted customer conversations."
            ),
            "status": VendorStatus.PROPOSED,
            "evidence": [
                (
                    EvidenceKind.DPA,
                    {
                        "signed_date": ago(20),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.NOT_NEEDED,
                        "ccpa_service_provider_terms": False,
                        "breach_notification_hours": 48,
                    },
                ),
                (
                    EvidenceKind.OTHER,
                    {
                        "title": "Self-assessed security questionnaire",
                        "document_date": ago(30),
                        "notes": "No independent audit yet; SOC 2 Type I planned.",
                    },
                ),
            ],
        },
        {
            "name": "Cobaltline Code Companion",
            "website": "https://cobaltline.example",
            "description": (
                "IDE plugin for code completion and chat about the open repository; sends "
                "surrounding files as context."
            ),
            "service_type": ServiceType.AI_SAAS,
            "models_used": "Own code model fine-tuned from an open-weight 34B model",
            "model_providers": "Open-weight base model, fine-tuned by the vendor",
            "hosting_regions": "US (Texas); no EU option",
            "business_owner": users["lead"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL, DataClass.RESTRICTED],
            "special_categories": [SpecialCategory.SOURCE_CODE],
            "criticality": Criticality.HIGH,
            "business_justification": (
                "Requested by two platform teams as a cheaper alternative for code completion."
            ),
            "status": VendorStatus.REJECTED,
            "tier": Tier.CRITICAL,
            "residual_score": Decimal("78.5"),
            "evidence": [
                (
                    EvidenceKind.TRAINING,
                    {
                        "title": "Terms of service, section 9",
                        "training_default": TrainingDefault.ON_NO_OPT_OUT,
                        "no_training_commitment": False,
                        "document_date": ago(95),
                        "notes": "Code snippets improve the vendor's models; no opt-out offered.",
                    },
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "title": "Standard DPA (click-through)",
                        "signed_date": ago(95),
                        "gdpr_art28_terms": False,
                        "transfer_mechanism": TransferMechanism.NONE,
                        "ccpa_service_provider_terms": False,
                        "notes": "No breach notification commitment.",
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_2,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.VENDOR,
                        "staff_access": StaffAccess.STANDING,
                        "document_date": ago(95),
                    },
                ),
            ],
        },
        {
            "name": "Wellspring Scribe",
            "website": "https://wellspring-scribe.example",
            "description": (
                "Ambient documentation for clinicians: records a consultation and drafts the "
                "clinical note for the clinician to review and sign."
            ),
            "service_type": ServiceType.AI_SAAS,
            "models_used": "Own speech model; open-weight 70B model fine-tuned for clinical notes",
            "model_providers": "Open-weight base model, fine-tuned and hosted by the vendor",
            "hosting_regions": "EU (Amsterdam) only",
            "business_owner": users["admin"],
            "security_owner": users["lead"],
            "data_classes": [DataClass.CONFIDENTIAL, DataClass.RESTRICTED],
            "special_categories": [
                SpecialCategory.HEALTH,
                SpecialCategory.PERSONAL,
                SpecialCategory.EMPLOYEE,
            ],
            "criticality": Criticality.HIGH,
            "business_justification": (
                "The occupational-health clinic spends a third of each appointment on notes; a "
                "pilot with four clinicians is proposed."
            ),
            "status": VendorStatus.IN_REVIEW,
            "evidence": [
                _soc2_type2(
                    months_ago(2),
                    title="SOC 2 Type II report (security, confidentiality)",
                    auditor="Halvorsen & Pike LLP",
                    opinion=AuditOpinion.UNQUALIFIED,
                    exceptions_noted=False,
                ),
                (
                    EvidenceKind.ISO42001,
                    {
                        "title": "ISO/IEC 42001 certificate",
                        "certificate_number": "AIMS-0193",
                        "certification_body": "Nordhaven Certification Ltd",
                        "scope": "Design and operation of the ambient documentation service.",
                        "issue_date": months_ago(5),
                        "expiry_date": add_months(months_ago(5), 36) - dt.timedelta(days=1),
                    },
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "title": "DPA with health-data annex",
                        "signed_date": ago(60),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.NOT_NEEDED,
                        "ccpa_service_provider_terms": False,
                        "breach_notification_hours": 24,
                        "subprocessor_notice_days": 30,
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "prompt_retention_days": 0,
                        "output_retention_days": 90,
                        "log_retention_days": 365,
                        "zero_retention_available": False,
                        "deletion_on_request_days": 14,
                        "backup_retention_days": 30,
                        "document_date": ago(60),
                        "notes": "Audio is deleted once the note is drafted.",
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_3,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.BYOK,
                        "staff_access": StaffAccess.APPROVED,
                        "document_date": ago(60),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "training_default": TrainingDefault.NEVER,
                        "no_training_commitment": True,
                        "document_date": ago(60),
                    },
                ),
                (
                    EvidenceKind.RED_TEAM,
                    {"title": "Clinical safety red-team summary", "document_date": ago(100)},
                ),
            ],
        },
        {
            "name": "Pinecrest Translate",
            "website": "https://pinecrest-translate.example",
            "description": (
                "Machine translation API that translated public help-centre articles into "
                "eleven languages."
            ),
            "service_type": ServiceType.LLM_API,
            "models_used": "Own neural translation models",
            "model_providers": "",
            "hosting_regions": "US (Virginia)",
            "business_owner": users["procurement"],
            "security_owner": users["reviewer"],
            "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL],
            "special_categories": [],
            "criticality": Criticality.LOW,
            "business_justification": "Translation of published help-centre content.",
            "status": VendorStatus.RETIRED,
            "tier": Tier.LOW,
            "residual_score": Decimal("12.0"),
            "approved_data_classes": [DataClass.PUBLIC, DataClass.INTERNAL],
            "evidence": [
                _soc2_type2(
                    months_ago(20),
                    title="SOC 2 Type II report",
                    auditor="Brennan Whitlock CPAs",
                    opinion=AuditOpinion.UNQUALIFIED,
                    exceptions_noted=False,
                ),
                (
                    EvidenceKind.DPA,
                    {
                        "signed_date": ago(3 * 365),
                        "gdpr_art28_terms": True,
                        "transfer_mechanism": TransferMechanism.DPF,
                        "ccpa_service_provider_terms": True,
                        "breach_notification_hours": 72,
                        "subprocessor_notice_days": 30,
                        "valid_until": ago(45),
                        "notes": "Contract ended when the help centre moved to another service.",
                    },
                ),
                (
                    EvidenceKind.RETENTION,
                    {
                        "prompt_retention_days": 7,
                        "output_retention_days": 7,
                        "log_retention_days": 30,
                        "zero_retention_available": False,
                        "deletion_on_request_days": 30,
                        "document_date": ago(3 * 365),
                        "valid_until": ago(45),
                    },
                ),
                (
                    EvidenceKind.ENCRYPTION,
                    {
                        "min_tls_version": TlsVersion.TLS_1_2,
                        "encryption_at_rest": True,
                        "key_management": KeyManagement.VENDOR,
                        "staff_access": StaffAccess.LOGGED,
                        "document_date": ago(3 * 365),
                    },
                ),
                (
                    EvidenceKind.TRAINING,
                    {
                        "training_default": TrainingDefault.NEVER,
                        "no_training_commitment": True,
                        "document_date": ago(3 * 365),
                    },
                ),
            ],
        },
    ]


# How each demo vendor connects and whether its AI can act on our systems.
PROFILES = {
    "Larkspur Language Cloud": ("none", "api"),
    "Quillmark Notes": ("none", "web_app"),
    "Tessellate CRM Assist": ("human_approval", "plugin"),
    "Harborline Inference": ("none", "api"),
    "Relay Foundry Agents": ("autonomous_scoped", "agent"),
    "Kestrel Annotation Works": ("none", "web_app"),
    "Cobaltline Code Companion": ("autonomous_broad", "plugin"),
    "Wellspring Scribe": ("human_approval", "agent"),
    "Pinecrest Translate": ("none", "api"),
}


def _demo_usage(today: dt.date) -> dict[str, list[dict]]:
    """Usage records per vendor name. With the statuses and approvals that the demo ends
    with (assessments/demo.py signs off Tessellate for Internal and Confidential data and
    Larkspur for Public data only), some are within policy and some are out of it: a vendor
    never approved, rejected or retired; data classes beyond the approved ones; special
    categories the vendor was not assessed for. Ended ones are never out of policy."""
    c = UsageControl
    return {
        "Tessellate CRM Assist": [
            {"team": "Sales", "purpose": "Draft follow-up e-mails and summarise calls in the CRM",
             "business_justification": "Account executives spend an hour a day on call notes.",
             "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
             "special_categories": [SpecialCategory.PERSONAL], "integration": "plugin",
             "owner": "lead", "start_date": today - dt.timedelta(days=240),
             "controls": [c.SSO, c.GATEWAY_LOGGING, c.DLP]},
            {"team": "Support", "purpose": "Summarise escalated tickets, attachments included",
             "business_justification": "Faster hand-over between support tiers.",
             "data_classes": [DataClass.CONFIDENTIAL, DataClass.RESTRICTED],
             "special_categories": [SpecialCategory.PERSONAL], "integration": "plugin",
             "owner": "reviewer", "start_date": today - dt.timedelta(days=120),
             "controls": [c.SSO]},
            {"team": "Marketing", "purpose": "Segment campaign lists by purchase history",
             "data_classes": [DataClass.INTERNAL],
             "special_categories": [SpecialCategory.PERSONAL, SpecialCategory.PAYMENT_CARD],
             "integration": "plugin", "owner": "procurement",
             "start_date": today - dt.timedelta(days=60), "controls": [c.SSO, c.SEGMENTATION]},
            {"team": "Finance", "purpose": "Summaries of invoice disputes (pilot)",
             "data_classes": [DataClass.CONFIDENTIAL], "integration": "plugin",
             "owner": "procurement", "start_date": today - dt.timedelta(days=400),
             "active": False, "end_date": today - dt.timedelta(days=200), "controls": [c.SSO]},
        ],
        "Larkspur Language Cloud": [
            {"team": "Support", "purpose": "Draft answers from the public help centre",
             "data_classes": [DataClass.PUBLIC], "integration": "api", "owner": "reviewer",
             "start_date": today - dt.timedelta(days=300),
             "controls": [c.SCOPED_KEYS, c.GATEWAY_LOGGING, c.FIELD_REDACTION]},
            {"team": "Engineering", "purpose": "Internal knowledge assistant over the wiki",
             "business_justification": "One place to ask how our systems work.",
             "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL], "integration": "api",
             "owner": "lead", "start_date": today - dt.timedelta(days=180),
             "controls": [c.SCOPED_KEYS, c.GATEWAY_LOGGING, c.SEGMENTATION]},
            {"team": "Legal", "purpose": "Translate published regulatory guidance",
             "data_classes": [DataClass.PUBLIC], "integration": "web_app", "owner": "admin",
             "start_date": today - dt.timedelta(days=90), "controls": [c.SSO]},
        ],
        "Cobaltline Code Companion": [
            {"team": "Engineering", "purpose": "Code completion in the IDE (trial licences)",
             "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
             "special_categories": [SpecialCategory.SOURCE_CODE], "integration": "plugin",
             "owner": "lead", "start_date": today - dt.timedelta(days=45), "controls": []},
        ],
        "Wellspring Scribe": [
            {"team": "HR", "purpose": "Occupational-health consultation notes (pilot)",
             "business_justification": "Four clinicians, three months.",
             "data_classes": [DataClass.CONFIDENTIAL, DataClass.RESTRICTED],
             "special_categories": [SpecialCategory.HEALTH, SpecialCategory.PERSONAL,
                                    SpecialCategory.EMPLOYEE],
             "integration": "agent", "owner": "admin",
             "start_date": today - dt.timedelta(days=20),
             "controls": [c.SSO, c.SEGMENTATION, c.FIELD_REDACTION]},
        ],
        "Quillmark Notes": [
            {"team": "Legal", "purpose": "Meeting notes for contract negotiations",
             "data_classes": [DataClass.INTERNAL, DataClass.CONFIDENTIAL],
             "integration": "web_app", "owner": "admin",
             "start_date": today - dt.timedelta(days=30), "controls": [c.SSO]},
        ],
        "Pinecrest Translate": [
            {"team": "Marketing", "purpose": "Translate help-centre articles",
             "data_classes": [DataClass.PUBLIC], "integration": "api", "owner": "procurement",
             "start_date": today - dt.timedelta(days=3 * 365),
             "active": False, "end_date": today - dt.timedelta(days=45),
             "controls": [c.SCOPED_KEYS]},
            {"team": "Support", "purpose": "Translate canned replies (never switched off)",
             "data_classes": [DataClass.PUBLIC, DataClass.INTERNAL], "integration": "api",
             "owner": "reviewer", "start_date": today - dt.timedelta(days=2 * 365),
             "controls": [c.SCOPED_KEYS]},
        ],
    }  # fmt: skip


def _seed_usage(users: dict, stdout) -> None:
    reviewer = users[RECORDED_BY]
    for name, usages in _demo_usage(dt.date.today()).items():
        vendor = Vendor.objects.filter(name__iexact=name).first()
        if vendor is None or vendor.usages.exists():
            continue
        for fields in usages:
            usage_create(
                created_by=reviewer, vendor=vendor, **{**fields, "owner": users[fields["owner"]]}
            )
        stdout.write(f"  created {len(usages)} usage record(s) of {vendor.name}")


def seed(stdout) -> None:
    """Create the demo vendors that are missing, with their evidence, and the demo usage
    records of vendors that have none; idempotent."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    reviewer = users[RECORDED_BY]
    for spec in _demo_vendors(dt.date.today(), users):
        evidence = spec.pop("evidence")
        if Vendor.objects.filter(name__iexact=spec["name"]).exists():
            stdout.write(f"  kept    {spec['name']}")
            continue
        autonomy, integration = PROFILES.get(spec["name"], ("none", "api"))
        spec.setdefault("autonomy", autonomy)
        spec.setdefault("integration", integration)
        if spec.get("status") in APPROVED:
            # The facts a sign-off stores: what the approval covered and until when.
            spec["assessed_special_categories"] = spec.get("special_categories", [])
            if spec.get("next_reassessment_date"):
                spec["approval_valid_until"] = spec["next_reassessment_date"] + dt.timedelta(
                    days=settings.CLEARANCE_APPROVAL_GRACE_DAYS
                )
        vendor = vendor_create(created_by=reviewer, **spec)
        for kind, facts in evidence:
            evidence_create(vendor=vendor, kind=kind, recorded_by=reviewer, **facts)
        stdout.write(f"  created {vendor.name}")
    _seed_usage(users, stdout)
