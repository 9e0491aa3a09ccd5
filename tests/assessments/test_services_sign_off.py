"""assessments.services: the score stored at submission, a second lead's sign-off, sending an
assessment back, and tracking findings.

Scored assessments are built through the real services (answer_save, then assessment_submit):
the reviewer submits and the lead signs off. Time moves on from a fixed instant (tick=True)
rather than standing still: django-auditlog names its receivers by time.time().
"""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.conf import settings

from accounts.roles import Role
from assessments import scoring, services
from assessments.models import (
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    Finding,
    FindingStatus,
)
from tests.factories import UserFactory
from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors.models import Vendor, VendorStatus

TODAY = dt.date(2025, 6, 15)
CONDITIONS_DUE = dt.date(2025, 9, 30)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=True)
    return TODAY


def save(assessment, key, value, user, **kwargs):
    question = assessment.template.questions.get(key=key)
    return services.answer_save(
        assessment=assessment, question=question, answered_by=user, value=value, **kwargs
    )


def answer_well(assessment, user):
    """Good answers to the mini bank; "hosting" is left blank and no SOC 2 report is on file,
    so two findings remain (missing evidence, unanswered control)."""
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "no", user)
    save(assessment, "breach_hours", 24, user)


def answer_with_undisclosed_subprocessors(assessment, user):
    """Trips the mini bank's blocker, which forbids Confidential and Restricted data."""
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "yes", user)
    save(assessment, "subprocessors_disclosed", "no", user, comment="They would not say.")
    save(assessment, "breach_hours", 24, user)


def start(template, reviewer, **vendor_fields):
    vendor = VendorFactory(**vendor_fields)
    return services.assessment_start(vendor=vendor, template=template, started_by=reviewer)


@pytest.fixture
def submitted(assessment, reviewer):
    """The mini bank answered well for a vendor asking for Internal data, submitted by the
    reviewer: residual 6.7, tier low, Public and Internal allowed."""
    answer_well(assessment, reviewer)
    return services.assessment_submit(assessment, submitted_by=reviewer)


@pytest.fixture
def blocked(mini_template, reviewer):
    """Undisclosed sub-processors at a vendor asking for Public, Internal and Confidential data:
    the blocker refuses Confidential, the other two pass."""
    requested = ["public", "internal", "confidential"]
    draft = start(mini_template, reviewer, name="Blocked AI", data_classes=requested)
    answer_with_undisclosed_subprocessors(draft, reviewer)
    return services.assessment_submit(draft, submitted_by=reviewer)


@pytest.fixture
def confidential_only(mini_template, reviewer):
    """Undisclosed sub-processors at a vendor asking only for Confidential data: no requested
    class passes its gate."""
    draft = start(mini_template, reviewer, name="Secretive AI", data_classes=["confidential"])
    answer_with_undisclosed_subprocessors(draft, reviewer)
    return services.assessment_submit(draft, submitted_by=reviewer)


def sign_off(assessment, lead, decision=AssessmentStatus.APPROVED, **kwargs):
    return services.assessment_sign_off(assessment, lead=lead, decision=decision, **kwargs)


def assert_undecided(assessment):
    """Still awaiting sign-off, and the vendor untouched."""
    assessment.refresh_from_db()
    assessment.vendor.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.decided_by is None
    assert assessment.decided_at is None
    assert assessment.vendor.status == VendorStatus.PROPOSED
    assert assessment.vendor.approved_data_classes == []
    assert assessment.vendor.residual_score is None


# --- Scoring at submission --------------------------------------------------------------------


def test_submitting_stores_the_score_that_the_scoring_method_gives(submitted):
    stored = AssessmentScore.objects.get(assessment=submitted)
    expected = scoring.score(
        **services.scoring_inputs(submitted, TODAY), today=TODAY,
        appetite=settings.CLEARANCE_RISK_APPETITE,
    )  # fmt: skip

    assert stored.method_version == "clearance-risk/2" == expected.method_version
    assert stored.inherent == Decimal(str(expected.inherent)) == Decimal("32.0")
    assert stored.effectiveness == Decimal(str(expected.effectiveness))
    assert stored.residual == Decimal(str(expected.residual)) == Decimal("6.7")
    assert stored.tier == expected.tier == "low"
    assert stored.next_reassessment == expected.next_reassessment == dt.date(2026, 6, 15)
    assert stored.detail["scored_on"] == "2025-06-15"


