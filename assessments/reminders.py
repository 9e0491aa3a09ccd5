"""The daily reminder sweep (Celery beat at 06:00, or `python manage.py send_reminders`).

Rules (PRODUCT.md, "Reminders"):
- reassessment due in 30, 7 and 1 days and on the day; overdue, repeated every 7 days;
  escalated to the security leads at 14 days overdue; a draft reassessment carrying the last
  answers forward is created once the due date is within 30 days and none is open;
- evidence expiring in 60, 30 and 7 days and on expiry (the newest record of each kind);
- approval conditions whose date has passed;
- vendors marked "reassessment required" (an incident, more sensitive data) whose e-mail was
  not sent yet;
- accepted risks ending in 30 and 7 days; once an acceptance has ended (its last day is
  before today) the finding is reopened and the e-mail says so.

Each reminder is claimed in the reminder log under a unique key (kind, object, due date,
offset), so running the sweep twice, or two sweeps at once, sends each one once. A sweep that
was missed catches up: it sends the latest reminder step that is due, not every missed one.
"""

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from assessments import services
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Finding,
    FindingStatus,
    QuestionnaireTemplate,
)
from assessments.selectors import bank_problems, suggested_template
from notifications import services as notifications
from notifications.models import ReminderKind, ReminderLog, ReminderStatus
from vendors.models import Evidence, Vendor, VendorStatus

logger = logging.getLogger(__name__)

DUE_STEPS = (30, 7, 1, 0)
EVIDENCE_STEPS = (60, 30, 7, 0)
OVERDUE_EVERY_DAYS = 7
ESCALATE_AFTER_DAYS = 14
DRAFT_WITHIN_DAYS = 30
ACCEPTANCE_STEPS = (30, 7)
STALE_QUEUE_MINUTES = 10
INACTIVE = [VendorStatus.RETIRED, VendorStatus.REJECTED]


@dataclass
class Planned:
    kind: str
    object_type: str
    object_id: int
    due_date: dt.date
    offset_days: int
    vendor: Vendor
    subject: str
    recipients: list[str]
    link: str
    context: dict = field(default_factory=dict)


@dataclass
class SweepResult:
    planned: list[Planned] = field(default_factory=list)
    claimed: list[ReminderLog] = field(default_factory=list)
    drafts_created: list[Assessment] = field(default_factory=list)
    reopened: list[Finding] = field(default_factory=list)
    redispatched: int = 0


