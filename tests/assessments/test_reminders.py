"""assessments.reminders: the daily sweep.

Each rule at its boundaries, who is written to, what the e-mail says, exactly once (also two
sweeps at the same moment, on PostgreSQL), the draft reassessment, and recovery from SMTP and
broker failures.

The sweep is told its day (`run_sweep(TODAY)`). Code that reads the clock itself (flagging a
vendor, catching up on stale rows) runs from a fixed instant with tick=True: django-auditlog
names its signal receivers by time.time(), so time must not stand still. Only SMTP and the
broker are faked, and only by making them fail; the database and (eager) Celery are real.
"""

import datetime as dt
import logging
import smtplib
import threading

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.roles import Role
from assessments import services as assessment_services
from assessments.models import Assessment, AssessmentStatus
from assessments.reminders import plan, run_sweep
from assessments.tasks import reminder_sweep
from config.celery import app as celery_app
from notifications import services as notifications
from notifications.models import NotificationPreference, ReminderKind, ReminderLog, ReminderStatus
from tests.assessments.concurrency import needs_postgresql, role_groups_put_back  # noqa: F401
from tests.factories import UserFactory
from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors import services as vendor_services
from vendors.models import EvidenceKind, Vendor, VendorStatus

TODAY = dt.date(2026, 3, 2)
SITE = "https://clearance.example.org"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC), tick=True)
    return time_machine


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_SUBJECT_PREFIX = "[Clearance] "
    settings.REMINDER_RETRY_BASE_SECONDS = 0


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep and the deliveries it queues on commit (eager Celery sends in-process,
    as a worker would)."""

    def run(today: dt.date = TODAY):
        with django_capture_on_commit_callbacks(execute=True):
            return run_sweep(today)

    return run


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", first_name="Olive", last_name="Owner")


@pytest.fixture
def failing_smtp(monkeypatch):
    """`failing_smtp(times)` makes the next `times` sends fail (None: every send); returns
    the list of messages the server was offered."""

    def install(times: int | None) -> list:
        tries = []
        real_send = EmailMultiAlternatives.send

        def send(message, fail_silently=False):
            tries.append(message)
            if times is None or len(tries) <= times:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            return real_send(message, fail_silently)

        monkeypatch.setattr(EmailMultiAlternatives, "send", send)
        return tries

    return install


def due_vendor(days_left: int, **fields) -> Vendor:
    """An approved vendor whose reassessment is due `days_left` days after TODAY."""
    return VendorFactory(
        **{
            "status": VendorStatus.APPROVED,
            "tier": "medium",
            "approved_data_classes": ["internal"],
            "next_reassessment_date": TODAY + days(days_left),
            **fields,
        }
    )


def planned_for(vendor: Vendor, today: dt.date = TODAY) -> list[tuple[str, int]]:
    """(kind, offset) of each reminder the rules call for about this vendor today."""
    return [(p.kind, p.offset_days) for p in plan(today) if p.vendor.pk == vendor.pk]


def vendor_form(vendor: Vendor, **changes) -> dict:
    data = {
        "name": vendor.name, "service_type": vendor.service_type,
        "data_classes": vendor.data_classes, "criticality": vendor.criticality,
        "autonomy": vendor.autonomy, "integration": vendor.integration, "status": vendor.status,
        "business_owner": vendor.business_owner_id or "",
    }  # fmt: skip
    return data | changes


def logs(kind: str) -> list[ReminderLog]:
    return list(ReminderLog.objects.filter(kind=kind).order_by("pk"))


def answer_well(assessment, user):
    """Good answers to the mini bank (see test_services_sign_off.py)."""
    for key, value in [("soc2_current", "yes"), ("uses_subprocessors", "no"), ("breach_hours", 24)]:
        question = assessment.template.questions.get(key=key)
        assessment_services.answer_save(
            assessment=assessment, question=question, answered_by=user, value=value
        )


def signed_off(vendor, template, reviewer, lead, **decision) -> Assessment:
    """An assessment of `vendor` answered, submitted by the reviewer and signed off by the
    lead, through the real services."""
    assessment = assessment_services.assessment_start(
        vendor=vendor, template=template, started_by=reviewer
    )
    answer_well(assessment, reviewer)
    assessment_services.assessment_submit(assessment, submitted_by=reviewer)
    decision.setdefault("decision", AssessmentStatus.APPROVED)
    assessment_services.assessment_sign_off(assessment, lead=lead, **decision)
    assessment.refresh_from_db()
    vendor.refresh_from_db()
    return assessment


# --- Reassessment due -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (31, []),
        (30, [("reassessment_due", 30)]),
        (29, [("reassessment_due", 30)]),  # a missed 30-day sweep is caught up the next day
        (8, [("reassessment_due", 30)]),
        (7, [("reassessment_due", 7)]),
        (5, [("reassessment_due", 7)]),
        (2, [("reassessment_due", 7)]),
        (1, [("reassessment_due", 1)]),
        (0, [("reassessment_due", 0)]),
    ],
)
def test_a_reassessment_is_reminded_30_7_and_1_days_ahead_and_on_the_day(db, days_left, expected):
    vendor = due_vendor(days_left)

    assert planned_for(vendor) == expected


@pytest.mark.parametrize(
    ("days_left", "subject"),
    [
        (30, "Reassessment of Quillnote AI due in 30 days"),
        (5, "Reassessment of Quillnote AI due in 5 days"),
        (1, "Reassessment of Quillnote AI due in 1 day"),
        (0, "Reassessment of Quillnote AI due today"),
    ],
)
def test_the_due_reminder_says_how_many_days_are_left(db, days_left, subject):
    due_vendor(days_left, name="Quillnote AI")

    assert [p.subject for p in plan(TODAY)] == [subject]


def test_a_vendor_without_a_reassessment_date_is_reminded_of_nothing(db):
    vendor = VendorFactory(status=VendorStatus.APPROVED, next_reassessment_date=None)

    assert planned_for(vendor) == []


# --- Overdue and escalation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overdue", "period", "escalated"),
    [
        (1, -1, False),
        (7, -1, False),
        (8, -8, False),
        (13, -8, False),
        (14, -8, True),
        (15, -15, True),
        (22, -22, True),
    ],
)
def test_an_overdue_reassessment_is_reminded_weekly_and_escalated_from_14_days(
    db, overdue, period, escalated
):
    vendor = due_vendor(-overdue)

    planned = planned_for(vendor)

    assert [p for p in planned if p[0] == "reassessment_overdue"] == [
        ("reassessment_overdue", period)
    ]
    escalations = [p for p in planned if p[0] == "reassessment_escalation"]
    assert escalations == ([("reassessment_escalation", -14)] if escalated else [])


def test_a_daily_sweep_repeats_the_overdue_reminder_weekly_and_escalates_once(
    sweep, reviewer, lead, clock
):
    due_vendor(0, name="Quillnote AI")

    for day in range(22):
        clock.move_to(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC) + days(day), tick=True)
        sweep(TODAY + days(day))

    assert [log.offset_days for log in logs("reassessment_due")] == [0]
    assert [(log.offset_days, log.created_at.date()) for log in logs("reassessment_overdue")] == [
        (-1, TODAY + days(1)),
        (-8, TODAY + days(8)),
        (-15, TODAY + days(15)),
    ]
    [escalation] = logs("reassessment_escalation")
    assert escalation.created_at.date() == TODAY + days(14)
    assert escalation.recipients == ["lead@example.com"]  # the leads only
    escalation_mail = next(m for m in mail.outbox if m.subject.startswith("[Clearance] Escal"))
    assert escalation_mail.subject == (
        "[Clearance] Escalation: reassessment of Quillnote AI is 14 days overdue"
    )
    assert escalation_mail.to == ["lead@example.com"]
    assert len(mail.outbox) == 5  # due today, overdue on days 1, 8, 15, one escalation
    assert all(m.to == ["reviewer@example.com"] for m in mail.outbox if m is not escalation_mail)


def test_a_vendor_first_met_overdue_gets_the_overdue_reminder_and_no_due_one(db):
    vendor = due_vendor(-8, name="Quillnote AI")

    assert [kind for kind, _ in planned_for(vendor)] == ["reassessment_overdue"]
    assert "due in -8 days" not in " ".join(p.subject for p in plan(TODAY))


def test_the_first_overdue_reminder_says_1_day(db):
    due_vendor(-1, name="Quillnote AI")

    subjects = [p.subject for p in plan(TODAY) if p.kind == ReminderKind.REASSESSMENT_OVERDUE]

    assert subjects == ["Reassessment of Quillnote AI is 1 day overdue"]


# --- Evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (61, []),
        (60, [("evidence_expiring", 60)]),
        (45, [("evidence_expiring", 60)]),
        (30, [("evidence_expiring", 30)]),
        (8, [("evidence_expiring", 30)]),
        (7, [("evidence_expiring", 7)]),
        (1, [("evidence_expiring", 7)]),
        (0, [("evidence_expiring", 0)]),
        (-1, [("evidence_expired", 0)]),
        (-400, [("evidence_expired", 0)]),
    ],
)
def test_evidence_is_reminded_60_30_and_7_days_ahead_on_expiry_and_once_expired(
    db, days_left, expected
):
    vendor = VendorFactory(status=VendorStatus.APPROVED)
    soc2 = EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.SOC2, expires_on=TODAY + days(days_left)
    )

    planned = [p for p in plan(TODAY) if p.vendor.pk == vendor.pk]

    assert [(p.kind, p.offset_days) for p in planned] == expected
    assert all((p.object_type, p.object_id) == ("evidence", soc2.pk) for p in planned)


@pytest.mark.parametrize(
    ("days_left", "subject"),
    [
        (30, "SOC 2 report of Quillnote AI expires in 30 days"),
        (0, "SOC 2 report of Quillnote AI expires today"),
        (-1, "SOC 2 report of Quillnote AI has expired"),
    ],
)
def test_the_evidence_email_names_the_document_and_links_to_the_vendors_evidence(
    sweep, reviewer, days_left, subject
):
    vendor = VendorFactory(name="Quillnote AI", status=VendorStatus.APPROVED)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.SOC2, title="SOC 2 Type II 2025",
                    expires_on=TODAY + days(days_left))  # fmt: skip

    sweep()

    [message] = mail.outbox
    assert message.subject == f"[Clearance] {subject}"
    assert "“SOC 2 Type II 2025”" in message.body
    assert f"{SITE}/vendors/{vendor.pk}/#evidence" in message.body


def test_expired_evidence_replaced_by_a_newer_record_sends_nothing(sweep, reviewer):
    vendor = VendorFactory(status=VendorStatus.APPROVED)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.SOC2, expires_on=TODAY - days(10))
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.SOC2, expires_on=TODAY + days(300))
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.DPA, expires_on=TODAY - days(3))
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.DPA, expires_on=None)  # valid indefinitely

    result = sweep()

    assert result.planned == []
    assert mail.outbox == []


def test_a_newer_record_of_another_kind_does_not_replace_expired_evidence(db):
    vendor = VendorFactory(status=VendorStatus.APPROVED)
    soc2 = EvidenceFactory(vendor=vendor, kind=EvidenceKind.SOC2, expires_on=TODAY - days(1))
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.ISO27001, expires_on=TODAY + days(300))

    assert [(p.kind, p.object_id) for p in plan(TODAY)] == [("evidence_expired", soc2.pk)]


# --- Vendors no longer in use -----------------------------------------------------------------


@pytest.mark.parametrize("status", [VendorStatus.RETIRED, VendorStatus.REJECTED])
def test_retired_and_rejected_vendors_are_sent_nothing(sweep, reviewer, mini_template, status):
    due_soon = due_vendor(7, status=status)
    due_vendor(-20, status=status)
    VendorFactory(status=status, reassessment_required=True, reassessment_required_since=TODAY,
                  reassessment_reason="Incident.")  # fmt: skip
    EvidenceFactory(vendor=due_soon, kind=EvidenceKind.SOC2, expires_on=TODAY + days(7))
    EvidenceFactory(vendor=due_soon, kind=EvidenceKind.DPA, expires_on=TODAY - days(1))
    Assessment.objects.create(
        vendor=due_soon, template=mini_template, conditions="Sign the DPA.",
        status=AssessmentStatus.APPROVED_WITH_CONDITIONS, conditions_due=TODAY - days(5),
    )  # fmt: skip

    result = sweep()

    assert result.planned == []
    assert result.drafts_created == []
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


# --- Approval conditions ----------------------------------------------------------------------


@pytest.fixture
def conditional(mini_template, reviewer, lead):
    """Quillnote AI approved on conditions due ten days from TODAY."""
    vendor = VendorFactory(name="Quillnote AI", data_classes=["internal"])
    return signed_off(
        vendor, mini_template, reviewer, lead, conditions="Sign the DPA.",
        decision=AssessmentStatus.APPROVED_WITH_CONDITIONS, conditions_due=TODAY + days(10),
    )  # fmt: skip


def conditions_planned(today):
    return [
        (p.kind, p.object_id, p.due_date) for p in plan(today) if p.kind == "conditions_overdue"
    ]


def test_conditions_are_reminded_once_their_date_has_passed(conditional, sweep):
    due = conditional.conditions_due

    assert conditions_planned(due) == []
    assert conditions_planned(due + days(1)) == [("conditions_overdue", conditional.pk, due)]

    sweep(due + days(1))
    sweep(due + days(2))
    sweep(due + days(30))

    [message] = [m for m in mail.outbox if "conditions" in m.subject]
    assert message.subject == "[Clearance] Approval conditions for Quillnote AI were due 2026-03-12"
    assert "Sign the DPA." in message.body
    assert f"Open the assessment: {SITE}/assessments/{conditional.pk}/" in message.body


def test_conditions_are_not_reminded_once_the_vendor_is_approved_outright(conditional, lead):
    vendor_services.vendor_update(
        conditional.vendor, changed_by=lead, status=VendorStatus.APPROVED, conditions=""
    )

    assert conditions_planned(conditional.conditions_due + days(1)) == []


# --- Reassessment required --------------------------------------------------------------------


def test_flagging_a_vendor_emails_its_team_at_once_and_the_sweep_not_again(
    reviewer, owner, sweep, django_capture_on_commit_callbacks
):
    vendor = due_vendor(200, name="Quillnote AI", business_owner=owner)

    with django_capture_on_commit_callbacks(execute=True):
        vendor_services.vendor_flag_reassessment(
            vendor, reason="Incident: prompt logs exposed.", flagged_by=reviewer
        )

    [message] = mail.outbox
    assert message.subject == "[Clearance] Reassess Quillnote AI now"
    assert message.to == ["owner@example.com", "reviewer@example.com"]
    assert "Reason: Incident: prompt logs exposed." in message.body
    assert f"{SITE}/vendors/{vendor.pk}/" in message.body
    [log] = logs("reassessment_required")
    assert (log.due_date, log.offset_days, log.status) == (TODAY, 0, ReminderStatus.SENT)

    sweep()
    sweep(TODAY + days(1))

    assert len(mail.outbox) == 1


def test_requesting_data_beyond_the_approved_classes_flags_the_vendor_and_emails(
    reviewer, django_capture_on_commit_callbacks
):
    vendor = due_vendor(200, name="Quillnote AI", data_classes=["internal"])

    with django_capture_on_commit_callbacks(execute=True):
        vendor_services.vendor_update(
            vendor, changed_by=reviewer, data_classes=["internal", "confidential"]
        )

    vendor.refresh_from_db()
    assert vendor.reassessment_required is True
    assert vendor.reassessment_required_since == TODAY
    assert vendor.reassessment_reason == "Material change: Confidential data requested."
    assert [m.subject for m in mail.outbox] == ["[Clearance] Reassess Quillnote AI now"]


def test_raising_the_data_classes_on_the_edit_form_flags_the_vendor_and_emails(
    client, reviewer, django_capture_on_commit_callbacks
):
    vendor = due_vendor(200, name="Quillnote AI", data_classes=["internal"])
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("vendor_edit", args=[vendor.pk]),
            vendor_form(vendor, data_classes=["internal", "confidential"]),
        )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.data_classes == ["internal", "confidential"]
    assert vendor.reassessment_required is True
    assert [m.subject for m in mail.outbox] == ["[Clearance] Reassess Quillnote AI now"]


@pytest.mark.parametrize(
    ("approved", "requested", "reason"),
    [
        (["public", "internal"], ["public", "internal"], "Public data requested"),
        (["internal", "confidential"], ["confidential"],
         "Confidential data requested; Internal data no longer requested"),
        (["internal"], ["public"], "Public data requested; Internal data no longer requested"),
    ],
    ids=["within the approval", "narrower", "less sensitive"],
)  # fmt: skip
def test_any_change_of_the_classes_an_approved_vendor_requests_flags_it(
    reviewer, django_capture_on_commit_callbacks, approved, requested, reason
):
    """The approval assessed the profile as it was: any change is a material one."""
    vendor = due_vendor(200, approved_data_classes=approved, data_classes=["internal"])

    with django_capture_on_commit_callbacks(execute=True):
        vendor_services.vendor_update(vendor, changed_by=reviewer, data_classes=requested)

    vendor.refresh_from_db()
    assert vendor.reassessment_required is True
    assert vendor.reassessment_reason == f"Material change: {reason}."


@pytest.mark.parametrize(
    ("status", "approved", "requested"),
    [
        (VendorStatus.PROPOSED, [], ["internal", "confidential"]),
        (VendorStatus.IN_REVIEW, [], ["restricted"]),
    ],
    ids=["not approved yet", "in review"],
)
def test_changes_of_data_classes_before_an_approval_flag_nothing(
    reviewer, django_capture_on_commit_callbacks, status, approved, requested
):
    vendor = due_vendor(
        200, status=status, approved_data_classes=approved, data_classes=["internal"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        vendor_services.vendor_update(vendor, changed_by=reviewer, data_classes=requested)

    vendor.refresh_from_db()
    assert vendor.reassessment_required is False
    assert mail.outbox == []


def test_a_flag_whose_email_was_never_sent_is_sent_by_the_sweep(sweep, reviewer):
    vendor = due_vendor(200, name="Quillnote AI", reassessment_required=True,
                        reassessment_required_since=TODAY - days(2),
                        reassessment_reason="Incident: prompt logs exposed.")  # fmt: skip

    sweep()

    [log] = logs("reassessment_required")
    assert (log.object_id, log.due_date, log.status) == (vendor.pk, TODAY - days(2), "sent")
    assert [m.subject for m in mail.outbox] == ["[Clearance] Reassess Quillnote AI now"]


# --- Recipients -------------------------------------------------------------------------------


def test_the_owners_get_one_email_and_the_rest_of_the_security_reviewers_none(
    sweep, reviewer, lead, owner
):
    UserFactory(username="rita", email="Rita@Example.com", role=Role.REVIEWER)
    due_vendor(7, business_owner=owner, security_owner=reviewer)  # a reviewer and an owner

    sweep()

    [message] = mail.outbox
    assert message.to == ["owner@example.com", "reviewer@example.com"]
    assert "lead@example.com" not in message.to  # leads hear of escalations only


@pytest.mark.parametrize(
    "owners",
    [
        pytest.param({}, id="no owner set"),
        pytest.param({"inactive": True}, id="the owner has left"),
        pytest.param({"opted_out": True}, id="the owner turned reminders off"),
    ],
)
def test_the_security_reviewers_are_written_to_when_no_owner_can_be(sweep, reviewer, lead, owners):
    UserFactory(username="rita", email="Rita@Example.com", role=Role.REVIEWER)
    UserFactory(username="rita-again", email="rita@example.com", role=Role.REVIEWER)
    owner = None
    if owners:
        owner = UserFactory(username="owner", is_active=not owners.get("inactive"))
        if owners.get("opted_out"):
            NotificationPreference.objects.create(user=owner, reminder_emails=False)
    due_vendor(7, business_owner=owner, security_owner=None)

    sweep()

    [message] = mail.outbox
    assert message.to == ["reviewer@example.com", "rita@example.com"]  # each address once


def test_a_vendor_to_reassess_now_is_told_to_its_owners_and_every_security_reviewer(
    sweep, reviewer, owner
):
    """Urgent, as when it is flagged: the sweep sends it only if the flag's notice was never
    claimed (a flag set by hand, say)."""
    UserFactory(username="rita", role=Role.REVIEWER)
    due_vendor(200, business_owner=owner, reassessment_required=True,
               reassessment_required_since=TODAY, reassessment_reason="Incident.")  # fmt: skip

    sweep()

    [message] = mail.outbox
    assert message.to == ["owner@example.com", "reviewer@example.com", "rita@example.com"]


def test_a_user_who_turned_reminders_off_gets_no_reminder_but_still_gets_escalations(
    sweep, reviewer, lead, owner
):
    NotificationPreference.objects.create(user=reviewer, reminder_emails=False)
    NotificationPreference.objects.create(user=lead, reminder_emails=False)
    due_vendor(-14, business_owner=owner, security_owner=lead)

    sweep()

    [overdue] = logs("reassessment_overdue")
    [escalation] = logs("reassessment_escalation")
    assert overdue.recipients == ["owner@example.com"]
    assert escalation.recipients == ["lead@example.com"]
    escalation_mail = next(m for m in mail.outbox if m.subject == escalation.subject)
    assert escalation_mail.to == ["lead@example.com"]


def test_inactive_users_and_users_without_an_email_are_skipped(sweep, reviewer):
    gone = UserFactory(username="gone", is_active=False)
    silent = UserFactory(username="silent", email="")
    UserFactory(username="left", is_active=False, role=Role.REVIEWER)
    UserFactory(username="mute", email="", role=Role.REVIEWER)
    due_vendor(7, business_owner=gone, security_owner=silent)

    sweep()

    assert [m.to for m in mail.outbox] == [["reviewer@example.com"]]


def test_a_reminder_with_no_one_to_write_to_is_logged_as_skipped(sweep, owner):
    due_vendor(7, business_owner=None, security_owner=None)

    sweep()
    sweep(TODAY + days(1))

    [log] = ReminderLog.objects.all()
    assert (log.status, log.recipients, log.attempts) == (ReminderStatus.SKIPPED, [], 0)
    assert mail.outbox == []


# --- The e-mail -------------------------------------------------------------------------------


def test_the_email_has_a_prefixed_subject_text_and_html_and_a_link_to_the_vendor(
    sweep, reviewer, settings
):
    settings.EMAIL_SUBJECT_PREFIX = "[Vendor risk] "
    vendor = due_vendor(7, name="<b>Acme & Co</b>")
    link = f"{SITE}/vendors/{vendor.pk}/"

    sweep()

    [message] = mail.outbox
    assert message.subject == "[Vendor risk] Reassessment of <b>Acme & Co</b> due in 7 days"
    assert message.body.startswith("Reassessment of <b>Acme & Co</b> due in 7 days\n")
    assert "<b>Acme & Co</b> (Medium risk) must be reassessed by 2026-03-09." in message.body
    assert f"Open the vendor: {link}\n" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt; (Medium risk) must be reassessed" in html
    assert "<b>Acme" not in html
    assert f'<a href="{link}"' in html


# --- Exactly once -----------------------------------------------------------------------------


def test_running_the_sweep_twice_sends_each_email_once(sweep, reviewer, lead, owner):
    due_vendor(7)
    due_vendor(-15, business_owner=owner)
    evidence_vendor = VendorFactory(status=VendorStatus.APPROVED)
    EvidenceFactory(vendor=evidence_vendor, kind=EvidenceKind.DPA, expires_on=TODAY + days(30))
    due_vendor(100, reassessment_required=True, reassessment_required_since=TODAY)

    first = sweep()
    sent = sorted(m.subject for m in mail.outbox)
    second = sweep()

    assert len(first.claimed) == ReminderLog.objects.count() == len(sent) >= 5
    assert second.claimed == []
    # Planned again, all but the flagged vendor's notice: once claimed, a flag is not planned.
    assert [p for p in first.planned if p.kind != "reassessment_required"] == second.planned
    assert sorted(m.subject for m in mail.outbox) == sent


def test_a_changed_due_date_makes_a_new_reminder(sweep, reviewer):
    vendor = due_vendor(7)
    sweep()
    Vendor.objects.filter(pk=vendor.pk).update(next_reassessment_date=TODAY + days(5))

    sweep()

    assert [(log.due_date, log.offset_days) for log in logs("reassessment_due")] == [
        (TODAY + days(7), 7),
        (TODAY + days(5), 7),
    ]
    assert len(mail.outbox) == 2


def two_sweeps_at_once(today: dt.date) -> tuple[list, list]:
    """Start two sweeps in two threads at the same moment; return their results and errors."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep_in_a_thread():
        try:
            barrier.wait(timeout=10)
            results.append(run_sweep(today))
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweep hung"
    return results, errors


