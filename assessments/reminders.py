"""The daily reminder sweep (Celery beat at 06:00, or `python manage.py send_reminders`).

Rules (PRODUCT.md, "Reminders"):
- reassessment due in 30, 7 and 1 days and on the day; overdue, repeated every 7 days;
  escalated to the security leads at 14 days overdue; a draft reassessment carrying the last
  answers forward is created once the due date is within 30 days and none is open;
- evidence expiring in 60, 30 and 7 days and on expiry (the newest record of each kind);
- approval conditions whose date has passed;
- vendors marked "reassessment required" (an incident, more sensitive data) whose notice was
  never claimed (flagging claims one at once; this catches flags set any other way);
- accepted risks ending in 30 and 7 days; once an acceptance has ended (its last day is
  before today) the finding is reopened and the e-mail says so.

Who is written to: the vendor's business and security owners (and a finding's owner); the
Security reviewers group only when none of them can be written to (none set, inactive,
without an address, or reminders turned off). A vendor to reassess now is urgent: its owners
and the whole group. Escalations go to the Security leads.

The sweep works on sets, so that its cost does not grow with the reminders in queries: the
plan reads each kind of reminder in one query (users and opt-outs once); the claims go into
the reminder log in bulk, one INSERT per batch, those claimed before skipped by the unique key
(kind, object, due date, offset), and the run reads back the rows carrying its own claim
token, so running the sweep twice, or two sweeps at once, claims and sends each one once and
each run reports only what it claimed. Delivery is batched per set of recipients over one
mail connection (notifications.services.deliver_many). A sweep that was missed catches up: it
sends the latest reminder step that is due, not every missed one, and delivers what earlier
runs left undelivered (notifications.services.due_for_delivery).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
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
INACTIVE = [VendorStatus.RETIRED, VendorStatus.REJECTED]
OPEN = [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED]


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
    """What one run did. Under concurrency each reminder is in exactly one run's `claimed`,
    each draft in exactly one run's `drafts_created`, each reopened finding in one
    `reopened`, and `redispatched` counts only the earlier reminders this run itself tried."""

    planned: list[Planned] = field(default_factory=list)
    claimed: list[ReminderLog] = field(default_factory=list)
    drafts_created: list[Assessment] = field(default_factory=list)
    reopened: list[Finding] = field(default_factory=list)
    redispatched: int = 0
    delivered: notifications.Delivered = field(default_factory=notifications.Delivered)


def _step(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The reminder step due `days_left` days before the date: the smallest step not below
    it (7 when 5 days are left, so a missed sweep still sends the 7-day reminder)."""
    fitting = [s for s in steps if s >= days_left]
    return min(fitting) if fitting and days_left <= max(steps) else None


class _Audience:
    """Who reminders go to, read once per plan (four queries), so that addressing each
    reminder costs none. Addresses are worked out once per set of owners."""

    def __init__(self):
        users = get_user_model().objects.filter(is_active=True).exclude(email="")
        self.users = {u.pk: u for u in users.only("pk", "email", "is_active")}

        def group(role: Role) -> list:
            members = users.filter(groups__name=role.value).values_list("pk", flat=True)
            return [self.users[pk] for pk in members]

        self.reviewers = group(Role.REVIEWER)
        self.leads = group(Role.LEAD)
        self.opted_out = notifications.opted_out_user_ids()
        self._known: dict[tuple, list[str]] = {}

    def _emails(self, users) -> list[str]:
        return notifications.addresses(users, opted_out=self.opted_out)

    def owners(self, *user_ids: int | None) -> list[str]:
        """The owners who can be written to (active, with an address, reminders on); the
        Security reviewers when none can."""
        key = ("owners", *user_ids)
        if key not in self._known:
            people = [self.users.get(pk) for pk in user_ids]
            self._known[key] = self._emails(people) or self._emails(self.reviewers)
        return self._known[key]

    def owners_and_reviewers(self, *user_ids: int | None) -> list[str]:
        key = ("all", *user_ids)
        if key not in self._known:
            people = [self.users.get(pk) for pk in user_ids]
            self._known[key] = self._emails([*people, *self.reviewers])
        return self._known[key]

    def escalation(self) -> list[str]:
        """The Security leads, also those who turned reminders off."""
        return notifications.addresses(self.leads, opted_out=self.opted_out, escalation=True)


# What the plan reads of a vendor: its owners as ids (the audience knows the users), and
# none of the wide columns a vendor has besides.
VENDOR_FIELDS = ["name", "tier", "business_owner", "security_owner"]


