"""The three worked examples of docs/scoring.md, scored against the shipped full bank.

The bank is read straight from assessments/question_banks/ai_due_diligence.yaml (no database),
so a change to the bank's weights, risks or blockers that moves these numbers fails here and
must be reflected in docs/scoring.md. `today` is frozen so that the reassessment dates are
fixed too.
"""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assessments import scoring
from assessments.scoring import AnswerSpec, QuestionSpec, VendorProfile

BANK = (
    Path(__file__).resolve().parents[2] / "assessments" / "question_banks" / "ai_due_diligence.yaml"
)
TODAY = dt.date(2025, 6, 2)


def bank_specs(path: Path) -> tuple[QuestionSpec, ...]:
    """Every question of a bank file, in bank order, as the scoring module sees it."""
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
        )
        for section in data["sections"]
        for q in section["questions"]
    )


SPECS = bank_specs(BANK)


def answers(**values) -> dict[str, AnswerSpec]:
    keys = {q.key for q in SPECS}
    unknown = set(values) - keys
    assert not unknown, f"not questions of the bank: {unknown}"
    return {key: AnswerSpec(value) for key, value in values.items()}


def gate(result: scoring.ScoreResult, data_class: str) -> scoring.Gate:
    return next(g for g in result.gates if g.data_class == data_class)


def reasons(result: scoring.ScoreResult, data_class: str) -> str:
    return "\n".join(gate(result, data_class).reasons)


def points(result: scoring.ScoreResult) -> dict[str, float]:
    return {f.name: f.points for f in result.inherent_factors}


def totals(result: scoring.ScoreResult) -> tuple[int, float]:
    """(Σ weight, Σ weight × credit) over the control groups that count."""
    weight = sum(d.weight for d in result.domains)
    credit = sum(d.weight * d.effectiveness for d in result.domains)
    return weight, round(credit, 6)


