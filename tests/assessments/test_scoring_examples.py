"""The worked examples of docs/scoring.md (method clearance-risk/2), scored against the shipped
full bank.

The bank is read straight from assessments/question_banks/ai_due_diligence.yaml (no database),
so a change to the bank's weights, risks, blockers or N/A allowances that moves these numbers
fails here and must be reflected in docs/scoring.md. The evidence is built as real, unsaved
`Evidence` records with their facts, dated by the real expiry rule, and appraised by the real
fact rules (vendors.evidence_facts), exactly as assessments.services.scoring_inputs does with
the stored records. `today` is frozen so that the statuses and dates are fixed too.
"""

import datetime as dt
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from assessments import rules, scoring
from assessments.scoring import AnswerSpec, QuestionSpec, VendorProfile
from assessments.selectors import SCOPE_LABELS
from assessments.services import evidence_state
from vendors import evidence_facts
from vendors.classification import classes_needed, required_class
from vendors.models import Evidence, EvidenceKind
from vendors.services import evidence_expiry

BANK = (
    Path(__file__).resolve().parents[2] / "assessments" / "question_banks" / "ai_due_diligence.yaml"
)
LITE_BANK = BANK.with_name("ai_lite.yaml")
TODAY = dt.date(2025, 6, 2)


def bank_specs(path: Path) -> tuple[QuestionSpec, ...]:
    """Every question of a bank file, in bank order, as the scoring module sees it (the same
    fields as assessments.services.question_spec reads from the stored questions)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return tuple(
        QuestionSpec(
            key=q["key"],
            text=q["text"].strip(),
            domain=q["domain"],
            answer_type=q["type"],
            weight=q["weight"],
            options=tuple(q.get("options") or ()),
            bands=tuple(q.get("bands") or ()),
            condition=q.get("condition") or None,
            evidence_expected=q.get("evidence_expected") or "",
            blockers=tuple(q.get("blockers") or ()),
            remediation=(q.get("remediation") or "").strip(),
            not_applicable=(q.get("not_applicable") or "").strip(),
            from_profile=q.get("from_profile") or "",
            evidence_fact=q.get("evidence_fact") or None,
        )
        for section in data["sections"]
        for q in section["questions"]
    )


SPECS = bank_specs(BANK)
SPEC = {q.key: q for q in SPECS}


def answers(**values) -> dict[str, AnswerSpec]:
    """Answers by question key; a value may be (value, comment)."""
    unknown = set(values) - set(SPEC)
    assert not unknown, f"not questions of the bank: {unknown}"
    return {
        key: AnswerSpec(*value) if isinstance(value, tuple) else AnswerSpec(value)
        for key, value in values.items()
    }


def record(kind: str, **facts) -> Evidence:
    """An unsaved evidence record with its facts, its expiry set by the real rule."""
    evidence = Evidence(kind=kind, **facts)
    evidence.expires_on = evidence_expiry(evidence)
    return evidence


def appraised(records, profile: VendorProfile) -> tuple[dict, list[str]]:
    """(evidence, core_gaps) as assessments.services.scoring_inputs builds them: the best
    record of each kind appraised by its facts; every kind without a record is missing."""
    appraisals = evidence_facts.appraise(records, today=TODAY, data_classes=profile.data_classes)
    evidence = {
        kind: evidence_state(appraisals[kind])
        if kind in appraisals
        else scoring.EvidenceState("missing", label=label)
        for kind, label in EvidenceKind.choices
    }
    return evidence, evidence_facts.core_evidence_gaps(appraisals)


def run(profile: VendorProfile, given: dict, records) -> scoring.ScoreResult:
    evidence, core_gaps = appraised(records, profile)
    return scoring.score(profile, SPECS, given, evidence, TODAY, core_gaps=core_gaps)


def gate(result: scoring.ScoreResult, data_class: str) -> scoring.Gate:
    return next(g for g in result.gates if g.data_class == data_class)


def reasons(result: scoring.ScoreResult, data_class: str) -> tuple[str, ...]:
    return gate(result, data_class).reasons


def points(result: scoring.ScoreResult) -> dict[str, float]:
    return {f.name: f.points for f in result.inherent_factors}


def totals(result: scoring.ScoreResult) -> tuple[int, float]:
    """(Σ weight, Σ weight × credit) over the control groups that count."""
    weight = sum(d.weight for d in result.domains)
    credit = sum(d.weight * d.effectiveness for d in result.domains)
    return weight, round(credit, 4)


def kinds(result: scoring.ScoreResult) -> dict[str, int]:
    return dict(Counter(f.kind for f in result.findings))


def findings_of(result: scoring.ScoreResult, kind: str) -> list[str]:
    return [f.key for f in result.findings if f.kind == kind]


def statuses(profile: VendorProfile, records) -> dict[str, str]:
    """The status of the best record of each kind: current, expiring, expired or missing."""
    evidence, _gaps = appraised(records, profile)
    return {kind: s.status for kind, s in evidence.items()}


def strengths(profile: VendorProfile, records) -> dict[str, str]:
    """The standing of each kind of evidence that is not sound: weak or none."""
    evidence, _gaps = appraised(records, profile)
    return {kind: s.standing for kind, s in evidence.items() if s.standing != "sound"}


def group_losses(result: scoring.ScoreResult) -> dict[str, float]:
    """Weight lost by each control group that counts (weight × (1 − group credit)), by the
    key of its top question, largest first: where the points went."""
    contributions = {c.key: c for c in result.contributions}
    losses = {}
    for question in SPECS:
        if question.condition or not contributions[question.key].counted:
            continue
        weight, credit = question.weight, contributions[question.key].credit
        for follow_up in SPECS:
            if follow_up.condition and follow_up.condition["question"] == question.key:
                weight += follow_up.weight
                if contributions[follow_up.key].counted:
                    credit *= contributions[follow_up.key].credit
        if credit < 1:
            losses[question.key] = round(weight * (1 - credit), 4)
    return dict(sorted(losses.items(), key=lambda item: -item[1]))


def exposure_cap(profile: VendorProfile) -> int | None:
    """The most days the exposure allows between reassessments (None: no cap), as
    docs/scoring.md states it: Restricted data (health and card data are always Restricted)
    or broad autonomy at most 90 days; high criticality at most 180."""
    if required_class(profile.data_classes, profile.special_categories) == "restricted":
        return 90
    if profile.autonomy == "autonomous_broad":
        return 90
    return 180 if profile.criticality == "high" else None


def check_cadence(result: scoring.ScoreResult, profile: VendorProfile) -> None:
    """The stricter of the tier's days and the exposure's cap, counted from the day scored."""
    by_tier = {"low": 365, "medium": 180, "high": 90, "critical": 90}[result.tier]
    cap = exposure_cap(profile)
    expected = by_tier if cap is None else min(by_tier, cap)
    assert result.reassess_days == expected
    assert result.next_reassessment == TODAY + dt.timedelta(days=expected)


# --- (a) An enterprise LLM API with full, sound evidence -----------------------------------------

LLM_API_PROFILE = VendorProfile(
    data_classes=("confidential",),
    special_categories=("personal",),
    criticality="high",
    autonomy="none",
    integration="api",
)
LLM_API_EVIDENCE = [
    # The audit period ended five months ago: the bridge letter vouches for the time since.
    record(
        "soc2", soc2_type="type2", period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31), auditor="A-LLP", opinion="unqualified",
        exceptions_noted=False, bridge_letter=True, covers_ai_service=True,
    ),
    record(
        "iso27001", certification_body="BSI", issue_date=dt.date(2024, 3, 1),
        expiry_date=dt.date(2027, 2, 28), covers_ai_service=True,
    ),
    record(
        "dpa", signed_date=dt.date(2024, 11, 5), gdpr_art28_terms=True, transfer_mechanism="dpf",
        ccpa_service_provider_terms=True, breach_notification_hours=72,
        subprocessor_notice_days=30,
    ),
    record(
        "retention", prompt_retention_days=30, output_retention_days=30, log_retention_days=30,
        zero_retention_available=True, deletion_on_request_days=30, backup_retention_days=35,
        document_date=dt.date(2025, 1, 10),
    ),
    record(
        "encryption", min_tls_version="1.2", encryption_at_rest=True, key_management="vendor",
        staff_access="approved", document_date=dt.date(2025, 1, 10),
    ),
    record(
        "training", training_default="never", no_training_commitment=True,
        document_date=dt.date(2025, 1, 10),
    ),
    record("pentest", document_date=dt.date(2025, 2, 14)),
    record("subprocessors", document_date=dt.date(2025, 5, 1)),
    record("model_card", document_date=dt.date(2025, 3, 1)),
    record("red_team", document_date=dt.date(2024, 7, 15)),  # expiring: still live
]  # fmt: skip
LLM_API_ANSWERS = answers(
    ai_actions_on_company_systems="none",
    health_data_in_scope="not_processed",
    card_data_in_scope="not_processed",
    soc2_type2_current="yes",
    soc2_scope_covers_ai_service="yes",
    soc2_opinion_unqualified="yes",
    soc2_report_upload=101,
    iso27001_current="yes",
    iso42001_certified="no",
    pentest_current_remediated="yes",
    pentest_last_date="2025-02-14",
    dpa_signed="yes",
    dpa_documented_instructions="yes",
    dpa_personnel_confidentiality="yes",
    dpa_security_measures="yes",
    dpa_data_subject_rights="yes",
    dpa_compliance_assistance="yes",
    audit_rights="partial",  # reports and questionnaires, no on-site audit
    transfer_mechanism="dpf",
    training_default="never",
    no_training_contractual="yes",
    fine_tune_isolation="yes",
    retention_prompts_outputs_days=30,  # abuse-monitoring window
    retention_logs_days=30,
    deletion_on_request_days=30,
    backups_retention_bounded="yes",
    end_of_contract_deletion="yes",
    tls_minimum_version="tls12",
    encryption_at_rest="yes",
    key_management_model="vendor_per_tenant",
    vendor_staff_access_restricted="yes",
    sso_enforced="yes",
    scim_deprovisioning="yes",
    rbac_least_privilege="yes",
    api_key_controls="yes",
    tenant_isolation="yes",
    breach_notification_committed="yes",
    breach_notification_hours=72,
    breach_notification_channel="account_admins",
    incident_response_tested="yes",
    incident_history_disclosed="yes",
    subprocessor_list_disclosed="yes",
    subprocessor_terms_flowdown="yes",
    subprocessor_change_notice_days=30,
    model_providers_list="None: the vendor serves its own models on its own cloud accounts.",
    model_provider_terms="yes",
    audit_log_access="yes",
    ai_interaction_logs="yes",
    vendor_security_monitoring="yes",
    model_production_monitoring="yes",
    prompt_injection_defences="yes",
    sensitive_output_controls="yes",
    model_supply_chain="yes",
    data_poisoning_controls="yes",
    output_handling="partial",  # an API: handling the output is largely our job
    system_prompt_hygiene="yes",
    vector_store_isolation="yes",
    hallucination_controls="partial",
    consumption_limits="yes",
    ccpa_service_provider_terms="yes",
    hosting_regions=["eu_eea", "us"],
    eu_ai_act_deployer_support="yes",
    ai_interaction_transparency="yes",
    ai_literacy_support="yes",
    instructions_for_use="yes",
    availability_sla_percent=99.9,
    bcdr_tested="yes",
    model_provider_fallback="no",  # one model family, no second provider
    model_change_notice="yes",
    data_export_exit="yes",
)


# --- (b) An AI note-taking start-up without SOC 2 that trains on customer data -------------------

NOTETAKER_PROFILE = VendorProfile(
    data_classes=("internal", "confidential"),
    special_categories=("personal",),
    criticality="medium",
    autonomy="none",
    integration="web_app",
)
NOTETAKER_EVIDENCE = [
    record(  # the click-through DPA
        "dpa", signed_date=dt.date(2025, 1, 20), gdpr_art28_terms=True,
        transfer_mechanism="sccs", breach_notification_hours=72,
        subprocessor_notice_days=14,
    ),
    record("pentest", document_date=dt.date(2024, 3, 11)),  # a year old: expired
    record("subprocessors", document_date=dt.date(2025, 4, 2)),
    record(
        "retention", prompt_retention_days=365, output_retention_days=365,
        log_retention_days=365, deletion_on_request_days=30,
        document_date=dt.date(2025, 1, 20),
    ),
    record(  # the terms that say it trains on customer data
        "training", training_default="on_no_opt_out", no_training_commitment=False,
        document_date=dt.date(2025, 1, 20),
    ),
]  # fmt: skip
NOTETAKER_ANSWERS = answers(
    ai_actions_on_company_systems="none",
    health_data_in_scope="not_processed",
    card_data_in_scope="not_processed",
    soc2_type2_current="no",
    soc2_scope_covers_ai_service="no",
    soc2_opinion_unqualified="no",
    iso27001_current="no",
    iso42001_certified="no",
    pentest_current_remediated="partial",
    pentest_last_date="2024-03-11",
    dpa_signed="yes",
    dpa_documented_instructions="partial",
    dpa_personnel_confidentiality="yes",
    dpa_security_measures="partial",
    dpa_data_subject_rights="yes",
    dpa_compliance_assistance="partial",
    audit_rights="no",
    transfer_mechanism="sccs",
    training_default="on_no_opt_out",
    no_training_contractual="no",
    fine_tune_isolation="no",
    retention_prompts_outputs_days=365,
    retention_logs_days=365,
    deletion_on_request_days=30,
    backups_retention_bounded="partial",
    end_of_contract_deletion="partial",
    tls_minimum_version="tls12",
    encryption_at_rest="yes",
    key_management_model="vendor_shared",
    vendor_staff_access_restricted="partial",
    sso_enforced="partial",  # SSO only on the enterprise plan
    scim_deprovisioning="no",
    rbac_least_privilege="partial",
    api_key_controls=("not_applicable", "Web app only: the vendor issues us no API keys."),
    tenant_isolation="yes",
    breach_notification_committed="yes",
    breach_notification_hours=72,
    breach_notification_channel="account_admins",
    incident_response_tested="no",
    incident_history_disclosed="no",
    subprocessor_list_disclosed="yes",
    subprocessor_terms_flowdown="partial",
    subprocessor_change_notice_days=14,
    model_providers_list="A hosted LLM API for summaries, a speech-to-text API for transcripts.",
    model_provider_terms="partial",
    audit_log_access="partial",
    ai_interaction_logs="no",
    vendor_security_monitoring="partial",
    model_production_monitoring="no",
    prompt_injection_defences="no",
    sensitive_output_controls="partial",
    model_supply_chain="partial",
    data_poisoning_controls="no",
    output_handling="yes",
    system_prompt_hygiene="partial",
    vector_store_isolation="partial",  # one shared index, filtered by tenant
    hallucination_controls="partial",
    consumption_limits="partial",
    ccpa_service_provider_terms="no",
    hosting_regions=["us"],
    eu_ai_act_deployer_support="no",
    ai_interaction_transparency="yes",
    ai_literacy_support="partial",
    instructions_for_use="no",
    availability_sla_percent=0,  # no SLA
    bcdr_tested="no",
    model_provider_fallback="partial",
    model_change_notice="no",
    data_export_exit="partial",  # transcripts only, no audit logs
)


# --- (c) A healthcare scheduling agent that handles health data -----------------------------------

AGENT_PROFILE = VendorProfile(
    data_classes=("restricted",),
    special_categories=("health", "personal"),
    criticality="high",
    autonomy="autonomous_scoped",
    integration="agent",
)
AGENT_EVIDENCE = [
    # The scheduling agent launched after the audit period: the audited scope excludes it.
    record(
        "soc2", soc2_type="type2", period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2025, 3, 31), auditor="B-LLP", opinion="unqualified",
        exceptions_noted=False, covers_ai_service=False,
    ),
    record(  # expiring in 27 days; the certified scope includes the agent
        "iso27001", certification_body="BSI", issue_date=dt.date(2022, 6, 29),
        expiry_date=dt.date(2025, 6, 29), covers_ai_service=True,
    ),
    record(
        "dpa", signed_date=dt.date(2024, 9, 1), gdpr_art28_terms=True,
        transfer_mechanism="not_needed", ccpa_service_provider_terms=True,
        breach_notification_hours=48, subprocessor_notice_days=30,
    ),
    record(  # a year old: expired
        "retention", prompt_retention_days=30, output_retention_days=30, log_retention_days=90,
        deletion_on_request_days=30, document_date=dt.date(2024, 4, 30),
    ),
    record(  # vendor-managed keys: weak for Restricted data
        "encryption", min_tls_version="1.2", encryption_at_rest=True, key_management="vendor",
        staff_access="approved", document_date=dt.date(2025, 2, 1),
    ),
    record(
        "training", training_default="opt_out", no_training_commitment=True,
        document_date=dt.date(2025, 2, 1),
    ),
    record("pentest", document_date=dt.date(2025, 1, 20)),
    record("subprocessors", document_date=dt.date(2025, 2, 1)),
    record("other", title="BAA (excludes the AI features)", document_date=dt.date(2025, 1, 15)),
]  # fmt: skip
AGENT_ANSWERS = answers(
    ai_actions_on_company_systems="autonomous_scoped",
    health_data_in_scope="processed",
    card_data_in_scope="not_processed",
    soc2_type2_current="yes",
    # Better than the record says (the scope excludes the agent): a contradiction, justified
    # in the comment as submission requires, and scored as the record says.
    soc2_scope_covers_ai_service=(
        "partial",
        "The agent runs on the audited platform; the vendor says the next period covers it.",
    ),
    soc2_opinion_unqualified="yes",
    soc2_report_upload=301,
    iso27001_current="yes",
    iso42001_certified="no",
    pentest_current_remediated="yes",
    pentest_last_date="2025-01-20",
    dpa_signed="yes",
    dpa_documented_instructions="yes",
    dpa_personnel_confidentiality="yes",
    dpa_security_measures="yes",
    dpa_data_subject_rights="yes",
    dpa_compliance_assistance="yes",
    audit_rights="partial",
    transfer_mechanism="no_transfer",
    training_default="opt_out",
    training_setting_enforced="yes",
    no_training_contractual="yes",
    fine_tune_isolation="yes",
    retention_prompts_outputs_days=30,
    retention_logs_days=90,
    deletion_on_request_days=30,
    backups_retention_bounded="yes",
    end_of_contract_deletion="yes",
    tls_minimum_version="tls12",
    encryption_at_rest="yes",
    key_management_model="vendor_per_tenant",
    vendor_staff_access_restricted="yes",
    sso_enforced="yes",
    scim_deprovisioning="partial",
    rbac_least_privilege="yes",
    api_key_controls="yes",
    tenant_isolation="yes",
    breach_notification_committed="yes",
    breach_notification_hours=48,
    breach_notification_channel="named_contacts",
    incident_response_tested="partial",
    incident_history_disclosed="yes",
    subprocessor_list_disclosed="yes",
    subprocessor_terms_flowdown="yes",
    subprocessor_change_notice_days=30,
    model_providers_list="One hosted LLM provider under a zero-retention agreement.",
    model_provider_terms="yes",
    audit_log_access="yes",
    ai_interaction_logs="yes",
    vendor_security_monitoring="yes",
    model_production_monitoring="partial",
    prompt_injection_defences="partial",
    sensitive_output_controls="yes",
    model_supply_chain="partial",
    data_poisoning_controls="yes",
    output_handling="yes",
    system_prompt_hygiene="yes",
    vector_store_isolation="yes",
    hallucination_controls="partial",
    consumption_limits="yes",
    agent_tool_least_privilege="partial",
    agent_high_impact_approval="partial",
    agent_audit_and_kill_switch="yes",
    hipaa_baa="partial",  # a BAA is signed, but it excludes the AI features
    ccpa_service_provider_terms="yes",
    hosting_regions=["us"],
    eu_ai_act_deployer_support="partial",
    ai_interaction_transparency="yes",
    ai_literacy_support="partial",
    instructions_for_use="partial",
    availability_sla_percent=99.5,
    bcdr_tested="yes",
    model_provider_fallback="no",
    model_change_notice="partial",
    data_export_exit="yes",
)


# --- (d) The dangerous vendor: "not applicable", favourable contract answers, dates only ----------

DANGEROUS_PROFILE = VendorProfile(
    data_classes=("restricted",),
    special_categories=("health", "personal"),
    criticality="high",
    autonomy="none",
    integration="api",
)
# Every record has its dates and no fact: what the evidence of method clearance-risk/1 was.
DANGEROUS_EVIDENCE = [
    record("soc2", period_start=dt.date(2024, 4, 1), period_end=dt.date(2025, 3, 31)),
    record("iso27001", issue_date=dt.date(2023, 1, 10), expiry_date=dt.date(2026, 1, 9)),
    record("dpa", signed_date=dt.date(2024, 10, 1)),
    record("retention", document_date=dt.date(2024, 10, 1)),
    record("encryption", document_date=dt.date(2024, 10, 1)),
    record("training", document_date=dt.date(2024, 3, 15)),  # no validity: 12 months, expired
    record("pentest", document_date=dt.date(2024, 11, 1)),
    record("subprocessors", document_date=dt.date(2019, 5, 1)),  # expired long ago
]
# 27 controls the reviewer declared "not applicable".
DANGEROUS_NOT_APPLICABLE = (
    "soc2_type2_current", "soc2_scope_covers_ai_service", "soc2_opinion_unqualified",
    "iso27001_current", "iso42001_certified", "pentest_current_remediated",
    "fine_tune_isolation", "vendor_staff_access_restricted", "api_key_controls",
    "tenant_isolation", "audit_log_access", "ai_interaction_logs",
    "vendor_security_monitoring", "model_production_monitoring", "prompt_injection_defences",
    "sensitive_output_controls", "model_supply_chain", "data_poisoning_controls",
    "output_handling", "system_prompt_hygiene", "vector_store_isolation",
    "hallucination_controls", "consumption_limits", "bcdr_tested", "model_provider_fallback",
    "model_change_notice", "data_export_exit",
)  # fmt: skip
DANGEROUS_FAVOURABLE = answers(
    ai_actions_on_company_systems="none",
    health_data_in_scope="not_processed",  # the profile says health data: overridden
    card_data_in_scope="not_processed",
    dpa_signed="yes",
    dpa_documented_instructions="yes",
    dpa_personnel_confidentiality="yes",
    dpa_security_measures="yes",
    dpa_data_subject_rights="yes",
    dpa_compliance_assistance="yes",
    audit_rights="yes",
    transfer_mechanism="no_transfer",
    training_default="never",
    no_training_contractual="yes",
    retention_prompts_outputs_days=0,
    retention_logs_days=30,
    deletion_on_request_days=7,
    backups_retention_bounded="yes",
    end_of_contract_deletion="yes",
    tls_minimum_version="tls13",
    encryption_at_rest="yes",
    key_management_model="hyok",
    sso_enforced="yes",
    scim_deprovisioning="yes",
    rbac_least_privilege="yes",
    breach_notification_committed="yes",
    breach_notification_hours=24,
    breach_notification_channel="named_contacts",
    incident_response_tested="yes",
    incident_history_disclosed="yes",
    subprocessor_list_disclosed="yes",
    subprocessor_terms_flowdown="yes",
    subprocessor_change_notice_days=30,
    model_providers_list="Not disclosed.",
    model_provider_terms="yes",
    ccpa_service_provider_terms="yes",
    hosting_regions=["eu_eea"],
    eu_ai_act_deployer_support="yes",
    ai_interaction_transparency="yes",
    ai_literacy_support="yes",
    instructions_for_use="yes",
    availability_sla_percent=99.9,
)
DANGEROUS_ANSWERS = {
    **DANGEROUS_FAVOURABLE,
    **answers(**dict.fromkeys(DANGEROUS_NOT_APPLICABLE, "not_applicable")),
}
DANGEROUS_ANSWERS_EXPLAINED = {
    **DANGEROUS_FAVOURABLE,
    **answers(
        **dict.fromkeys(
            DANGEROUS_NOT_APPLICABLE,
            ("not_applicable", "We only call its API; this is the vendor's business."),
        )
    ),
}


# --- (e) A legitimately low-risk vendor: well evidenced, honestly answered ----------------------

TRANSLATOR_PROFILE = VendorProfile(
    data_classes=("internal", "confidential"),  # personal data is Confidential: classified
    special_categories=("personal",),  # names and e-mail addresses in the documents
    criticality="medium",
    autonomy="none",
    integration="web_app",
)
TRANSLATOR_EVIDENCE = [
    record(
        "soc2", soc2_type="type2", period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2025, 3, 31), auditor="C-LLP", opinion="unqualified",
        exceptions_noted=False, covers_ai_service=True,
    ),
    record(
        "dpa", signed_date=dt.date(2025, 2, 3), gdpr_art28_terms=True, transfer_mechanism="sccs",
        ccpa_service_provider_terms=False, breach_notification_hours=48,
        subprocessor_notice_days=30,
    ),
    record(
        "retention", prompt_retention_days=0, output_retention_days=30, log_retention_days=90,
        zero_retention_available=True, deletion_on_request_days=30, backup_retention_days=35,
        document_date=dt.date(2025, 2, 3),
    ),
    record(
        "encryption", min_tls_version="1.2", encryption_at_rest=True, key_management="vendor",
        staff_access="approved", document_date=dt.date(2025, 2, 3),
    ),
    record(
        "training", training_default="never", no_training_commitment=True,
        document_date=dt.date(2025, 2, 3),
    ),
    record("pentest", document_date=dt.date(2024, 11, 20)),
    record("subprocessors", document_date=dt.date(2025, 5, 12)),
    record("model_card", document_date=dt.date(2025, 1, 8)),
]  # fmt: skip
TRANSLATOR_ANSWERS = answers(
    ai_actions_on_company_systems="none",
    health_data_in_scope="not_processed",
    card_data_in_scope="not_processed",
    soc2_type2_current="yes",
    soc2_scope_covers_ai_service="yes",
    soc2_opinion_unqualified="yes",
    soc2_report_upload=501,
    iso27001_current=("no", "SOC 2 Type II only."),
    iso42001_certified=("no", "Not certified."),
    pentest_current_remediated="yes",
    pentest_last_date="2024-11-20",
    dpa_signed="yes",
    dpa_documented_instructions="yes",
    dpa_personnel_confidentiality="yes",
    dpa_security_measures="yes",
    dpa_data_subject_rights="yes",
    dpa_compliance_assistance="yes",
    audit_rights=("partial", "Audit by report and questionnaire; on-site only after a breach."),
    transfer_mechanism="sccs",
    training_default="never",
    no_training_contractual="yes",
    fine_tune_isolation=(
        "not_applicable",
        "Translation only: we do not fine-tune or customise models on this service.",
    ),
    retention_prompts_outputs_days=30,
    retention_logs_days=90,
    deletion_on_request_days=30,
    backups_retention_bounded="yes",
    end_of_contract_deletion="yes",
    tls_minimum_version="tls12",
    encryption_at_rest="yes",
    key_management_model="vendor_per_tenant",
    vendor_staff_access_restricted="yes",
    sso_enforced="yes",
    scim_deprovisioning=("partial", "SCIM on the roadmap; SSO removes access at once."),
    rbac_least_privilege="yes",
    api_key_controls=(
        "not_applicable",
        "We use the web application only: the vendor issues us no API keys.",
    ),
    tenant_isolation="yes",
    breach_notification_committed="yes",
    breach_notification_hours=48,
    breach_notification_channel="named_contacts",
    incident_response_tested="yes",
    incident_history_disclosed="yes",
    subprocessor_list_disclosed="yes",
    subprocessor_terms_flowdown="yes",
    subprocessor_change_notice_days=30,
    model_providers_list="None: the vendor trains and hosts its own translation models.",
    model_provider_terms=(
        "not_applicable",
        "The vendor trains and hosts its own translation models: no third-party provider.",
    ),
    audit_log_access="yes",
    ai_interaction_logs=("partial", "Document-level logs only, no prompt-level logs."),
    vendor_security_monitoring="yes",
    model_production_monitoring="yes",
    prompt_injection_defences=("partial", "No red-team report; documents are ours."),
    sensitive_output_controls="yes",
    model_supply_chain="yes",
    data_poisoning_controls="yes",
    output_handling="yes",
    system_prompt_hygiene="yes",
    vector_store_isolation=(
        "not_applicable",
        "Translation keeps no embeddings or retrieval index of our documents.",
    ),
    hallucination_controls=("partial", "Human review of every translation sent outside."),
    consumption_limits="yes",
    ccpa_service_provider_terms=(
        "not_applicable",
        "Only documents of our EU staff and customers: no California residents' data.",
    ),
    hosting_regions=["eu_eea"],
    eu_ai_act_deployer_support="yes",
    ai_interaction_transparency="yes",
    ai_literacy_support=("partial", "Product documentation only, no training material."),
    instructions_for_use="yes",
    availability_sla_percent=99.9,
    bcdr_tested="yes",
    model_provider_fallback=("no", "Own models only; translation can wait a day."),
    model_change_notice="yes",
    data_export_exit="yes",
)


# --- What the gates say ---------------------------------------------------------------------------


def blocker_reason(key: str, answer_words: str, index: int = 0) -> str:
    """A blocker's reason on a gate, as the reader sees it: the bank's reason, then the
    question (shortened to 90 characters) and the answer in words."""
    text = SPEC[key].text
    words = text if len(text) <= 90 else text[:87].rstrip() + "…"
    return f"{SPEC[key].blockers[index]['reason']} (“{words}”: {answer_words})"


def within(residual: float, appetite: int, percent: int) -> str:
    return (
        f"Residual risk {residual:g} is within the appetite of {appetite}, and the controls "
        f"meet {percent}% of what the questionnaire asks."
    )


def above(residual: float, appetite: int, data_class: str) -> str:
    return f"Residual risk {residual:g} is above the appetite of {appetite} for {data_class} data."


def too_few_controls(percent: int, data_class: str, floor: int) -> str:
    return (
        f"The controls meet {percent}% of what the questionnaire asks; {data_class} data needs "
        f"at least {floor}%."
    )


def personal_data_without_art28(words: str) -> str:
    return (
        f"Processes personal data ({words}) without a current data processing agreement with "
        "GDPR Art. 28(3) terms on record: only Public data may be sent."
    )


NOT_REQUESTED = (
    "Not requested: this assessment did not consider restricted data; reassess before sending it."
)
TRAINS_ON_OUR_DATA = "The vendor trains its models on our data by default, with no way to opt out."


# --- (a) ------------------------------------------------------------------------------------------


def test_enterprise_llm_api():
    result = run(LLM_API_PROFILE, LLM_API_ANSWERS, LLM_API_EVIDENCE)

    assert result.method_version == "clearance-risk/2"
    assert points(result) == {
        "Highest data class": 40,  # Confidential; personal data needs no more
        "Special data categories": 8,
        "Criticality": 15,
        "Autonomy": 0,
        "Integration": 4,
    }
    assert result.inherent == 67
    assert totals(result) == (251, 230.1)
    assert result.effectiveness == 0.9167
    # Where the 20.9 points of weight went: the breach group (9) earns half at 72 hours.
    assert list(group_losses(result).items())[:5] == [
        ("breach_notification_committed", 4.5),
        ("model_provider_fallback", 3.0),
        ("iso42001_certified", 2.0),
        ("audit_rights", 2.0),
        ("output_handling", 2.0),
    ]
    assert result.residual == 5.6
    assert result.tier == "low"

    # Sound, live evidence of every kind the answers lean on: nothing is discounted.
    assert strengths(LLM_API_PROFILE, LLM_API_EVIDENCE) == {"iso42001": "none", "other": "none"}
    assert statuses(LLM_API_PROFILE, LLM_API_EVIDENCE)["red_team"] == "expiring"
    assert appraised(LLM_API_EVIDENCE, LLM_API_PROFILE)[1] == []  # no core evidence gap
    assert result.allowed_classes == ["public", "internal", "confidential"]
    assert reasons(result, "confidential") == (within(5.6, 25, 92),)
    assert reasons(result, "restricted") == (NOT_REQUESTED,)
    assert kinds(result) == {"answer": 13}  # no blocker, no evidence finding, nothing blank


def test_enterprise_llm_api_is_reassessed_within_180_days_for_its_criticality():
    result = run(LLM_API_PROFILE, LLM_API_ANSWERS, LLM_API_EVIDENCE)

    check_cadence(result, LLM_API_PROFILE)
    assert result.reassess_days == 180  # Low alone would give 365
    assert result.next_reassessment == dt.date(2025, 11, 29)
    assert result.cadence_reasons == (
        "Low risk: every 365 days.",
        "At most 180 days for a vendor of high criticality.",
    )


# --- (b) ------------------------------------------------------------------------------------------


def test_ai_note_taker_that_trains_on_customer_data():
    result = run(NOTETAKER_PROFILE, NOTETAKER_ANSWERS, NOTETAKER_EVIDENCE)

    assert points(result) == {
        "Highest data class": 40,
        "Special data categories": 8,
        "Criticality": 8,
        "Autonomy": 0,
        "Integration": 2,
    }
    assert result.inherent == 58
    # api_key_controls is "not applicable", allowed by the bank and explained: 251 − 3.
    assert totals(result) == (248, 111.95)
    assert result.effectiveness == 0.4514
    assert group_losses(result)["training_default"] == 9  # the whole training group
    assert result.residual == 31.8
    assert result.tier == "high"

    assert strengths(NOTETAKER_PROFILE, NOTETAKER_EVIDENCE) == {
        "soc2": "none", "iso27001": "none", "iso42001": "none", "encryption": "none",
        "training": "none", "pentest": "none", "model_card": "none", "red_team": "none",
        "other": "none",
    }  # fmt: skip
    gaps = (
        "No current SOC 2 Type II report or ISO 27001 certificate: none is recorded.",
        "No current statement of encryption and key management: none is recorded.",
        "The statement of training-data use is disqualified: the vendor trains its models on "
        "our data by default, with no way to opt out.",
    )
    assert tuple(appraised(NOTETAKER_EVIDENCE, NOTETAKER_PROFILE)[1]) == gaps

    assert result.allowed_classes == ["public"]
    training = blocker_reason("training_default", "Yes by default, with no opt-out")
    # Internal data is within the appetite (31.8 ≤ 40) and still refused: the training blocker,
    # the same fact on the training statement, and too few controls for Internal data.
    assert reasons(result, "internal") == (
        training,
        TRAINS_ON_OUR_DATA,
        too_few_controls(45, "Internal", 50),
    )
    assert reasons(result, "confidential") == (
        training,
        TRAINS_ON_OUR_DATA,
        *gaps,
        above(31.8, 25, "confidential"),
        too_few_controls(45, "Confidential", 70),
    )
    assert reasons(result, "restricted") == (
        training,
        blocker_reason("no_training_contractual", "no"),
        TRAINS_ON_OUR_DATA,
        *gaps,
        above(31.8, 15, "restricted"),
        too_few_controls(45, "Restricted", 80),
        NOT_REQUESTED,
    )
    assert kinds(result) == {"blocker": 2, "answer": 52, "evidence": 7, "na_claim": 1}
    assert findings_of(result, "na_claim") == ["api_key_controls"]
    # A control answered "no" claims nothing, so missing SOC 2 evidence discounts nothing.
    assert not [key for key in findings_of(result, "evidence") if key.startswith("soc2")]


def test_ai_note_taker_is_reassessed_as_its_tier_says():
    result = run(NOTETAKER_PROFILE, NOTETAKER_ANSWERS, NOTETAKER_EVIDENCE)

    check_cadence(result, NOTETAKER_PROFILE)
    assert result.reassess_days == 90  # High: stricter than any cap of its exposure
    assert result.next_reassessment == dt.date(2025, 8, 31)
    assert result.cadence_reasons == ("High risk: every 90 days.",)


# --- (c) ------------------------------------------------------------------------------------------

BAA_PARTIAL = blocker_reason("hipaa_baa", "partial")
RETENTION_EXPIRED = (
    "No current statement of retention and deletion terms: the one on record has expired."
)


def test_healthcare_scheduling_agent():
    result = run(AGENT_PROFILE, AGENT_ANSWERS, AGENT_EVIDENCE)

    assert points(result) == {
        "Highest data class": 55,
        "Special data categories": 23,
        "Criticality": 15,
        "Autonomy": 10,
        "Integration": 8,
    }
    assert result.inherent == 100  # 111 points, capped at 100
    assert totals(result) == (251, 173.05)
    assert result.effectiveness == 0.6894
    losses = group_losses(result)
    assert losses["ai_actions_on_company_systems"] == 14.4  # 16 × (1 − 0.4 × 0.5 × 0.5 × 1)
    assert losses["training_default"] == 5.4  # 9 × (1 − 0.4 × 1)
    assert losses["health_data_in_scope"] == 3  # 6 × (1 − 1 × 0.5)
    assert result.residual == 31.1
    assert result.tier == "high"

    assert strengths(AGENT_PROFILE, AGENT_EVIDENCE) == {
        "soc2": "none",  # disqualified: the audited scope excludes the agent
        "iso42001": "none",
        "retention": "none",  # expired
        "encryption": "weak",  # vendor-managed keys, Restricted data
        "model_card": "none",
        "red_team": "none",
    }
    assert statuses(AGENT_PROFILE, AGENT_EVIDENCE)["iso27001"] == "expiring"  # in 27 days
    assert result.allowed_classes == ["public", "internal"]
    assert reasons(result, "confidential") == (
        BAA_PARTIAL,
        RETENTION_EXPIRED,
        above(31.1, 25, "confidential"),
        too_few_controls(69, "Confidential", 70),
    )
    assert reasons(result, "restricted") == (
        BAA_PARTIAL,
        RETENTION_EXPIRED,
        above(31.1, 15, "restricted"),
        too_few_controls(69, "Restricted", 80),
    )
    assert kinds(result) == {"blocker": 1, "contradicts": 1, "answer": 26, "evidence": 15}

    # "partial" claims better than the SOC 2 report, which says the scope excludes the agent:
    # scored as "no", and a high finding.
    contradiction = next(f for f in result.findings if f.kind == "contradicts")
    assert contradiction.key == "soc2_scope_covers_ai_service"
    assert contradiction.severity == "high"
    credits = {c.key: c.credit for c in result.contributions if c.counted}
    assert credits["soc2_scope_covers_ai_service"] == 0
    # The other SOC 2 claims earn half: the report is disqualified for this service.
    assert credits["soc2_type2_current"] == credits["soc2_opinion_unqualified"] == 0.5
    # Weak encryption evidence: three quarters of each claimed credit.
    assert credits["encryption_at_rest"] == 0.75
    assert credits["tls_minimum_version"] == pytest.approx(0.675)  # 0.9 × 0.75
    # Expired retention terms: half.
    assert credits["backups_retention_bounded"] == 0.5
    # The agent's follow-ups apply and are scored with the question they hang on.
    assert credits["ai_actions_on_company_systems"] == pytest.approx(0.4)
    assert credits["agent_tool_least_privilege"] == 0.5
    assert credits["agent_high_impact_approval"] == 0.5
    assert credits["hipaa_baa"] == 0.5


def test_healthcare_scheduling_agent_with_a_baa_that_covers_the_ai_service():
    """The same vendor once its BAA covers the AI features: the blocker goes, the residual
    drops to Medium, and Confidential and Restricted are still refused."""
    covered = {**AGENT_ANSWERS, "hipaa_baa": AnswerSpec("yes")}
    result = run(AGENT_PROFILE, covered, AGENT_EVIDENCE)

    assert totals(result) == (251, 176.05)
    assert result.effectiveness == 0.7014
    assert result.residual == 29.9
    assert result.tier == "medium"
    assert result.allowed_classes == ["public", "internal"]
    assert reasons(result, "confidential") == (
        RETENTION_EXPIRED,
        above(29.9, 25, "confidential"),
    )
    assert reasons(result, "restricted") == (
        RETENTION_EXPIRED,
        above(29.9, 15, "restricted"),
        too_few_controls(70, "Restricted", 80),
    )
    assert not findings_of(result, "blocker")


def test_healthcare_scheduling_agent_is_reassessed_within_90_days_for_its_exposure():
    result = run(AGENT_PROFILE, AGENT_ANSWERS, AGENT_EVIDENCE)
    check_cadence(result, AGENT_PROFILE)
    assert result.reassess_days == 90
    assert result.cadence_reasons == ("High risk: every 90 days.",)

    # With the BAA the tier is Medium (180 days); Restricted health data caps it at 90.
    covered = run(AGENT_PROFILE, {**AGENT_ANSWERS, "hipaa_baa": AnswerSpec("yes")}, AGENT_EVIDENCE)
    check_cadence(covered, AGENT_PROFILE)
    assert covered.reassess_days == 90
    assert covered.next_reassessment == dt.date(2025, 8, 31)
    assert covered.cadence_reasons == (
        "Medium risk: every 180 days.",
        "At most 90 days for Restricted data, health data.",
    )


# --- (d) ------------------------------------------------------------------------------------------

NA_AS_NO = "not applicable (counts as no)"
DANGEROUS_BLOCKERS = {
    # question: (answer in words, classes it refuses)
    "vendor_staff_access_restricted": (NA_AS_NO, ("restricted",)),
    "tenant_isolation": (NA_AS_NO, ("confidential", "restricted")),
    "prompt_injection_defences": (NA_AS_NO, ("confidential", "restricted")),
    "output_handling": (NA_AS_NO, ("confidential", "restricted")),
    "vector_store_isolation": (NA_AS_NO, ("confidential", "restricted")),
    "hipaa_baa": ("not answered", ("confidential", "restricted")),
}
TRAINING_EXPIRED = "No current statement of training-data use: the one on record has expired."
HEALTH_AND_PERSONAL = personal_data_without_art28("health, personal")


def test_dangerous_vendor_is_critical_and_refused_everything_but_public():
    result = run(DANGEROUS_PROFILE, DANGEROUS_ANSWERS, DANGEROUS_EVIDENCE)

    assert points(result) == {
        "Highest data class": 55,
        "Special data categories": 23,
        "Criticality": 15,
        "Autonomy": 0,
        "Integration": 4,
    }
    assert result.inherent == 97
    # Every "not applicable" counts as "no": nothing leaves the denominator.
    assert totals(result) == (251, 120.0625)
    assert result.effectiveness == 0.4783
    # 92 points of weight in the 27 "not applicable" answers, all lost; the health group (6)
    # lost to the unanswered BAA question; 32.9375 to favourable answers that the weak or
    # expired evidence does not fully back.
    losses = group_losses(result)
    assert sum(SPEC[key].weight for key in DANGEROUS_NOT_APPLICABLE) == 92
    assert all(losses[key] == SPEC[key].weight for key in DANGEROUS_NOT_APPLICABLE)
    assert losses["health_data_in_scope"] == 6
    assert round(sum(losses.values()), 4) == 130.9375 == 251 - 120.0625
    assert result.residual == 50.6
    assert result.tier == "critical"
    assert result.allowed_classes == ["public"]

    # Dates and no facts: weak where the kind's rules ask for a fact; the training statement
    # (no stated validity: 12 months) and the 2019 sub-processor list have expired.
    assert strengths(DANGEROUS_PROFILE, DANGEROUS_EVIDENCE) == {
        "soc2": "weak", "iso27001": "weak", "iso42001": "none", "dpa": "weak",
        "retention": "weak", "encryption": "weak", "training": "none", "subprocessors": "none",
        "model_card": "none", "red_team": "none", "other": "none",
    }  # fmt: skip
    assert appraised(DANGEROUS_EVIDENCE, DANGEROUS_PROFILE)[1] == [TRAINING_EXPIRED]

    for data_class in ("confidential", "restricted"):
        expected = [
            blocker_reason(key, answer_words)
            for key, (answer_words, refused) in DANGEROUS_BLOCKERS.items()
            if data_class in refused
        ]
        appetite = {"confidential": 25, "restricted": 15}[data_class]
        floor = {"confidential": 70, "restricted": 80}[data_class]
        assert reasons(result, data_class) == (
            *expected,
            TRAINING_EXPIRED,  # core evidence
            HEALTH_AND_PERSONAL,  # no Art. 28 terms on record
            above(50.6, appetite, data_class),
            too_few_controls(48, data_class.capitalize(), floor),
        )
    # Internal is refused too: personal data without Art. 28 terms, above the appetite of 40,
    # and less than half the controls.
    assert reasons(result, "internal") == (
        HEALTH_AND_PERSONAL,
        above(50.6, 40, "internal"),
        too_few_controls(48, "Internal", 50),
    )
    assert reasons(result, "public") == (within(50.6, 60, 48),)

    assert kinds(result) == {"blocker": 6, "answer": 22, "evidence": 24}
    assert set(findings_of(result, "blocker")) == set(DANGEROUS_BLOCKERS)
    assert set(findings_of(result, "answer")) == set(DANGEROUS_NOT_APPLICABLE) - set(
        DANGEROUS_BLOCKERS
    )


def test_dangerous_vendor_not_applicable_counts_as_no_and_says_why():
    result = run(DANGEROUS_PROFILE, DANGEROUS_ANSWERS, DANGEROUS_EVIDENCE)
    contributions = {c.key: c for c in result.contributions}
    for key in DANGEROUS_NOT_APPLICABLE:
        assert contributions[key].counted and contributions[key].credit == 0, key
        if SPEC[key].not_applicable:  # allowed by the bank, but not explained
            assert "without a comment saying why" in contributions[key].reason, key
        else:
            assert (
                "“Not applicable” is not allowed for this question" in contributions[key].reason
            ), key
    # Exactly as if the reviewer had answered "no" to all 27.
    honest = {**DANGEROUS_ANSWERS, **answers(**dict.fromkeys(DANGEROUS_NOT_APPLICABLE, "no"))}
    answered_no = run(DANGEROUS_PROFILE, honest, DANGEROUS_EVIDENCE)
    assert answered_no.residual == result.residual
    assert [(g.data_class, g.allowed) for g in answered_no.gates] == [
        (g.data_class, g.allowed) for g in result.gates
    ]
    # The gates say which answer it was: a claim counted as "no", not an honest "no".
    refused = next(g for g in result.gates if g.data_class == "confidential").reasons
    assert blocker_reason("tenant_isolation", NA_AS_NO) in refused


def test_dangerous_vendor_profile_answers_its_scope_questions():
    """ "Health data: not processed" contradicts the profile: the profile answers, so the BAA
    question applies. The reviewer never saw it: unanswered, it trips its blocker."""
    result = run(DANGEROUS_PROFILE, DANGEROUS_ANSWERS, DANGEROUS_EVIDENCE)
    contributions = {c.key: c for c in result.contributions}
    assert contributions["health_data_in_scope"].reason.startswith("Yes, health data or PHI")
    assert contributions["hipaa_baa"].counted
    baa = next(f for f in result.findings if f.key == "hipaa_baa")
    assert (baa.kind, baa.answer) == ("blocker", "not answered")


def test_dangerous_vendor_with_explained_not_applicable_is_still_refused():
    result = run(DANGEROUS_PROFILE, DANGEROUS_ANSWERS_EXPLAINED, DANGEROUS_EVIDENCE)

    # Only the three the bank allows leave the score (fine-tuning 3, API keys 3, vector
    # store 5); the other 24 still count as "no".
    assert totals(result) == (240, 120.0625)
    assert result.effectiveness == 0.5003
    assert result.residual == 48.5
    assert result.tier == "high"
    assert result.allowed_classes == ["public"]
    assert findings_of(result, "na_claim") == [
        "fine_tune_isolation",
        "api_key_controls",
        "vector_store_isolation",
    ]
    na_claim = next(f for f in result.findings if f.kind == "na_claim")
    assert na_claim.detail == (
        "Declared not applicable: confirm. The reviewer explained: “We only call its API; this "
        "is the vendor's business.”"
    )
    assert kinds(result) == {"blocker": 5, "answer": 20, "evidence": 24, "na_claim": 3}
    for data_class in ("confidential", "restricted"):
        refused = reasons(result, data_class)
        assert blocker_reason("tenant_isolation", NA_AS_NO) in refused
        assert blocker_reason("prompt_injection_defences", NA_AS_NO) in refused
        assert blocker_reason("output_handling", NA_AS_NO) in refused
        assert blocker_reason("hipaa_baa", "not answered") in refused
        assert blocker_reason("vector_store_isolation", NA_AS_NO) not in refused  # explained
        assert TRAINING_EXPIRED in refused
        assert HEALTH_AND_PERSONAL in refused
    assert reasons(result, "internal") == (HEALTH_AND_PERSONAL, above(48.5, 40, "internal"))


def test_dangerous_vendor_is_reassessed_within_90_days():
    for given in (DANGEROUS_ANSWERS, DANGEROUS_ANSWERS_EXPLAINED):
        result = run(DANGEROUS_PROFILE, given, DANGEROUS_EVIDENCE)
        check_cadence(result, DANGEROUS_PROFILE)
        assert result.reassess_days == 90
        assert result.next_reassessment == dt.date(2025, 8, 31)
    assert result.cadence_reasons == ("High risk: every 90 days.",)


# --- (e) ------------------------------------------------------------------------------------------


def test_legitimately_low_risk_vendor_stays_low_and_allowed():
    result = run(TRANSLATOR_PROFILE, TRANSLATOR_ANSWERS, TRANSLATOR_EVIDENCE)

    assert points(result) == {
        "Highest data class": 40,  # Internal requested; personal data is at least Confidential
        "Special data categories": 8,
        "Criticality": 8,
        "Autonomy": 0,
        "Integration": 2,
    }
    assert result.inherent == 58
    # Five explained "not applicable" answers the bank allows: three leave the score,
    # 251 − (3 + 3 + 5); model-provider terms (4) and CCPA (2) expect evidence, which is sound
    # here, so they count as a backed "yes".
    assert totals(result) == (240, 210.65)
    assert result.effectiveness == 0.8777
    assert list(group_losses(result).items())[:2] == [
        ("breach_notification_committed", 4.5),  # 48 hours: half the group of 9
        ("prompt_injection_defences", 3.75),  # partial, and no red-team report: 5 × 0.75
    ]
    assert result.residual == 7.1
    assert result.tier == "low"

    assert strengths(TRANSLATOR_PROFILE, TRANSLATOR_EVIDENCE) == {
        "iso27001": "none", "iso42001": "none", "red_team": "none", "other": "none",
    }  # fmt: skip
    assert appraised(TRANSLATOR_EVIDENCE, TRANSLATOR_PROFILE)[1] == []
    assert result.allowed_classes == ["public", "internal", "confidential"]
    assert reasons(result, "internal") == (within(7.1, 40, 88),)
    assert reasons(result, "confidential") == (within(7.1, 25, 88),)
    assert reasons(result, "restricted") == (NOT_REQUESTED,)
    assert kinds(result) == {"answer": 16, "na_claim": 5, "evidence": 1}
    assert findings_of(result, "evidence") == ["prompt_injection_defences"]  # no red-team report


def test_legitimately_low_risk_vendor_is_reassessed_yearly_unless_its_exposure_says_otherwise():
    result = run(TRANSLATOR_PROFILE, TRANSLATOR_ANSWERS, TRANSLATOR_EVIDENCE)
    check_cadence(result, TRANSLATOR_PROFILE)
    assert result.reassess_days == 365
    assert result.next_reassessment == dt.date(2026, 6, 2)
    assert result.cadence_reasons == ("Low risk: every 365 days.",)

    # The same vendor at high criticality: still Low, but at most 180 days.
    critical = replace(TRANSLATOR_PROFILE, criticality="high")
    result = run(critical, TRANSLATOR_ANSWERS, TRANSLATOR_EVIDENCE)
    check_cadence(result, critical)
    assert result.tier == "low"
    assert result.reassess_days == 180


# --- Every example is a whole questionnaire ------------------------------------------------------


def submission_questions(path: Path) -> list[SimpleNamespace]:
    """The bank's questions with what submission checks (required, section), as the stored
    Question rows carry them."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [
        SimpleNamespace(
            **asdict(SPEC[q["key"]]),
            required=q.get("required", True),
            section=SimpleNamespace(key=section["key"]),
        )
        for section in data["sections"]
        for q in section["questions"]
    ]