def test_the_stored_detail_has_a_gate_for_every_class_with_reasons(submitted):
    gates = AssessmentScore.objects.get(assessment=submitted).gates

    assert [(g["data_class"], g["allowed"]) for g in gates] == [
        ("public", True),
        ("internal", True),
        ("confidential", False),
        ("restricted", False),
    ]
    assert all(g["reasons"] for g in gates)
    assert gates[1]["reasons"] == [
        "Residual risk 6.7 is within the appetite of 40, and the controls meet 79% of what the "
        "questionnaire asks."
    ]
    # Confidential was not requested, and no core evidence is on record.
    assert gates[2]["reasons"][-1] == (
        "Not requested: this assessment did not consider confidential data; reassess before "
        "sending it."
    )
    assert gates[2]["reasons"][0] == (
        "No current SOC 2 Type II report or ISO 27001 certificate: none is recorded."
    )


def test_the_stored_detail_says_how_each_question_counted(submitted):
    detail = AssessmentScore.objects.get(assessment=submitted).detail
    counted = {c["key"]: c["counted"] for c in detail["contributions"]}

    assert list(counted) == [
        "soc2_current", "uses_subprocessors", "subprocessors_disclosed", "breach_hours",
        "hosting", "notes",
    ]  # fmt: skip
    # The follow-up is hidden by "no"; free text measures no control.
    assert counted == {
        "soc2_current": True, "uses_subprocessors": True, "subprocessors_disclosed": False,
        "breach_hours": True, "hosting": True, "notes": False,
    }  # fmt: skip
    soc2 = next(c for c in detail["contributions"] if c["key"] == "soc2_current")
    assert soc2["credit"] == 0.5
    assert soc2["reason"] == "yes: credit 1, × 0.5: the expected evidence (SOC 2 report) is missing"
    assert {f["name"] for f in detail["inherent_factors"]} >= {"Criticality", "Integration"}
    assert {d["domain"] for d in detail["domains"]} == {
        "certifications", "subprocessors", "incident_response", "regulatory",
    }  # fmt: skip


def test_submitting_stores_a_finding_for_each_shortfall(submitted, vendor):
    findings = list(Finding.objects.filter(assessment=submitted))

    assert [(f.question_key, f.severity, f.kind) for f in findings] == [
        ("soc2_current", "medium", "evidence"),
        ("hosting", "low", "unanswered"),
    ]
    assert all(f.vendor == vendor and f.status == FindingStatus.OPEN for f in findings)
    assert findings[0].remediation == "Obtain current evidence (SOC 2 report) without weaknesses."
    assert findings[0].detail == "Claimed, but the expected evidence (SOC 2 report) is missing."
    assert findings[0].question_text == "Does the vendor hold a current SOC 2 Type II report?"
    assert findings[1].detail == "Not answered: counts as no."


def test_current_evidence_earns_full_credit_and_no_evidence_finding(assessment, reviewer, vendor):
    EvidenceFactory(
        vendor=vendor, kind="soc2", soc2_type="type2", opinion="unqualified",
        exceptions_noted=False, covers_ai_service=True, bridge_letter=True,
        period_start=TODAY - dt.timedelta(days=300), period_end=TODAY - dt.timedelta(days=30),
    )  # fmt: skip
    answer_well(assessment, reviewer)

    services.assessment_submit(assessment, submitted_by=reviewer)

    assert [f.question_key for f in Finding.objects.filter(assessment=assessment)] == ["hosting"]
    assert AssessmentScore.objects.get(assessment=assessment).residual == Decimal("2.7")