@needs_postgresql
@pytest.mark.usefixtures("role_groups_put_back")  # after the database is emptied
def test_two_sweeps_at_the_same_moment_send_each_email_once(transactional_db, mini_template):
    """Real transactions (each thread has its own connection): tests/assessments/concurrency.py."""
    UserFactory(username="reviewer", role=Role.REVIEWER)
    UserFactory(username="lead", role=Role.LEAD)
    owner = UserFactory(username="owner")
    for days_left in (30, 7, 1, 0):
        due_vendor(days_left, business_owner=owner)
    due_vendor(-15)
    evidence_vendor = VendorFactory(status=VendorStatus.APPROVED, next_reassessment_date=None)
    EvidenceFactory(vendor=evidence_vendor, kind=EvidenceKind.SOC2, expires_on=TODAY + days(7))
    EvidenceFactory(vendor=evidence_vendor, kind=EvidenceKind.DPA, expires_on=TODAY - days(2))
    expected = {
        (p.kind, p.object_type, p.object_id, p.due_date, p.offset_days) for p in plan(TODAY)
    }

    results, errors = two_sweeps_at_once(TODAY)

    assert errors == []
    assert [len(result.planned) for result in results] == [len(expected)] * 2  # both tried all
    keys = list(
        ReminderLog.objects.values_list(
            "kind", "object_type", "object_id", "due_date", "offset_days"
        )
    )
    assert len(keys) == len(set(keys))  # one row per key
    assert set(keys) == expected
    # Each reminder counted as claimed by exactly one of the two runs.
    claimed = [log.pk for result in results for log in result.claimed]
    assert sorted(claimed) == sorted(ReminderLog.objects.values_list("pk", flat=True))
    subjects = [m.subject for m in mail.outbox]
    assert sorted(subjects) == sorted(ReminderLog.objects.values_list("subject", flat=True))
    # 4 due steps, 1 overdue, 1 escalation, 2 evidence: each e-mail exactly once.
    assert len(subjects) == len(set(subjects)) == len(keys) == 8
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    # One draft per vendor due within 30 days (the vendor 15 days overdue included), each
    # reported by the run that created it and by no other.
    drafts = Assessment.objects.filter(status=AssessmentStatus.DRAFT)
    assert drafts.count() == drafts.values("vendor").distinct().count() == 5
    reported = [draft.pk for result in results for draft in result.drafts_created]
    assert sorted(reported) == sorted(drafts.values_list("pk", flat=True))