def _step(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The reminder step due `days_left` days before the date: the smallest step not below
    it (7 when 5 days are left, so a missed sweep still sends the 7-day reminder)."""
    fitting = [s for s in steps if s >= days_left]
    return min(fitting) if fitting and days_left <= max(steps) else None


def _group(role: Role):
    return list(get_user_model().objects.filter(groups__name=role.value, is_active=True))


def plan(today: dt.date) -> list[Planned]:
    """Every reminder the rules call for today (whether or not it was sent before)."""
    reviewers = _group(Role.REVIEWER)
    leads = _group(Role.LEAD)
    planned: list[Planned] = []

    def team_of(vendor):
        return notifications.recipient_emails(
            [vendor.business_owner, vendor.security_owner, *reviewers]
        )

    vendors = Vendor.objects.select_related("business_owner", "security_owner").exclude(
        status__in=INACTIVE
    )
    for vendor in vendors.filter(next_reassessment_date__isnull=False):
        due = vendor.next_reassessment_date
        link = notifications.absolute(reverse("vendor_detail", args=[vendor.pk]))
        days_left = (due - today).days
        context = {"vendor": vendor.name, "due": due.isoformat(), "days_left": days_left,
                   "tier": vendor.get_tier_display()}  # fmt: skip
        step = _step(days_left, DUE_STEPS) if days_left >= 0 else None
        if step is not None:
            when = "today" if step == 0 else f"in {step} day{'s' if step > 1 else ''}"
            planned.append(Planned(
                ReminderKind.REASSESSMENT_DUE, "vendor", vendor.pk, due, step, vendor,
                f"Reassessment of {vendor.name} due {when}", team_of(vendor), link, context,
            ))  # fmt: skip
        if days_left < 0:
            overdue = -days_left
            period_start = 1 + OVERDUE_EVERY_DAYS * ((overdue - 1) // OVERDUE_EVERY_DAYS)
            planned.append(Planned(
                ReminderKind.REASSESSMENT_OVERDUE, "vendor", vendor.pk, due, -period_start,
                vendor, f"Reassessment of {vendor.name} is {overdue} days overdue",
                team_of(vendor), link, context | {"days_overdue": overdue},
            ))  # fmt: skip
            if overdue >= ESCALATE_AFTER_DAYS:
                planned.append(Planned(
                    ReminderKind.REASSESSMENT_ESCALATION, "vendor", vendor.pk, due,
                    -ESCALATE_AFTER_DAYS, vendor,
                    f"Escalation: reassessment of {vendor.name} is {overdue} days overdue",
                    notifications.recipient_emails(leads, escalation=True), link,
                    context | {"days_overdue": overdue},
                ))  # fmt: skip

    for vendor in vendors.filter(reassessment_required=True):
        planned.append(Planned(
            ReminderKind.REASSESSMENT_REQUIRED, "vendor", vendor.pk,
            vendor.reassessment_required_since or today, 0, vendor,
            f"Reassess {vendor.name} now", team_of(vendor),
            notifications.absolute(reverse("vendor_detail", args=[vendor.pk])),
            {"vendor": vendor.name, "reason": vendor.reassessment_reason},
        ))  # fmt: skip

    # Evidence: the record of each kind that stays valid longest, within 60 days of expiry.
    newer = Evidence.objects.filter(vendor_id=OuterRef("vendor_id"), kind=OuterRef("kind")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    expiring = (
        Evidence.objects.select_related("vendor__business_owner", "vendor__security_owner")
        .filter(expires_on__lte=today + dt.timedelta(days=max(EVIDENCE_STEPS)))
        .exclude(vendor__status__in=INACTIVE)
        .exclude(Exists(newer))
    )
    for evidence in expiring:
        days_left = (evidence.expires_on - today).days
        step = _step(days_left, EVIDENCE_STEPS) if days_left >= 0 else 0
        kind = ReminderKind.EVIDENCE_EXPIRED if days_left < 0 else ReminderKind.EVIDENCE_EXPIRING
        planned.append(Planned(
            kind, "evidence", evidence.pk, evidence.expires_on, step, evidence.vendor, "",
            team_of(evidence.vendor),
            notifications.absolute(reverse("vendor_detail", args=[evidence.vendor_id]) + "#evidence"),
            {"vendor": evidence.vendor.name, "evidence": evidence.get_kind_display(),
             "title": evidence.title, "expires": evidence.expires_on.isoformat(),
             "days_left": days_left},
        ))  # fmt: skip

    # Conditions of an approval whose date has passed, while the vendor is still on them.
    overdue_conditions = Assessment.objects.select_related(
        "vendor__business_owner", "vendor__security_owner"
    ).filter(
        status=AssessmentStatus.APPROVED_WITH_CONDITIONS,
        conditions_due__lt=today,
        vendor__status=VendorStatus.APPROVED_WITH_CONDITIONS,
    )
    for assessment in overdue_conditions:
        vendor = assessment.vendor
        planned.append(Planned(
            ReminderKind.CONDITIONS_OVERDUE, "assessment", assessment.pk,
            assessment.conditions_due, 0, vendor,
            f"Approval conditions for {vendor.name} were due {assessment.conditions_due:%d %b %Y}",
            team_of(vendor), notifications.absolute(assessment.get_absolute_url()),
            {"vendor": vendor.name, "conditions": assessment.conditions,
             "due": assessment.conditions_due.isoformat()},
        ))  # fmt: skip
    # Accepted risks ending soon, and those that have ended (the sweep reopens them).
    accepted = (
        Finding.objects.select_related("vendor__business_owner", "vendor__security_owner", "owner")
        .filter(
            status=FindingStatus.ACCEPTED,
            accepted_until__lte=today + dt.timedelta(days=max(ACCEPTANCE_STEPS)),
        )
        .exclude(vendor__status__in=INACTIVE)
        .order_by("accepted_until", "pk")
    )
    for finding in accepted:
        vendor = finding.vendor
        days_left = (finding.accepted_until - today).days
        if days_left < 0:
            kind, step = ReminderKind.RISK_ACCEPTANCE_EXPIRED, 0
        else:
            kind, step = ReminderKind.RISK_ACCEPTANCE_EXPIRING, _step(days_left, ACCEPTANCE_STEPS)
        link = reverse("assessment_detail", args=[finding.assessment_id]) + f"#finding-{finding.pk}"
        planned.append(Planned(
            kind, "finding", finding.pk, finding.accepted_until, step, vendor, "",
            notifications.recipient_emails(
                [finding.owner, vendor.business_owner, vendor.security_owner, *reviewers]
            ),
            notifications.absolute(link),
            {"vendor": vendor.name, "severity": finding.get_severity_display(),
             "question": finding.question_text, "justification": finding.justification,
             "until": finding.accepted_until.isoformat(), "days_left": days_left,
             "lead_only": finding.severity in services.LEAD_ACCEPTS},
        ))  # fmt: skip
    for item in planned:  # the subject line the e-mail will carry (templates/emails/)
        item.subject = notifications.render_subject(item.kind, item.context)
    return planned


def _create_due_drafts(today: dt.date) -> list[Assessment]:
    """A draft reassessment, answers carried forward, for each vendor due within 30 days
    that has no assessment open."""
    open_ones = Assessment.objects.filter(
        vendor=OuterRef("pk"), status__in=[AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED]
    )
    due = (
        Vendor.objects.exclude(status__in=INACTIVE)
        .filter(next_reassessment_date__lte=today + dt.timedelta(days=DRAFT_WITHIN_DAYS))
        .exclude(Exists(open_ones))
    )
    templates = list(QuestionnaireTemplate.objects.filter(active=True))
    created = []
    for vendor in due:
        last = vendor.assessments.exclude(status=AssessmentStatus.DRAFT).first()
        # The bank of the last assessment if it still covers the profile as it stands now
        # (data, special categories and autonomy may have grown since), else the suggested one.
        template = next(
            (
                t
                for t in templates
                if last is not None and t.key == last.template.key and not bank_problems(t, vendor)
            ),
            None,
        ) or suggested_template(vendor, templates)
        if template is None:
            continue
        created.append(
            services.assessment_start(
                vendor=vendor,
                template=template,
                started_by=None,
                due_date=vendor.next_reassessment_date,
            )  # fmt: skip
        )
    return created


def run_sweep(today: dt.date | None = None, *, dry_run: bool = False,
              deliver_inline: bool = False) -> SweepResult:  # fmt: skip
    """Plan, claim and send today's reminders. `dry_run` only plans; `deliver_inline` sends
    in this process instead of queueing (the management command, for cron without Celery)."""
    today = today or timezone.localdate()
    result = SweepResult(planned=plan(today))
    if dry_run:
        return result
    result.drafts_created = _create_due_drafts(today)
    for item in result.planned:
        log = notifications.claim(
            kind=item.kind, object_type=item.object_type, object_id=item.object_id,
            due_date=item.due_date, offset_days=item.offset_days, vendor_id=item.vendor.pk,
            recipients=item.recipients, link=item.link,
            context=item.context,
        )  # fmt: skip
        if log is not None:
            result.claimed.append(log)
    # After the claims: a run that stops in between still reopens next time, and the reminder
    # planned from the finding while it was accepted is claimed once either way.
    result.reopened = services.findings_reopen_expired(today)
    # Catch up on what an earlier sweep claimed but never got out (broker down, crash).
    stale = ReminderLog.objects.filter(
        status__in=[ReminderStatus.QUEUED, ReminderStatus.RETRYING],
        updated_at__lt=timezone.now() - dt.timedelta(minutes=STALE_QUEUE_MINUTES),
    ).values_list("pk", flat=True)
    pending = [log.pk for log in result.claimed if log.status == ReminderStatus.QUEUED]
    stale_ids = [pk for pk in stale if pk not in pending]
    result.redispatched = len(stale_ids)
    for log_id in pending + stale_ids:
        if deliver_inline:
            # A failure is recorded as retrying; the next run tries again.
            with contextlib.suppress(notifications.DeliveryFailed):
                notifications.deliver(log_id)
        else:
            notifications.dispatch(ReminderLog.objects.get(pk=log_id))
    return result