def test_a_blocker_refuses_its_classes_and_is_a_critical_finding(blocked):
    score = AssessmentScore.objects.get(assessment=blocked)

    # Internal is refused too: the controls meet 38% of what the bank asks, below the 50%
    # that Internal data needs (the score can refuse Internal, not only the blockers).
    assert score.allowed_classes == ["public"]
    confidential = next(g for g in score.gates if g["data_class"] == "confidential")
    assert (
        "Undisclosed sub-processors. (“Is the full sub-processor list disclosed?”: no)"
        in confidential["reasons"]
    )
    internal = next(g for g in score.gates if g["data_class"] == "internal")
    assert internal["reasons"] == [
        "The controls meet 38% of what the questionnaire asks; Internal data needs at least 50%."
    ]
    blocker = blocked.findings.get(kind="blocker")
    assert blocker.severity == "critical"
    assert blocker.detail == "Undisclosed sub-processors."


def test_submitting_copies_the_tier_and_residual_onto_the_assessment(submitted):
    fresh = Assessment.objects.get(pk=submitted.pk)
    assert (fresh.tier, fresh.residual_score) == ("low", Decimal("6.7"))
    assert (submitted.tier, submitted.residual_score) == ("low", Decimal("6.7"))


def test_a_failure_while_scoring_leaves_the_assessment_a_draft(
    db, monkeypatch, assessment, reviewer
):
    """Submission, score, findings and gates are one transaction: all or nothing."""
    answer_well(assessment, reviewer)

    def broken_score(*args, **kwargs):
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(scoring, "score", broken_score)

    with pytest.raises(RuntimeError, match="scoring failed"):
        services.assessment_submit(assessment, submitted_by=reviewer)

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.submitted_by is None
    assert assessment.submitted_at is None
    assert (assessment.tier, assessment.residual_score) == ("", None)
    assert not AssessmentScore.objects.exists()
    assert not Finding.objects.exists()
    # The audit entry of the submission went with the rest.
    entries = LogEntry.objects.get_for_object(assessment)
    assert not entries.filter(action=LogEntry.Action.UPDATE).exists()


# --- Sign-off ---------------------------------------------------------------------------------


def test_a_second_lead_approves_and_the_vendor_takes_the_decision(submitted, lead):
    signed = sign_off(submitted, lead, comment="  Good controls.  ")

    signed.refresh_from_db()
    assert signed.status == AssessmentStatus.APPROVED
    assert signed.decided_by == lead
    assert signed.decided_at is not None
    assert signed.decision_comment == "Good controls."
    vendor = signed.vendor
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.APPROVED
    assert vendor.tier == "low"
    assert vendor.residual_score == Decimal("6.7")
    assert vendor.conditions == ""
    assert vendor.next_reassessment_date == dt.date(2026, 6, 15)


def test_the_approved_classes_are_the_allowed_gates_the_vendor_asked_for(submitted, lead):
    """Public passes its gate too, but the vendor asked only for Internal."""
    sign_off(submitted, lead)
    submitted.vendor.refresh_from_db()
    assert submitted.vendor.approved_data_classes == ["internal"]


def test_a_requested_class_refused_by_its_gate_is_not_approved(blocked, lead):
    sign_off(blocked, lead)
    blocked.vendor.refresh_from_db()
    assert blocked.vendor.data_classes == ["public", "internal", "confidential"]
    assert blocked.vendor.approved_data_classes == ["public"]
    assert blocked.vendor.tier == "high"


def test_approval_with_conditions_records_them_on_the_assessment_and_the_vendor(submitted, lead):
    sign_off(
        submitted, lead, decision=AssessmentStatus.APPROVED_WITH_CONDITIONS,
        conditions=" Turn on zero retention. ", conditions_due=CONDITIONS_DUE,
    )  # fmt: skip

    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.APPROVED_WITH_CONDITIONS
    assert submitted.conditions == "Turn on zero retention."
    assert submitted.conditions_due == CONDITIONS_DUE
    submitted.vendor.refresh_from_db()
    assert submitted.vendor.status == VendorStatus.APPROVED_WITH_CONDITIONS
    assert submitted.vendor.conditions == "Turn on zero retention."
    assert submitted.vendor.approved_data_classes == ["internal"]