# --- The draft reassessment -------------------------------------------------------------------


@pytest.fixture
def approved(mini_template, reviewer, lead):
    """Quillnote AI's first assessment, answered, submitted and approved."""
    vendor = VendorFactory(name="Quillnote AI", data_classes=["internal"])
    return signed_off(vendor, mini_template, reviewer, lead)


def test_a_draft_reassessment_carrying_the_answers_forward_is_created_30_days_ahead(
    approved, sweep
):
    vendor = approved.vendor
    due = vendor.next_reassessment_date

    assert sweep(due - days(31)).drafts_created == []
    [draft] = sweep(due - days(30)).drafts_created

    assert (draft.vendor, draft.status, draft.previous) == (vendor, "draft", approved)
    assert (draft.template, draft.due_date, draft.created_by) == (approved.template, due, None)
    carried = {a.question.key: a for a in draft.answers.select_related("question")}
    assert {key: a.value for key, a in carried.items()} == {
        "soc2_current": "yes",
        "uses_subprocessors": "no",
        "breach_hours": 24,
    }
    assert all(a.carried_forward for a in carried.values())
    assert sweep(due - days(29)).drafts_created == []
    assert vendor.assessments.filter(status=AssessmentStatus.DRAFT).count() == 1


def test_no_draft_is_created_while_an_assessment_is_open(mini_template, reviewer, sweep):
    vendor = due_vendor(10, data_classes=["internal"])
    submitted = assessment_services.assessment_start(
        vendor=vendor, template=mini_template, started_by=reviewer
    )
    answer_well(submitted, reviewer)
    assessment_services.assessment_submit(submitted, submitted_by=reviewer)

    assert sweep().drafts_created == []
    assert list(vendor.assessments.all()) == [submitted]