def submission_problems(profile: VendorProfile, given: dict) -> dict[str, str]:
    """What stops these answers from being submitted (question key -> reason)."""
    questions = submission_questions(BANK)
    values = rules.with_profile_answers(questions, {k: a.value for k, a in given.items()}, profile)
    comments = {k: a.comment for k, a in given.items()}
    return {
        p.question_key: p.reason for p in rules.submission_problems(questions, values, comments)
    }


@pytest.mark.parametrize(
    ("profile", "given", "records"),
    [
        (LLM_API_PROFILE, LLM_API_ANSWERS, LLM_API_EVIDENCE),
        (NOTETAKER_PROFILE, NOTETAKER_ANSWERS, NOTETAKER_EVIDENCE),
        (AGENT_PROFILE, AGENT_ANSWERS, AGENT_EVIDENCE),
        (TRANSLATOR_PROFILE, TRANSLATOR_ANSWERS, TRANSLATOR_EVIDENCE),
    ],
    ids=["llm_api", "note_taker", "scheduling_agent", "translator"],
)
def test_the_examples_answer_every_applicable_question(profile, given, records):
    result = run(profile, given, records)
    assert not findings_of(result, "unanswered")


def test_legitimately_low_risk_vendor_can_be_submitted_as_it_stands():
    """Every "no", "partial" and "not applicable" carries its comment."""
    assert submission_problems(TRANSLATOR_PROFILE, TRANSLATOR_ANSWERS) == {}


