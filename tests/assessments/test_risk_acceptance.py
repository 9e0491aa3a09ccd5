"""Accepting the risk of a finding: services.finding_check is the one place of the rules, and
the finding page and the Django admin both show its refusals on the field concerned.

An accepted risk needs a justification and an end date after today, at most
CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS (12) months ahead; only a security lead (or an
administrator) accepts the risk of a high or critical finding. An acceptance on record is not
re-judged when only the owner or due date changes.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services
from assessments.models import Finding, FindingSeverity, FindingStatus

TODAY = dt.date(2025, 6, 15)
A_YEAR_ON = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(time_machine):
    # tick=True: django-auditlog names its receivers by time.time(), which must keep moving.
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=True)


@pytest.fixture
def finding_of(assessment):
    """`finding_of(severity, **fields)`: a finding of the draft mini-bank assessment."""

    def make(severity: str, **fields) -> Finding:
        return Finding.objects.create(
            assessment=assessment, vendor=assessment.vendor, question_key="soc2_current",
            question_text="Does the vendor hold a current SOC 2 Type II report?",
            answer_text="No", severity=severity, kind="answer", **fields,
        )  # fmt: skip

    return make


def accept(finding, user, until=A_YEAR_ON, justification="Compensating control: DLP proxy."):
    return services.finding_update(
        finding, changed_by=user, status=FindingStatus.ACCEPTED, justification=justification,
        accepted_until=until,
    )  # fmt: skip


def refusal(finding, user, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        accept(finding, user, **kwargs)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.updated_by is None
    return refused.value.message_dict


# --- How long -------------------------------------------------------------------------------


def test_a_risk_is_accepted_for_exactly_twelve_months(finding_of, lead):
    finding = accept(finding_of("medium"), lead, until=A_YEAR_ON)

    finding.refresh_from_db()
    assert (finding.status, finding.accepted_until) == (FindingStatus.ACCEPTED, A_YEAR_ON)
    assert finding.updated_by == lead


@pytest.mark.parametrize(
    "until", [A_YEAR_ON + dt.timedelta(days=1), dt.date(9999, 12, 31)], ids=["a day more", "9999"]
)
def test_a_risk_is_not_accepted_for_longer_than_twelve_months(finding_of, lead, until):
    assert refusal(finding_of("medium"), lead, until=until) == {
        "accepted_until": [
            "A risk is accepted for at most 12 months: until 15 June 2026 at the latest."
        ]
    }


@pytest.mark.parametrize(
    ("until", "accepted"),
    [(TODAY, False), (TODAY + dt.timedelta(days=1), True), (dt.date(2024, 12, 31), False)],
    ids=["today", "tomorrow", "the past"],
)
def test_the_end_date_is_after_today(finding_of, lead, until, accepted):
    finding = finding_of("low")
    if accepted:
        accept(finding, lead, until=until)
        finding.refresh_from_db()
        assert finding.status == FindingStatus.ACCEPTED
    else:
        assert refusal(finding, lead, until=until) == {
            "accepted_until": ["The date must be in the future."]
        }


def test_the_longest_acceptance_is_a_setting(settings, finding_of, lead):
    settings.CLEARANCE_MAX_RISK_ACCEPTANCE_MONTHS = 3

    assert "accepted_until" in refusal(finding_of("low"), lead, until=dt.date(2025, 9, 16))
    accept(finding_of("low"), lead, until=dt.date(2025, 9, 15))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 6, 15), 12, dt.date(2026, 6, 15)),
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2025, 12, 31), 12, dt.date(2026, 12, 31)),
    ],
)
def test_months_ahead_end_on_the_same_day_or_the_months_last(day, months, expected):
    assert services.add_months(day, months) == expected


# --- What an acceptance needs ---------------------------------------------------------------


@pytest.mark.parametrize("justification", ["", "   "])
def test_an_acceptance_needs_a_justification(finding_of, lead, justification):
    assert refusal(finding_of("low"), lead, justification=justification) == {
        "justification": ["Accepting a risk needs a justification."]
    }


def test_an_acceptance_needs_an_end_date(finding_of, lead):
    assert refusal(finding_of("low"), lead, until=None) == {
        "accepted_until": ["Accepted risks expire: give a date."]
    }


def test_remediating_needs_a_note(finding_of, reviewer):
    finding = finding_of("high")
    with pytest.raises(ValidationError) as refused:
        services.finding_update(finding, changed_by=reviewer, status=FindingStatus.REMEDIATED)
    assert refused.value.message_dict == {"remediation_note": ["Say how it was remediated."]}


# --- Who accepts ------------------------------------------------------------------------------


@pytest.mark.parametrize("severity", [FindingSeverity.CRITICAL, FindingSeverity.HIGH])
def test_a_reviewer_cannot_accept_a_high_or_critical_risk(finding_of, reviewer, severity):
    errors = refusal(finding_of(severity), reviewer)
    assert errors == {
        "status": [
            f"Only a security lead may accept the risk of a {severity.label.lower()} finding."
        ]
    }


@pytest.mark.parametrize("severity", [FindingSeverity.MEDIUM, FindingSeverity.LOW])
def test_a_reviewer_accepts_a_medium_or_low_risk(finding_of, reviewer, severity):
    finding = accept(finding_of(severity), reviewer)
    finding.refresh_from_db()
    assert (finding.status, finding.updated_by) == (FindingStatus.ACCEPTED, reviewer)


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_a_lead_or_an_administrator_accepts_a_critical_risk(finding_of, users_by_role, who):
    finding = accept(finding_of("critical"), users_by_role[who])
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED


def test_a_reviewer_may_reassign_a_critical_risk_a_lead_accepted_but_not_extend_it(
    finding_of, lead, reviewer
):
    finding = accept(finding_of("critical"), lead, until=dt.date(2025, 12, 31))

    services.finding_update(finding, changed_by=reviewer, owner=reviewer)
    with pytest.raises(ValidationError) as refused:
        services.finding_update(finding, changed_by=reviewer, accepted_until=A_YEAR_ON)

    assert set(refused.value.message_dict) == {"status"}
    finding.refresh_from_db()
    assert (finding.owner, finding.accepted_until) == (reviewer, dt.date(2025, 12, 31))


# --- The finding page -------------------------------------------------------------------------


def finding_form(**fields) -> dict:
    return {"status": "accepted", "justification": "Compensating control: DLP proxy.",
            "accepted_until": "2026-06-15", **fields}  # fmt: skip


def test_the_page_shows_a_too_long_acceptance_on_the_date_and_keeps_what_was_typed(
    client, lead, finding_of
):
    finding = finding_of("medium")
    client.force_login(lead)

    response = client.post(
        reverse("finding_edit", args=[finding.pk]), finding_form(accepted_until="9999-12-31")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "accepted_until": [
            "A risk is accepted for at most 12 months: until 15 June 2026 at the latest."
        ]
    }
    html = response.content.decode()
    assert 'value="9999-12-31"' in html
    assert "Compensating control: DLP proxy." in html
    finding.refresh_from_db()
    assert (finding.status, finding.accepted_until) == (FindingStatus.OPEN, None)


def test_the_page_refuses_a_reviewer_accepting_a_critical_risk_on_the_status(
    client, reviewer, finding_of
):
    finding = finding_of("critical")
    client.force_login(reviewer)

    response = client.post(reverse("finding_edit", args=[finding.pk]), finding_form())

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "status": ["Only a security lead may accept the risk of a critical finding."]
    }
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_the_page_lets_a_lead_accept_a_critical_risk_for_twelve_months(client, lead, finding_of):
    finding = finding_of("critical")
    client.force_login(lead)

    response = client.post(reverse("finding_edit", args=[finding.pk]), finding_form())

    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.accepted_until) == (FindingStatus.ACCEPTED, A_YEAR_ON)


# --- The Django admin -------------------------------------------------------------------------


def admin_form(finding, **fields) -> dict:
    return {"status": "accepted", "owner": "", "due_date": "",
            "justification": "Compensating control: DLP proxy.", "accepted_until": "2026-06-15",
            "remediation_note": "", **fields}  # fmt: skip


def test_the_admin_refuses_a_too_long_acceptance_on_the_field(client, administrator, finding_of):
    finding = finding_of("critical")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:assessments_finding_change", args=[finding.pk]),
        admin_form(finding, accepted_until="9999-12-31"),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "accepted_until": [
            "A risk is accepted for at most 12 months: until 15 June 2026 at the latest."
        ]
    }
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_the_admin_saves_through_the_service_with_the_administrator_as_actor(
    client, administrator, finding_of
):
    finding = finding_of("critical")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:assessments_finding_change", args=[finding.pk]), admin_form(finding)
    )

    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.accepted_until) == (FindingStatus.ACCEPTED, A_YEAR_ON)
    assert finding.updated_by == administrator
    entry = LogEntry.objects.get_for_object(finding).latest("pk")
    assert entry.actor == administrator
    assert entry.changes_dict["status"] == ["open", "accepted"]


def test_the_admin_cannot_add_or_delete_a_finding(client, administrator, finding_of):
    finding = finding_of("low")
    client.force_login(administrator)

    assert client.get(reverse("admin:assessments_finding_add")).status_code == 403
    assert (
        client.get(reverse("admin:assessments_finding_delete", args=[finding.pk])).status_code
        == 403
    )