def test_a_dry_run_creates_no_draft(approved):
    due = approved.vendor.next_reassessment_date

    result = run_sweep(due - days(7), dry_run=True)

    assert [p.kind for p in result.planned] == ["reassessment_due"]
    assert result.drafts_created == []
    assert not approved.vendor.assessments.filter(status=AssessmentStatus.DRAFT).exists()
    assert not ReminderLog.objects.exists()


# --- Faults: SMTP -----------------------------------------------------------------------------


@pytest.fixture
def eager_retries(settings):
    """Eager Celery runs a task's retries inline only when it does not propagate errors:
    with CELERY_TASK_EAGER_PROPAGATES (the test settings) the first Retry is raised to the
    caller instead. A worker retries after the countdown; here it is immediate."""
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    settings.REMINDER_RETRY_BASE_SECONDS = 0


def test_an_email_that_fails_twice_is_sent_on_the_third_try(
    sweep, reviewer, failing_smtp, eager_retries
):
    due_vendor(7)
    tries = failing_smtp(times=2)

    sweep()

    [log] = ReminderLog.objects.all()
    assert (log.status, log.attempts, log.last_error) == (ReminderStatus.SENT, 3, "")
    assert len(tries) == 3
    assert len(mail.outbox) == 1


def test_an_email_that_always_fails_is_retried_by_later_sweeps_until_its_window_has_passed(
    reviewer, failing_smtp, settings, clock
):
    """Each sweep tries what is due (no worker here: run_sweep without queue_retries, as the
    command runs it); after REMINDER_RETRY_WINDOW_HOURS the row is given up."""
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    due_vendor(7)
    tries = failing_smtp(times=None)

    first = run_sweep(TODAY, queue_retries=False)

    [log] = ReminderLog.objects.all()
    assert (log.status, log.attempts) == (ReminderStatus.RETRYING, 1)
    assert log.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert list(first.delivered.retrying) == [log.pk]

    clock.move_to(dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC), tick=True)
    second = run_sweep(TODAY + days(1), queue_retries=False)

    log.refresh_from_db()
    assert (second.redispatched, log.status, log.attempts) == (1, ReminderStatus.RETRYING, 2)

    clock.move_to(dt.datetime(2026, 3, 5, 7, 0, tzinfo=dt.UTC), tick=True)  # 73 hours on
    third = run_sweep(TODAY + days(3), queue_retries=False)
    fourth = run_sweep(TODAY + days(3), queue_retries=False)

    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.FAILED, 3)
    assert (third.delivered.failed, fourth.redispatched) == ([log.pk], 0)
    assert len(tries) == 3
    assert mail.outbox == []