def kinds(result: scoring.ScoreResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return counts


# --- (a) An enterprise LLM API with full, current evidence ----------------------------------------

LLM_API_PROFILE = VendorProfile(
    data_classes=("confidential",),
    special_categories=("personal",),
    criticality="high",
    autonomy="none",
    integration="api",
)
LLM_API_EVIDENCE = {
    "soc2": "current",
    "iso27001": "current",
    "dpa": "current",
    "retention": "current",
    "encryption": "current",
    "training": "current",
    "pentest": "current",
    "subprocessors": "current",
    "model_card": "current",
    "red_team": "expiring",  # expiring still counts as live evidence
    "other": "missing",
    "iso42001": "missing",
}
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


def test_enterprise_llm_api():
    result = scoring.score(LLM_API_PROFILE, SPECS, LLM_API_ANSWERS, LLM_API_EVIDENCE, TODAY)

    assert points(result) == {
        "Highest data class requested": 40,
        "Special data categories": 8,
        "Criticality": 15,
        "Autonomy": 0,
        "Integration": 4,
    }
    assert result.inherent == 67
    assert totals(result) == (251, 230.1)
    assert result.effectiveness == 0.9167
    assert result.residual == 5.6
    assert result.tier == "low"
    assert result.next_reassessment == dt.date(2026, 6, 2)  # + 365 days
    assert result.method_version == "clearance-risk/1"

    assert result.allowed_classes == ["public", "internal", "confidential"]
    assert gate(result, "confidential").reasons == (
        "Residual risk 5.6 is within the appetite of 25.",
    )
    assert "Not requested" in reasons(result, "restricted")
    assert kinds(result) == {"answer": 13}  # no blocker, no stale evidence, nothing blank


# --- (b) An AI note-taking start-up without SOC 2 that trains on customer data -------------------

NOTETAKER_PROFILE = VendorProfile(
    data_classes=("internal", "confidential"),
    special_categories=("personal",),
    criticality="medium",
    autonomy="none",
    integration="web_app",
)
NOTETAKER_EVIDENCE = {
    "soc2": "missing",
    "dpa": "current",  # the click-through DPA
    "pentest": "expired",
    "subprocessors": "current",
    "encryption": "missing",
    "retention": "current",
    "training": "current",  # the terms that say it trains on customer data
}
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
    api_key_controls="not_applicable",  # web app only, no API
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


def test_ai_note_taker_that_trains_on_customer_data():
    result = scoring.score(NOTETAKER_PROFILE, SPECS, NOTETAKER_ANSWERS, NOTETAKER_EVIDENCE, TODAY)

    assert points(result) == {
        "Highest data class requested": 40,
        "Special data categories": 8,
        "Criticality": 8,
        "Autonomy": 0,
        "Integration": 2,
    }
    assert result.inherent == 58
    assert totals(result) == (248, 111.95)  # api_key_controls is not applicable: 251 − 3
    assert result.effectiveness == 0.4514
    assert result.residual == 31.8
    assert result.tier == "high"
    assert result.next_reassessment == dt.date(2025, 8, 31)  # + 90 days

    assert result.allowed_classes == ["public"]
    training = "Trains models on customer data by default with no opt-out"
    for data_class in ("internal", "confidential", "restricted"):
        assert training in reasons(result, data_class)
    # Internal data would be within the appetite (31.8 ≤ 40): the blocker alone refuses it.
    assert gate(result, "internal").reasons == (
        "Trains models on customer data by default with no opt-out: only Public data may be "
        "sent. (training_default: on no opt out)",
    )
    assert "Residual risk 31.8 is above the appetite of 25" in reasons(result, "confidential")
    assert "No contractual no-training commitment" in reasons(result, "restricted")
    assert "Not requested" in reasons(result, "restricted")
    assert kinds(result) == {"blocker": 2, "answer": 52, "evidence": 7}
    # A control answered "no" claims nothing, so missing SOC 2 evidence halves nothing.
    assert not [f for f in result.findings if f.kind == "evidence" and f.key.startswith("soc2")]


# --- (c) A healthcare scheduling agent that handles health data -------------------------------

AGENT_PROFILE = VendorProfile(
    data_classes=("restricted",),
    special_categories=("health", "personal"),
    criticality="high",
    autonomy="autonomous_scoped",
    integration="agent",
)
AGENT_EVIDENCE = {
    "soc2": "current",
    "iso27001": "expiring",
    "dpa": "current",
    "retention": "expired",
    "encryption": "current",
    "training": "current",
    "pentest": "current",
    "subprocessors": "current",
    "model_card": "missing",
    "red_team": "missing",
    "other": "current",  # the BAA on file (it excludes the AI features)
}
AGENT_ANSWERS = answers(
    ai_actions_on_company_systems="autonomous_scoped",
    health_data_in_scope="processed",
    card_data_in_scope="not_processed",
    soc2_type2_current="yes",
    soc2_scope_covers_ai_service="partial",  # the scheduling agent launched after the period
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


def test_healthcare_scheduling_agent():
    result = scoring.score(AGENT_PROFILE, SPECS, AGENT_ANSWERS, AGENT_EVIDENCE, TODAY)

    assert points(result) == {
        "Highest data class requested": 55,
        "Special data categories": 23,
        "Criticality": 15,
        "Autonomy": 10,
        "Integration": 8,
    }
    assert result.inherent == 100  # 111 points, capped at 100
    assert totals(result) == (251, 182.15)
    assert result.effectiveness == 0.7257
    assert result.residual == 27.4
    assert result.tier == "medium"
    assert result.next_reassessment == dt.date(2025, 11, 29)  # + 180 days

    assert result.allowed_classes == ["public", "internal"]
    baa = (
        "Health data without a BAA covering the AI service: PHI may not be disclosed to this "
        "vendor (45 CFR 164.502(e), 164.504(e)). (hipaa_baa: partial)"
    )
    assert gate(result, "confidential").reasons == (
        baa,
        "Residual risk 27.4 is above the appetite of 25 for confidential data.",
    )
    assert gate(result, "restricted").reasons == (
        baa,
        "Residual risk 27.4 is above the appetite of 15 for restricted data.",
    )
    assert kinds(result) == {"blocker": 1, "answer": 26, "evidence": 8}
    # The agent's follow-ups apply and are scored with the question they hang on.
    credits = {c.key: c.credit for c in result.contributions if c.counted}
    assert credits["ai_actions_on_company_systems"] == pytest.approx(0.4)
    assert credits["agent_tool_least_privilege"] == 0.5
    assert credits["agent_high_impact_approval"] == 0.5
    assert credits["hipaa_baa"] == 0.5


def test_healthcare_scheduling_agent_with_a_baa_that_covers_the_ai_service():
    """The same vendor once its BAA covers the AI features: the blocker goes, but 26.2 is
    still above the Confidential appetite of 25."""
    covered = {**AGENT_ANSWERS, "hipaa_baa": AnswerSpec("yes")}
    result = scoring.score(AGENT_PROFILE, SPECS, covered, AGENT_EVIDENCE, TODAY)

    assert result.effectiveness == 0.7376
    assert result.residual == 26.2
    assert result.tier == "medium"
    assert result.allowed_classes == ["public", "internal"]
    assert gate(result, "confidential").reasons == (
        "Residual risk 26.2 is above the appetite of 25 for confidential data.",
    )
    assert not [f for f in result.findings if f.kind == "blocker"]


def test_the_examples_answer_every_applicable_question():
    """Each example is a complete submission: nothing applicable is left blank."""
    for profile, answered, evidence in (
        (LLM_API_PROFILE, LLM_API_ANSWERS, LLM_API_EVIDENCE),
        (NOTETAKER_PROFILE, NOTETAKER_ANSWERS, NOTETAKER_EVIDENCE),
        (AGENT_PROFILE, AGENT_ANSWERS, AGENT_EVIDENCE),
    ):
        result = scoring.score(profile, SPECS, answered, evidence, TODAY)
        assert not [f.key for f in result.findings if f.kind == "unanswered"]


def test_bank_specs_reads_the_whole_bank():
    data = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    keys = [q["key"] for section in data["sections"] for q in section["questions"]]
    assert [q.key for q in SPECS] == keys
    for index, question in enumerate(SPECS):
        if question.condition:  # names an earlier question, as score() expects
            assert question.condition["question"] in keys[:index]
        for blocker in question.blockers:  # quoted in the YAML: not read as True/False
            assert all(isinstance(v, str) for v in blocker["when"].get("in", []))