def test_dangerous_vendor_cannot_even_be_submitted():
    problems = submission_problems(DANGEROUS_PROFILE, DANGEROUS_ANSWERS)
    assert set(problems) == {*DANGEROUS_NOT_APPLICABLE, "hipaa_baa"}
    assert problems["hipaa_baa"] == "not answered"
    assert problems["tenant_isolation"] == (
        "“Not applicable” is not allowed for this question: answer yes, partial or no"
    )
    assert problems["vector_store_isolation"] == (
        "answered “not applicable” without a comment saying why"
    )
    # Explained, the 24 controls that may never be "not applicable" still stop it.
    explained = submission_problems(DANGEROUS_PROFILE, DANGEROUS_ANSWERS_EXPLAINED)
    allowed = {"fine_tune_isolation", "api_key_controls", "vector_store_isolation"}
    assert set(explained) == (set(DANGEROUS_NOT_APPLICABLE) - allowed) | {"hipaa_baa"}


def test_the_lite_bank_cannot_assess_the_dangerous_vendor():
    lite = yaml.safe_load(LITE_BANK.read_text(encoding="utf-8"))["bank"]["assesses"]
    needed = VendorProfile(
        data_classes=tuple(
            classes_needed(DANGEROUS_PROFILE.data_classes, DANGEROUS_PROFILE.special_categories)
        ),
        special_categories=DANGEROUS_PROFILE.special_categories,
        autonomy=DANGEROUS_PROFILE.autonomy,
    )
    assert rules.bank_scope_problems(lite, needed, SCOPE_LABELS) == [
        "it covers data up to Internal; the vendor would receive Confidential, Restricted data",
        "it does not ask about health data, personal data",
    ]