# --- Faults: a lost dispatch ------------------------------------------------------------------


def claim_without_dispatch(vendor: Vendor, *, minutes_ago: int, status=ReminderStatus.QUEUED):
    """Claim the vendor's reminder as the sweep would, but queue nothing (the broker was
    down), and leave the row untouched for `minutes_ago` minutes."""
    [item] = [p for p in plan(TODAY) if p.vendor.pk == vendor.pk]
    log = notifications.claim(
        kind=item.kind, object_type=item.object_type, object_id=item.object_id,
        due_date=item.due_date, offset_days=item.offset_days, vendor_id=vendor.pk,
        recipients=item.recipients, link=item.link, context=item.context,
    )  # fmt: skip
    ReminderLog.objects.filter(pk=log.pk).update(
        status=status, updated_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return log


@pytest.mark.parametrize("status", [ReminderStatus.QUEUED, ReminderStatus.RETRYING])
def test_a_reminder_left_undelivered_is_sent_by_the_next_sweep(sweep, reviewer, status):
    log = claim_without_dispatch(due_vendor(7, name="Quillnote AI"), minutes_ago=15, status=status)

    result = sweep()

    assert result.claimed == []
    assert result.redispatched == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.SENT, 1)
    assert [m.subject for m in mail.outbox] == [
        "[Clearance] Reassessment of Quillnote AI due in 7 days"
    ]