def _vendors_to_plan(today: dt.date):
    """Vendors in use that are due within the longest step, overdue, or flagged for
    reassessment without a notice claimed since the flag."""
    notice = ReminderLog.objects.filter(
        kind=ReminderKind.REASSESSMENT_REQUIRED, vendor_id=OuterRef("pk")
    )
    unannounced = Q(reassessment_required=True) & (
        Q(reassessment_required_since__isnull=True, notice_ever=False)
        | Q(reassessment_required_since__isnull=False, notice_since=False)
    )
    return (
        Vendor.objects.exclude(status__in=INACTIVE)
        .annotate(
            notice_ever=Exists(notice),
            notice_since=Exists(notice.filter(due_date__gte=OuterRef("reassessment_required_since"))),
        )
        .filter(Q(next_reassessment_date__lte=today + dt.timedelta(days=max(DUE_STEPS))) | unannounced)
        .only(*VENDOR_FIELDS, "next_reassessment_date", "reassessment_required",
              "reassessment_required_since", "reassessment_reason")
    )  # fmt: skip


def _of_vendor(model):
    """`model`'s rows with their vendor (its plan fields only) joined."""
    return model.objects.select_related("vendor").exclude(vendor__status__in=INACTIVE)


def plan(today: dt.date) -> list[Planned]:
    """Every reminder the rules call for today (whether or not it was sent before), read in a
    fixed number of queries however many there are."""
    audience = _Audience()
    escalation_to = audience.escalation()
    planned: list[Planned] = []

    vendors = list(_vendors_to_plan(today))
    for vendor in vendors:
        due = vendor.next_reassessment_date
        if due is None or due > today + dt.timedelta(days=max(DUE_STEPS)):
            continue
        team = audience.owners(vendor.business_owner_id, vendor.security_owner_id)
        link = notifications.absolute(reverse("vendor_detail", args=[vendor.pk]))
        days_left = (due - today).days
        context = {"vendor": vendor.name, "due": due.isoformat(), "days_left": days_left,
                   "tier": vendor.get_tier_display()}  # fmt: skip
        step = _step(days_left, DUE_STEPS) if days_left >= 0 else None
        if step is not None:
            planned.append(Planned(
                ReminderKind.REASSESSMENT_DUE, "vendor", vendor.pk, due, step, vendor, "", team,
                link, context,
            ))  # fmt: skip
        if days_left < 0:
            overdue = -days_left
            period_start = 1 + OVERDUE_EVERY_DAYS * ((overdue - 1) // OVERDUE_EVERY_DAYS)
            planned.append(Planned(
                ReminderKind.REASSESSMENT_OVERDUE, "vendor", vendor.pk, due, -period_start,
                vendor, "", team, link, context | {"days_overdue": overdue},
            ))  # fmt: skip
            if overdue >= ESCALATE_AFTER_DAYS:
                planned.append(Planned(
                    ReminderKind.REASSESSMENT_ESCALATION, "vendor", vendor.pk, due,
                    -ESCALATE_AFTER_DAYS, vendor, "", escalation_to, link,
                    context | {"days_overdue": overdue},
                ))  # fmt: skip

    for vendor in vendors:
        if not vendor.reassessment_required or (
            vendor.notice_since if vendor.reassessment_required_since else vendor.notice_ever
        ):
            continue
        planned.append(Planned(
            ReminderKind.REASSESSMENT_REQUIRED, "vendor", vendor.pk,
            vendor.reassessment_required_since or today, 0, vendor, "",
            audience.owners_and_reviewers(vendor.business_owner_id, vendor.security_owner_id),
            notifications.absolute(reverse("vendor_detail", args=[vendor.pk])),
            {"vendor": vendor.name, "reason": vendor.reassessment_reason},
        ))  # fmt: skip

    # Evidence: the record of each kind that stays valid longest, within 60 days of expiry.
    newer = Evidence.objects.filter(vendor_id=OuterRef("vendor_id"), kind=OuterRef("kind")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    expiring = (
        _of_vendor(Evidence)
        .filter(expires_on__lte=today + dt.timedelta(days=max(EVIDENCE_STEPS)))
        .exclude(Exists(newer))
        .only("kind", "title", "expires_on", *(f"vendor__{f}" for f in VENDOR_FIELDS))
    )
    for evidence in expiring:
        vendor = evidence.vendor
        days_left = (evidence.expires_on - today).days
        step = _step(days_left, EVIDENCE_STEPS) if days_left >= 0 else 0
        kind = ReminderKind.EVIDENCE_EXPIRED if days_left < 0 else ReminderKind.EVIDENCE_EXPIRING
        planned.append(Planned(
            kind, "evidence", evidence.pk, evidence.expires_on, step, vendor, "",
            audience.owners(vendor.business_owner_id, vendor.security_owner_id),
            notifications.absolute(reverse("vendor_detail", args=[vendor.pk]) + "#evidence"),
            {"vendor": vendor.name, "evidence": evidence.get_kind_display(),
             "title": evidence.title, "expires": evidence.expires_on.isoformat(),
             "days_left": days_left},
        ))  # fmt: skip

    # Conditions of an approval whose date has passed, while the vendor is still on them.
    overdue_conditions = (
        _of_vendor(Assessment)
        .filter(
            status=AssessmentStatus.APPROVED_WITH_CONDITIONS,
            conditions_due__lt=today,
            vendor__status=VendorStatus.APPROVED_WITH_CONDITIONS,
        )
        .only("conditions", "conditions_due", *(f"vendor__{f}" for f in VENDOR_FIELDS))
    )
    for assessment in overdue_conditions:
        vendor = assessment.vendor
        planned.append(Planned(
            ReminderKind.CONDITIONS_OVERDUE, "assessment", assessment.pk,
            assessment.conditions_due, 0, vendor, "",
            audience.owners(vendor.business_owner_id, vendor.security_owner_id),
            notifications.absolute(assessment.get_absolute_url()),
            {"vendor": vendor.name, "conditions": assessment.conditions,
             "due": assessment.conditions_due.isoformat()},
        ))  # fmt: skip

    # Accepted risks ending soon, and those that have ended (the sweep reopens them).
    accepted = (
        _of_vendor(Finding)
        .filter(
            status=FindingStatus.ACCEPTED,
            accepted_until__lte=today + dt.timedelta(days=max(ACCEPTANCE_STEPS)),
        )
        .only("assessment", "owner", "severity", "question_text", "justification",
              "accepted_until", *(f"vendor__{f}" for f in VENDOR_FIELDS))
        .order_by("accepted_until", "pk")
    )  # fmt: skip
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
            audience.owners(finding.owner_id, vendor.business_owner_id, vendor.security_owner_id),
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
    that has no assessment open. Returns only the drafts this call created."""
    templates = list(QuestionnaireTemplate.objects.filter(active=True))
    if not templates:
        return []
    open_ones = Assessment.objects.filter(vendor=OuterRef("pk"), status__in=OPEN)
    last_bank = (
        Assessment.objects.filter(vendor=OuterRef("pk"))
        .exclude(status=AssessmentStatus.DRAFT)
        .order_by("-created_at", "-pk")
        .values("template__key")[:1]
    )
    due = (
        Vendor.objects.exclude(status__in=INACTIVE)
        .filter(next_reassessment_date__lte=today + dt.timedelta(days=DRAFT_WITHIN_DAYS))
        .exclude(Exists(open_ones))
        .annotate(last_bank=Subquery(last_bank))
    )
    created = []
    for vendor in due:
        # The bank of the last assessment if it still covers the profile as it stands now
        # (data, special categories and autonomy may have grown since), else the suggested one.
        template = next(
            (t for t in templates if t.key == vendor.last_bank and not bank_problems(t, vendor)),
            None,
        ) or suggested_template(vendor, templates)
        if template is None:
            continue
        draft = _start_draft(vendor, template)
        if draft is not None:
            created.append(draft)
    return created


def _start_draft(vendor: Vendor, template: QuestionnaireTemplate) -> Assessment | None:
    """Start the vendor's draft reassessment; None when an assessment was opened since the
    list was read (by a concurrent sweep, or a reviewer). The vendor row stays locked from the
    check to the insert, so each draft is reported by the one run that created it."""
    with transaction.atomic():
        Vendor.objects.select_for_update().filter(pk=vendor.pk).values_list("pk").first()
        if Assessment.objects.filter(vendor=vendor, status__in=OPEN).exists():
            return None
        return services.assessment_start(
            vendor=vendor, template=template, started_by=None,
            due_date=vendor.next_reassessment_date,
        )  # fmt: skip


def run_sweep(
    today: dt.date | None = None, *, dry_run: bool = False, queue_retries: bool = True
) -> SweepResult:
    """Plan, claim and send today's reminders, in this process, batched per recipient set.

    `dry_run` only plans. A try that fails is retried at the time its row gives: with
    `queue_retries` (the beat task) by a worker, queued for that time; without (the management
    command, for cron without Celery) by a later run. So are reminders left untried because
    the mail server could not be reached."""
    today = today or timezone.localdate()
    result = SweepResult(planned=plan(today))
    if dry_run:
        return result
    result.drafts_created = _create_due_drafts(today)
    result.claimed = notifications.claim_many(
        notifications.Claim(
            kind=item.kind,
            object_type=item.object_type,
            object_id=item.object_id,
            due_date=item.due_date,
            offset_days=item.offset_days,
            vendor_id=item.vendor.pk,
            recipients=item.recipients,
            link=item.link,
            context=item.context,
            subject=item.subject,
        )
        for item in result.planned
    )
    # After the claims: a run that stops in between still reopens next time, and the reminder
    # planned from the finding while it was accepted is claimed once either way.
    result.reopened = services.findings_reopen_expired(today)
    # Catch up on what earlier runs left undelivered (broker down, crash, a failed try due).
    claimed_ids = [log.pk for log in result.claimed if log.status == ReminderStatus.QUEUED]
    earlier = sorted(set(notifications.due_for_delivery(timezone.now())) - set(claimed_ids))
    result.delivered = notifications.deliver_many(claimed_ids + earlier)
    result.redispatched = len(result.delivered.tried.intersection(earlier))
    if queue_retries:
        notifications.dispatch_many(
            [*result.delivered.retrying, *result.delivered.not_tried],
            eta=result.delivered.retrying,
        )
    return result