def test_the_vendors_new_decision_is_audit_logged_with_the_lead_as_actor(submitted, lead):
    sign_off(
        submitted, lead, decision=AssessmentStatus.APPROVED_WITH_CONDITIONS,
        conditions="Turn on zero retention.", conditions_due=CONDITIONS_DUE,
    )  # fmt: skip

    entry = LogEntry.objects.get_for_object(submitted.vendor).latest("pk")
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == lead
    assert set(entry.changes_dict) >= {
        "status", "tier", "residual_score", "approved_data_classes", "conditions",
        "next_reassessment_date",
    }  # fmt: skip
    assert entry.changes_dict["status"] == ["proposed", "approved_with_conditions"]
    decision = LogEntry.objects.get_for_object(submitted).latest("pk")
    assert decision.actor == lead
    assert decision.changes_dict["status"] == ["submitted", "approved_with_conditions"]


def test_the_lead_who_submitted_cannot_sign_off(assessment, reviewer, lead):
    answer_well(assessment, reviewer)
    services.assessment_submit(assessment, submitted_by=lead)

    with pytest.raises(services.SignOffRefused, match="another security lead must sign it off"):
        sign_off(assessment, lead)

    assert_undecided(assessment)


def test_a_draft_cannot_be_signed_off(assessment, reviewer, lead):
    answer_well(assessment, reviewer)

    with pytest.raises(services.SignOffRefused, match="Only a submitted assessment"):
        sign_off(assessment, lead)

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.decided_by is None


def test_a_decided_assessment_cannot_be_signed_off_again(submitted, lead):
    sign_off(submitted, lead)
    other_lead = UserFactory(username="lead2", role=Role.LEAD)

    with pytest.raises(services.SignOffRefused, match="Only a submitted assessment"):
        sign_off(submitted, other_lead, decision=AssessmentStatus.REJECTED, comment="No.")

    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_by) == (AssessmentStatus.APPROVED, lead)


def test_an_unknown_decision_is_refused(submitted, lead):
    with pytest.raises(services.SignOffRefused, match="Unknown decision"):
        sign_off(submitted, lead, decision="submitted")
    assert_undecided(submitted)


@pytest.mark.parametrize(
    ("conditions", "conditions_due"),
    [("", CONDITIONS_DUE), ("   ", CONDITIONS_DUE), ("Turn on zero retention.", None)],
    ids=["no conditions", "blank conditions", "no date"],
)
def test_approval_with_conditions_needs_the_conditions_and_a_date(
    submitted, lead, conditions, conditions_due
):
    with pytest.raises(services.SignOffRefused, match="needs the conditions and a date"):
        sign_off(
            submitted, lead, decision=AssessmentStatus.APPROVED_WITH_CONDITIONS,
            conditions=conditions, conditions_due=conditions_due,
        )  # fmt: skip
    assert_undecided(submitted)


@pytest.mark.parametrize(
    "decision", [AssessmentStatus.APPROVED, AssessmentStatus.APPROVED_WITH_CONDITIONS]
)
def test_approval_is_refused_when_the_gates_allow_none_of_the_requested_classes(
    confidential_only, lead, decision
):
    with pytest.raises(services.SignOffRefused, match="allow none of the requested data classes"):
        sign_off(
            confidential_only, lead, decision=decision, conditions="Disclose them.",
            conditions_due=CONDITIONS_DUE,
        )  # fmt: skip
    assert_undecided(confidential_only)


def test_rejection_is_possible_when_no_requested_class_passes(confidential_only, lead):
    sign_off(confidential_only, lead, decision=AssessmentStatus.REJECTED, comment="Opaque.")
    confidential_only.vendor.refresh_from_db()
    assert confidential_only.vendor.status == VendorStatus.REJECTED
    assert confidential_only.vendor.approved_data_classes == []