def test_a_reminder_queued_moments_ago_is_left_to_the_worker(sweep, reviewer):
    minutes = notifications.QUEUED_GRACE // dt.timedelta(minutes=1) - 1
    log = claim_without_dispatch(due_vendor(7), minutes_ago=minutes)

    result = sweep()

    assert result.redispatched == 0
    log.refresh_from_db()
    assert log.status == ReminderStatus.QUEUED
    assert mail.outbox == []


# --- Faults: the broker is down ---------------------------------------------------------------


@pytest.fixture
def broker_down(settings):
    """Celery publishes for real (not eagerly) to a port where nothing listens.

    The app reads CELERY_* from Django settings, and the namespaced CELERY_BROKER_URL wins over
    an assignment to app.conf.broker_url, so the setting is what is changed. The app keeps its
    connection pools once made: they are dropped before and after (as Celery does after a
    fork) so that no pool to the unreachable broker outlives the test.
    """

    def forget_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    class Broker:
        def stop(self):
            forget_connections()
            settings.CELERY_TASK_ALWAYS_EAGER = False
            settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
            assert celery_app.conf.broker_url == UNREACHABLE_BROKER
            assert celery_app.conf.task_always_eager is False

        def restore(self):
            settings.CELERY_TASK_ALWAYS_EAGER = True
            settings.CELERY_BROKER_URL = original_url
            forget_connections()

    original_url = settings.CELERY_BROKER_URL
    broker = Broker()
    broker.stop()
    yield broker
    broker.restore()


