"""assessments.reminders at scale: the sweep plans, claims and delivers in a number of SQL
queries that does not grow with the number of reminders (issue 14: about 8 per reminder
before, 155,287 queries for 19,185 reminders at 100,000 vendors).

Each size mixes every kind of reminder; the vendors due have their draft open already (the
steady state: a draft is created once, when the vendor enters the 30-day window, and that is
work per vendor, not per reminder).
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from assessments.models import Assessment, AssessmentStatus, Finding, FindingStatus
from assessments.reminders import run_sweep
from notifications.models import ReminderLog, ReminderStatus
from tests.factories import UserFactory
from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors.models import EvidenceKind, Vendor, VendorStatus

TODAY = dt.date(2026, 3, 2)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC), tick=True)


@pytest.fixture
def people(db):
    return {
        "owner": UserFactory(username="owner"),
        "reviewer": UserFactory(username="reviewer", role=Role.REVIEWER),
        "lead": UserFactory(username="lead", role=Role.LEAD),
    }


def reminders_due(count: int, people: dict, template) -> None:
    """Vendors and records that call for `count` reminders today, of every kind."""
    owner = people["owner"]

    def vendor(**fields):
        return VendorFactory(
            **{"status": VendorStatus.APPROVED, "tier": "medium", "business_owner": owner,
               "next_reassessment_date": TODAY + days(200), **fields}
        )  # fmt: skip

    def with_open_draft(vendor):
        Assessment.objects.create(vendor=vendor, template=template, status=AssessmentStatus.DRAFT)

    def due_in_7_days():
        with_open_draft(vendor(next_reassessment_date=TODAY + days(7)))
        return 1

    def overdue_and_escalated():
        with_open_draft(vendor(next_reassessment_date=TODAY - days(15)))
        return 2

    def evidence_expiring():
        EvidenceFactory(vendor=vendor(), kind=EvidenceKind.DPA, expires_on=TODAY + days(30))
        return 1

    def conditions_overdue():
        Assessment.objects.create(
            vendor=vendor(status=VendorStatus.APPROVED_WITH_CONDITIONS), template=template,
            status=AssessmentStatus.APPROVED_WITH_CONDITIONS, conditions="Sign the DPA.",
            conditions_due=TODAY - days(3),
        )  # fmt: skip
        return 1

    def risk_acceptance_ending():
        supplier = vendor()
        Finding.objects.create(
            assessment=Assessment.objects.create(vendor=supplier, template=template),
            vendor=supplier, question_key="tenant_isolation", question_text="Isolated?",
            answer_text="No", severity="high", kind="answer", status=FindingStatus.ACCEPTED,
            owner=owner, justification="Single-tenant from April.",
            accepted_until=TODAY + days(7),
        )  # fmt: skip
        return 1

    def flagged():
        vendor(reassessment_required=True, reassessment_required_since=TODAY,
               reassessment_reason="Incident.")  # fmt: skip
        return 1

    # The first five reach every set of recipients (the owner; the owner and the reviewers;
    # the leads): delivery costs a few queries per set of recipients, not per reminder.
    kinds = [flagged, overdue_and_escalated, due_in_7_days, evidence_expiring,
             conditions_overdue, risk_acceptance_ending]  # fmt: skip
    made = units = 0
    while made < count:
        made += kinds[units % len(kinds)]()
        units += 1
    assert made == count, "pick a count the mix reaches exactly"


def sweep_queries() -> tuple[int, int]:
    """Run the sweep as the beat task does; (queries, reminders claimed)."""
    with CaptureQueriesContext(connection) as queries:
        result = run_sweep(TODAY)
    assert len(result.delivered.sent) == len(result.claimed)
    return len(queries), len(result.claimed)


def test_the_sweep_takes_as_many_queries_for_45_reminders_as_for_5(people, mini_template):
    """45: one INSERT of claims on SQLite too, whose 999 parameters per statement hold 47
    (PostgreSQL takes notifications.services.CLAIM_BATCH, 2,000, per INSERT)."""
    reminders_due(5, people, mini_template)
    few, claimed_few = sweep_queries()
    Vendor.objects.update(status=VendorStatus.RETIRED)  # the first five are done with
    reminders_due(45, people, mini_template)

    many, claimed_many = sweep_queries()

    assert (claimed_few, claimed_many) == (5, 45)
    assert ReminderLog.objects.filter(status=ReminderStatus.SENT).count() == len(mail.outbox) == 50
    assert many == few <= 30, "the sweep's queries grow with its reminders"