def test_rejection_empties_the_approved_classes_and_drops_the_conditions(
    mini_template, reviewer, lead
):
    draft = start(
        mini_template, reviewer, name="Once Approved AI", status=VendorStatus.APPROVED,
        approved_data_classes=["public", "internal"], conditions="Old conditions.",
    )  # fmt: skip
    answer_well(draft, reviewer)
    services.assessment_submit(draft, submitted_by=reviewer)

    sign_off(
        draft, lead, decision=AssessmentStatus.REJECTED, comment="Lapsed controls.",
        conditions="Ignored for a rejection.", conditions_due=CONDITIONS_DUE,
    )  # fmt: skip

    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.REJECTED
    assert (draft.conditions, draft.conditions_due) == ("", None)
    draft.vendor.refresh_from_db()
    assert draft.vendor.status == VendorStatus.REJECTED
    assert draft.vendor.approved_data_classes == []
    assert draft.vendor.conditions == ""


# --- The approval's facts: valid until, assessed categories, flags cleared --------------------


def later(time_machine, days: int) -> dt.date:
    """Move the clock `days` days past TODAY (still ticking) and return that day."""
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC) + dt.timedelta(days))
    return TODAY + dt.timedelta(days)


def test_cadence_is_the_scores_reassess_days_or_a_v1_scores_span_from_scoring():
    v2 = AssessmentScore(next_reassessment=dt.date(2025, 9, 13), detail={"reassess_days": 90})
    v1 = AssessmentScore(
        next_reassessment=dt.date(2025, 12, 12), detail={"scored_on": "2025-06-15"}
    )
    assert services.cadence_days(v2) == 90
    assert services.cadence_days(v1) == 180


def test_the_next_reassessment_is_counted_from_the_sign_off_not_from_scoring(
    submitted, lead, time_machine
):
    score = AssessmentScore.objects.get(assessment=submitted)
    signed_on = later(time_machine, 20)

    sign_off(submitted, lead)

    submitted.vendor.refresh_from_db()
    cadence = dt.timedelta(days=services.cadence_days(score))
    assert submitted.vendor.next_reassessment_date == signed_on + cadence


def test_an_approval_is_valid_until_the_next_reassessment_plus_the_grace_days(
    submitted, lead, settings
):
    settings.CLEARANCE_APPROVAL_GRACE_DAYS = 10

    sign_off(submitted, lead)

    vendor = submitted.vendor
    vendor.refresh_from_db()
    assert vendor.approval_valid_until == vendor.next_reassessment_date + dt.timedelta(days=10)
    entry = LogEntry.objects.get_for_object(vendor).latest("pk")
    assert "approval_valid_until" in entry.changes_dict


def test_the_approval_covers_the_categories_of_the_profile_that_was_scored(submitted, lead):
    score = AssessmentScore.objects.get(assessment=submitted)
    score.detail = score.detail | {"profile": {"special_categories": ["personal"]}}
    score.save(update_fields=["detail"])
    # Added to the profile between scoring and sign-off: not assessed by this approval.
    Vendor.objects.filter(pk=submitted.vendor_id).update(special_categories=["personal", "health"])

    sign_off(submitted, lead)

    submitted.vendor.refresh_from_db()
    assert submitted.vendor.assessed_special_categories == ["personal"]


def test_a_score_without_its_profile_covers_the_vendors_current_categories(submitted, lead):
    score = AssessmentScore.objects.get(assessment=submitted)
    score.detail = {k: v for k, v in score.detail.items() if k != "profile"}
    score.save(update_fields=["detail"])
    Vendor.objects.filter(pk=submitted.vendor_id).update(special_categories=["employee"])

    sign_off(submitted, lead)

    submitted.vendor.refresh_from_db()
    assert submitted.vendor.assessed_special_categories == ["employee"]


