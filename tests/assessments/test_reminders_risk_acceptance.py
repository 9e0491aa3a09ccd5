"""The daily sweep and accepted risks: reminded 30 and 7 days before an acceptance ends; the
day after its last day the finding is reopened (in the vendor's history) and an e-mail says
so, once, however often the sweep runs.

Time moves from a fixed instant with tick=True (django-auditlog names its receivers by
time.time()); the sweep reads the day from the clock, as the Celery beat task does.
"""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from assessments import services
from assessments.models import Finding, FindingStatus
from assessments.reminders import plan, run_sweep
from notifications.models import ReminderKind, ReminderLog
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus
from vendors.selectors import vendor_history

TODAY = dt.date(2026, 3, 2)
SITE = "https://clearance.example.org"
LAST_DAY = dt.date(2026, 3, 20)  # 18 days after TODAY


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(at(TODAY), tick=True)
    return time_machine


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_SUBJECT_PREFIX = "[Clearance] "


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep as the beat task does (today from the clock) and deliver what it queues."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return run_sweep()

    return run


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", first_name="Olive", last_name="Owner")


@pytest.fixture
def vendor(owner):
    return VendorFactory(name="Quillnote AI", status=VendorStatus.APPROVED, business_owner=owner)


@pytest.fixture
def accepted(assessment, vendor, lead, reviewer):
    """`accepted(until, severity="critical")`: a finding whose risk the lead accepted today,
    owned by the reviewer."""

    def make(until: dt.date, severity: str = "critical") -> Finding:
        finding = Finding.objects.create(
            assessment=assessment, vendor=vendor, question_key="tenant_isolation",
            question_text="Is each customer's data isolated from other tenants?",
            answer_text="No", severity=severity, kind="answer",
        )  # fmt: skip
        return services.finding_update(
            finding, changed_by=lead, status=FindingStatus.ACCEPTED, owner=reviewer,
            justification="Single-tenant deployment from April.", accepted_until=until,
        )  # fmt: skip

    return make


@pytest.fixture
def assessment(mini_template, vendor, reviewer):
    return services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)


def planned_for(finding: Finding, today: dt.date) -> list[tuple[str, int]]:
    """(kind, offset) of each reminder the rules call for about this finding on `today`."""
    return [
        (p.kind, p.offset_days)
        for p in plan(today)
        if (p.object_type, p.object_id) == ("finding", finding.pk)
    ]


# --- What is planned --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (31, []),
        (30, [("risk_acceptance_expiring", 30)]),
        (8, [("risk_acceptance_expiring", 30)]),
        (7, [("risk_acceptance_expiring", 7)]),
        (0, [("risk_acceptance_expiring", 7)]),  # the last day accepted
        (-1, [("risk_acceptance_expired", 0)]),
        (-40, [("risk_acceptance_expired", 0)]),  # a sweep that was down for weeks catches up
    ],
)
def test_an_acceptance_is_reminded_30_and_7_days_ahead_and_once_it_has_ended(
    accepted, days_left, expected
):
    finding = accepted(TODAY + days(30))  # accepted today; the plan is asked about later days

    assert planned_for(finding, TODAY + days(30 - days_left)) == expected


def test_an_open_or_remediated_finding_is_reminded_of_nothing(accepted, reviewer):
    finding = accepted(TODAY + days(7))
    services.finding_update(
        finding, changed_by=reviewer, status=FindingStatus.REMEDIATED,
        remediation_note="Moved to the single-tenant plan.",
    )  # fmt: skip

    assert planned_for(finding, TODAY + days(8)) == []


# --- The sweep, day by day --------------------------------------------------------------------