def test_bank_specs_reads_the_whole_bank():
    data = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    questions = [q for section in data["sections"] for q in section["questions"]]
    keys = [q["key"] for q in questions]
    assert [q.key for q in SPECS] == keys
    for index, question in enumerate(SPECS):
        if question.condition:  # names an earlier question, as score() expects
            assert question.condition["question"] in keys[:index]
        for blocker in question.blockers:  # quoted in the YAML: not read as True/False
            assert all(isinstance(v, str) for v in blocker["when"].get("in", []))
    # The fields of method clearance-risk/2 reach the score.
    by_key = {q["key"]: q for q in questions}
    assert {q.key for q in SPECS if q.not_applicable} == {
        k for k, q in by_key.items() if q.get("not_applicable")
    }
    assert {q.key: q.from_profile for q in SPECS if q.from_profile} == {
        "ai_actions_on_company_systems": "autonomy",
        "health_data_in_scope": "special_categories.health",
        "card_data_in_scope": "special_categories.payment_card",
    }
    assert {q.key for q in SPECS if q.evidence_fact} == {
        k for k, q in by_key.items() if q.get("evidence_fact")
    }
    assert len(SPECS) == 76
    assert sum(q.weight for q in SPECS) == 256
    parents = rules.followup_parents(SPECS)
    informational = [q for q in SPECS if not scoring.is_control(q, q.key in parents)]
    assert [q.key for q in informational] == [
        "soc2_report_upload",
        "pentest_last_date",
        "model_providers_list",
    ]
    assert sum(q.weight for q in informational) == 5  # so Σ weight is 251 without N/A