def test_a_rejection_leaves_no_approval_to_be_valid(submitted, lead):
    Vendor.objects.filter(pk=submitted.vendor_id).update(
        approval_valid_until=dt.date(2026, 1, 1), assessed_special_categories=["personal"]
    )

    sign_off(submitted, lead, decision=AssessmentStatus.REJECTED, comment="No.")

    submitted.vendor.refresh_from_db()
    assert submitted.vendor.approval_valid_until is None
    assert submitted.vendor.assessed_special_categories == []


def flag(vendor, reviewer, reason="Material change: health data added."):
    from vendors.services import vendor_flag_reassessment

    vendor.refresh_from_db()
    vendor_flag_reassessment(vendor, reason=reason, flagged_by=reviewer)


def test_a_reassessment_required_before_the_submission_is_cleared_by_its_sign_off(
    mini_template, vendor, reviewer, lead, time_machine
):
    flag(vendor, reviewer)
    later(time_machine, 1)
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
    answer_well(draft, reviewer)
    services.assessment_submit(draft, submitted_by=reviewer)

    signed = sign_off(draft, lead)

    vendor.refresh_from_db()
    assert vendor.reassessment_required is False
    assert (vendor.reassessment_reason, vendor.reassessment_required_since) == ("", None)
    assert vendor.reassessment_required_at is None
    assert services.reassessment_still_needed(signed) == []


def test_a_reassessment_required_after_the_submission_stays_required_and_says_why(
    submitted, reviewer, lead, time_machine
):
    later(time_machine, 2)
    flag(submitted.vendor, reviewer, reason="Material change: health data added.")

    signed = sign_off(submitted, lead)  # no refusal: the decision is recorded

    vendor = submitted.vendor
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.APPROVED
    assert vendor.reassessment_required is True
    assert vendor.reassessment_reason == "Material change: health data added."
    assert vendor.reassessment_required_since == TODAY + dt.timedelta(days=2)
    assert services.reassessment_still_needed(signed) == [
        "Quillnote AI still needs a reassessment: this assessment was submitted on 15 Jun "
        "2025, before the reassessment became required (Material change: health data added). "
        "Start a new one."
    ]


def record_incident(vendor, reviewer, severity="high"):
    from vendors.services import incident_record

    vendor.refresh_from_db()
    return incident_record(
        vendor=vendor, recorded_by=reviewer, title="Prompt logs exposed", severity=severity,
        date_disclosed=TODAY, summary="Logs were public.",
    )  # fmt: skip


def test_an_assessment_submitted_after_a_high_incident_lifts_its_suspension(
    mini_template, vendor, reviewer, lead, time_machine
):
    record_incident(vendor, reviewer)
    vendor.refresh_from_db()
    assert vendor.incident_suspended_at is not None
    later(time_machine, 1)
    draft = services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
    answer_well(draft, reviewer)
    services.assessment_submit(draft, submitted_by=reviewer)

    signed = sign_off(draft, lead)

    vendor.refresh_from_db()
    assert vendor.incident_suspended_at is None
    assert vendor.reassessment_required is False
    assert services.reassessment_still_needed(signed) == []


def test_an_assessment_submitted_before_a_high_incident_keeps_the_suspension(
    submitted, reviewer, lead, time_machine
):
    later(time_machine, 1)
    record_incident(submitted.vendor, reviewer, severity="critical")

    signed = sign_off(submitted, lead)

    vendor = submitted.vendor
    vendor.refresh_from_db()
    assert vendor.incident_suspended_at is not None
    assert vendor.reassessment_required is True
    assert vendor.reassessment_reason.startswith("Incident disclosed 15 Jun 2025")
    assert services.reassessment_still_needed(signed)[1] == (
        "Confidential and Restricted data stay suspended for Quillnote AI: this assessment was "
        "submitted on 15 Jun 2025, before the high or critical incident was recorded. Only a "
        "reassessment submitted after the incident lifts it."
    )


# --- Sending back -----------------------------------------------------------------------------