def post_a_flagging_request(client, request_name: str, vendor: Vendor):
    """A web request that marks the vendor "reassessment required" and queues its e-mail."""
    if request_name == "vendor_edit":
        return client.post(
            reverse("vendor_edit", args=[vendor.pk]),
            vendor_form(vendor, data_classes=["internal", "confidential"]),
        )
    return client.post(
        reverse("incident_create"),
        {"vendor": vendor.pk, "title": "Prompt logs exposed", "severity": "high",
         "date_disclosed": TODAY.isoformat(), "summary": "A debug endpoint served prompts."},
    )  # fmt: skip


@pytest.mark.parametrize(
    "request_name",
    [
        pytest.param("vendor_edit", id="raising the data classes"),
        pytest.param("incident_create", id="recording an incident"),
    ],
)
def test_with_the_broker_down_a_flagging_request_succeeds_and_the_next_sweep_sends_the_email(
    client, reviewer, owner, broker_down, caplog, clock, sweep, django_capture_on_commit_callbacks,
    request_name,
):  # fmt: skip
    vendor = due_vendor(200, name="Quillnote AI", business_owner=owner, data_classes=["internal"])
    client.force_login(reviewer)

    with (
        caplog.at_level(logging.ERROR, logger="config.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_a_flagging_request(client, request_name, vendor)

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.reassessment_required is True
    [log] = ReminderLog.objects.all()
    assert (log.kind, log.status, log.attempts) == ("reassessment_required", "queued", 0)
    assert mail.outbox == []
    [record] = [r for r in caplog.records if r.name == "config.queueing"]
    assert record.getMessage() == (
        f"Could not queue notifications.tasks.deliver_reminder({log.pk},): the next sweep sends it."
    )
    assert isinstance(record.exc_info[1], OperationalError)

    broker_down.restore()
    clock.move_to(dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC), tick=True)
    result = sweep(TODAY + days(1))

    assert result.redispatched == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == (ReminderStatus.SENT, 1)
    [message] = mail.outbox
    assert message.subject == "[Clearance] Reassess Quillnote AI now"
    assert message.to == ["owner@example.com", "reviewer@example.com"]


# --- Schedule ---------------------------------------------------------------------------------


def test_the_sweep_is_scheduled_daily_at_six_in_the_project_time_zone(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["daily-reminder-sweep"]

    assert entry["task"] == "assessments.tasks.reminder_sweep" == reminder_sweep.name
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert celery_app.conf.beat_schedule["daily-reminder-sweep"]["task"] == reminder_sweep.name
    assert str(celery_app.conf.timezone) == settings.TIME_ZONE
    assert reminder_sweep.name in celery_app.tasks


def test_the_beat_task_sweeps_today_and_reports_what_it_did(
    reviewer, mini_template, django_capture_on_commit_callbacks
):
    due_vendor(7, data_classes=["internal"])

    with django_capture_on_commit_callbacks(execute=True):
        outcome = reminder_sweep.delay().get()

    assert outcome == {
        "planned": 1, "claimed": 1, "drafts_created": 1, "redispatched": 0, "sent": 1,
        "retrying": 0,
    }  # fmt: skip
    assert len(mail.outbox) == 1


def test_the_evidence_summaries_are_refreshed_each_night_for_the_new_day(settings):
    from vendors.tasks import refresh_evidence_summaries

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-evidence-summary"]

    assert entry["task"] == "vendors.tasks.refresh_evidence_summaries"
    assert entry["task"] == refresh_evidence_summaries.name
    assert entry["schedule"] == crontab(hour=0, minute=5)
    assert refresh_evidence_summaries.name in celery_app.tasks