def test_the_daily_sweep_reminds_twice_then_reopens_once_and_says_so_once(
    sweep, clock, accepted, lead
):
    finding = accepted(LAST_DAY)

    for day in range(26):
        clock.move_to(at(TODAY + days(day)), tick=True)
        result = sweep()
        sweep()  # a second run the same day changes and sends nothing
        finding.refresh_from_db()
        reopened_today = TODAY + days(day) > LAST_DAY
        assert finding.status == (FindingStatus.OPEN if reopened_today else FindingStatus.ACCEPTED)
        assert [f.pk for f in result.reopened] == (
            [finding.pk] if TODAY + days(day) == LAST_DAY + days(1) else []
        )

    sent = ReminderLog.objects.filter(object_type="finding").order_by("pk")
    assert [(log.kind, log.offset_days, log.created_at.date()) for log in sent] == [
        (ReminderKind.RISK_ACCEPTANCE_EXPIRING, 30, TODAY),
        (ReminderKind.RISK_ACCEPTANCE_EXPIRING, 7, LAST_DAY - days(7)),
        (ReminderKind.RISK_ACCEPTANCE_EXPIRED, 0, LAST_DAY + days(1)),
    ]
    assert [m.subject for m in mail.outbox] == [
        "[Clearance] Risk acceptance for a critical finding of Quillnote AI ends in 18 days",
        "[Clearance] Risk acceptance for a critical finding of Quillnote AI ends in 7 days",
        "[Clearance] Risk acceptance for a critical finding of Quillnote AI has ended: "
        "the finding is open again",
    ]
    # Reopened once, by the sweep, in the vendor's history; the acceptance stays on record.
    reopenings = [
        entry
        for entry in vendor_history(finding.vendor)
        if entry.changes_dict.get("status") == ["accepted", "open"]
    ]
    assert len(reopenings) == 1
    assert reopenings[0].actor is None
    assert (finding.accepted_until, finding.justification) == (
        LAST_DAY,
        "Single-tenant deployment from April.",
    )


def test_the_ended_acceptance_email_goes_to_the_owners_and_reviewers_with_the_link(
    sweep, clock, accepted, lead
):
    finding = accepted(LAST_DAY)
    clock.move_to(at(LAST_DAY + days(3)), tick=True)

    sweep()

    [message] = mail.outbox
    assert sorted(message.to) == ["owner@example.com", "reviewer@example.com"]
    assert "lead@example.com" not in message.to
    link = f"{SITE}/assessments/{finding.assessment_id}/#finding-{finding.pk}"
    body = message.body
    assert "was accepted until 2026-03-20: Single-tenant deployment from April." in body
    assert "only a security lead may accept a critical finding" in body
    assert link in body
    html = message.alternatives[0][0]
    assert "the finding is open again" in html
    assert link in html


def test_a_medium_finding_email_does_not_ask_for_a_lead(sweep, clock, accepted):
    accepted(LAST_DAY, severity="medium")
    clock.move_to(at(LAST_DAY + days(1)), tick=True)

    sweep()

    [message] = mail.outbox
    assert "security lead" not in message.body


def test_a_retired_vendors_ended_acceptance_is_reopened_without_an_email(
    sweep, clock, accepted, vendor
):
    finding = accepted(LAST_DAY)
    vendor.status = VendorStatus.RETIRED
    vendor.save()
    clock.move_to(at(LAST_DAY + days(1)), tick=True)

    sweep()

    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert mail.outbox == []


def test_a_risk_accepted_again_after_reopening_is_reminded_again(sweep, clock, accepted, lead):
    finding = accepted(LAST_DAY)
    clock.move_to(at(LAST_DAY + days(1)), tick=True)
    sweep()
    services.finding_update(
        finding, changed_by=lead, status=FindingStatus.ACCEPTED,
        accepted_until=LAST_DAY + days(8),
    )  # fmt: skip
    mail.outbox.clear()

    sweep()

    assert [m.subject for m in mail.outbox] == [
        "[Clearance] Risk acceptance for a critical finding of Quillnote AI ends in 7 days"
    ]


# --- send_reminders ---------------------------------------------------------------------------


def send_reminders(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_lists_the_ended_acceptance_and_reopens_nothing(clock, accepted):
    finding = accepted(LAST_DAY)
    clock.move_to(at(LAST_DAY + days(1)), tick=True)

    output = send_reminders("--dry-run")

    assert (
        "  risk_acceptance_expired  Risk acceptance for a critical finding of Quillnote AI has "
        "ended: the finding is open again -> owner@example.com, reviewer@example.com\n"
    ) in output
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
    assert not ReminderLog.objects.exists()
    assert mail.outbox == []


def test_the_command_says_which_findings_it_reopened(clock, accepted):
    accepted(LAST_DAY)
    clock.move_to(at(LAST_DAY + days(1)), tick=True)

    output = send_reminders()

    assert (
        "  reopened critical finding of Quillnote AI: risk accepted until 2026-03-20\n"
    ) in output
    assert len(mail.outbox) == 1
    assert send_reminders().count("reopened") == 0