def test_send_back_returns_a_draft_with_the_comment_and_drops_the_score(submitted, lead):
    services.assessment_send_back(submitted, lead=lead, comment="  Ask for the SOC 2 report. ")

    fresh = Assessment.objects.get(pk=submitted.pk)
    assert fresh.status == AssessmentStatus.DRAFT
    assert fresh.is_editable
    assert fresh.returned_comment == "Ask for the SOC 2 report."
    assert fresh.submitted_at is None
    assert (fresh.tier, fresh.residual_score) == ("", None)
    assert not AssessmentScore.objects.filter(assessment=fresh).exists()
    assert not Finding.objects.filter(vendor=fresh.vendor).exists()
    entry = LogEntry.objects.get_for_object(fresh).latest("pk")
    assert entry.actor == lead
    assert entry.changes_dict["status"] == ["submitted", "draft"]


def test_a_resubmission_after_send_back_is_scored_again(submitted, reviewer, lead):
    services.assessment_send_back(submitted, lead=lead, comment="Where is the data hosted?")
    save(submitted, "hosting", ["eu"], reviewer)

    services.assessment_submit(submitted, submitted_by=reviewer)

    fresh = Assessment.objects.get(pk=submitted.pk)
    assert fresh.status == AssessmentStatus.SUBMITTED
    score = AssessmentScore.objects.get(assessment=fresh)
    assert score.residual == Decimal("4.0")
    assert (fresh.tier, fresh.residual_score) == ("low", Decimal("4.0"))
    assert [f.question_key for f in fresh.findings.all()] == ["soc2_current"]


@pytest.mark.parametrize("comment", ["", "   "])
def test_send_back_needs_a_comment(submitted, lead, comment):
    with pytest.raises(services.SignOffRefused, match="Say what the reviewer should change"):
        services.assessment_send_back(submitted, lead=lead, comment=comment)
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED
    assert AssessmentScore.objects.filter(assessment=submitted).exists()


def test_only_a_submitted_assessment_can_be_sent_back(assessment, lead):
    with pytest.raises(services.SignOffRefused, match="Only a submitted assessment"):
        services.assessment_send_back(assessment, lead=lead, comment="Again.")


def test_send_back_is_refused_while_the_vendor_has_another_draft(submitted, reviewer, lead):
    # assessment_start only reuses an open draft; a submitted assessment does not stop a new one.
    services.assessment_start(
        vendor=submitted.vendor, template=submitted.template, started_by=reviewer
    )

    with pytest.raises(services.SignOffRefused, match="already has a draft"):
        services.assessment_send_back(submitted, lead=lead, comment="Needs another look.")


# --- Tracking findings ------------------------------------------------------------------------


def test_finding_update_records_the_status_owner_and_dates(submitted, reviewer, lead):
    finding = submitted.findings.get(question_key="soc2_current")

    services.finding_update(
        finding, changed_by=lead, status=FindingStatus.ACCEPTED, owner=reviewer,
        due_date=dt.date(2025, 7, 1), justification="Report due next month.",
        accepted_until=dt.date(2025, 8, 1),
    )  # fmt: skip

    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
    assert finding.owner == reviewer
    assert finding.due_date == dt.date(2025, 7, 1)
    assert finding.justification == "Report due next month."
    assert finding.accepted_until == dt.date(2025, 8, 1)
    assert finding.updated_by == lead


def test_finding_update_is_audit_logged_with_its_actor(submitted, reviewer, lead):
    finding = submitted.findings.get(question_key="hosting")

    services.finding_update(
        finding, changed_by=reviewer, status=FindingStatus.REMEDIATED,
        remediation_note="Hosting confirmed as EU only.",
    )  # fmt: skip

    entry = LogEntry.objects.get_for_object(finding).latest("pk")
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == reviewer
    assert entry.changes_dict["status"] == ["open", "remediated"]
    assert entry.changes_dict["remediation_note"] == ["", "Hosting confirmed as EU only."]
    assert entry.additional_data == {
        "vendor_id": submitted.vendor_id,
        "assessment_id": submitted.pk,
    }
