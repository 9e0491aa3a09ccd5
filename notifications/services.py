"""Claim and deliver notifications. A claim is the insert of a ReminderLog row; the unique key
makes the first claimant the only sender. Delivery renders the e-mail from the row alone.

Delivery is a state machine kept in the row, so that a crash at any point leaves it saying
what happened: claimed ("queued") → "sending", committed before the SMTP transaction starts →
"sent", or "retrying" at `next_attempt_at`, or "failed" once the retry window has passed. The
guarantee is at least once: an e-mail is sent twice only when a crash interrupts its SMTP
transaction, and then with the same Message-ID, so that receiving systems can tell.
"""

import contextlib
import datetime as dt
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid
from urllib.parse import urlsplit

from auditlog.models import LogEntry
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone

from config.queueing import QueuedTask, queue_on_commit
from notifications.models import NotificationPreference, ReminderLog, ReminderStatus

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def recipient_emails(users: Iterable, *, escalation: bool = False) -> list[str]:
    """Active users' addresses, without those who turned reminders off (unless escalation)."""
    users = [u for u in users if u is not None and u.is_active and u.email]
    if not escalation:
        opted_out = set(
            NotificationPreference.objects.filter(
                user__in=users, reminder_emails=False
            ).values_list("user_id", flat=True)
        )
        users = [u for u in users if u.pk not in opted_out]
    return sorted({u.email.lower() for u in users})


def render_subject(kind: str, context: dict) -> str:
    text = render_to_string(f"emails/{kind}_subject.txt", context)
    return " ".join(text.split())


def claim(*, kind: str, object_type: str, object_id: int, due_date, offset_days: int,
          vendor_id: int | None, recipients: list[str], link: str,
          context: dict) -> ReminderLog | None:  # fmt: skip
    """Record that this notification is to be sent; None if it was claimed before. The
    subject comes from templates/emails/<kind>_subject.txt; the Message-ID every try will
    carry is chosen here, once."""
    status = ReminderStatus.QUEUED if recipients else ReminderStatus.SKIPPED
    subject = render_subject(kind, context)
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                kind=kind, object_type=object_type, object_id=object_id, due_date=due_date,
                offset_days=offset_days, vendor_id=vendor_id,
                subject=(settings.EMAIL_SUBJECT_PREFIX + subject)[:300],
                recipients=recipients, link=link, context=context, status=status,
                message_id=new_message_id(),
            )  # fmt: skip
    except IntegrityError:
        return None


def new_message_id() -> str:
    """A Message-ID for a new notification ("<…@clearance.example.org>", the host of
    SITE_URL). Whoever inserts ReminderLog rows stores one; deliver() adds one to a row
    without it before its first try."""
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def _message(log: ReminderLog) -> EmailMultiAlternatives:
    context = {**log.context, "link": log.link, "subject": log.subject}
    text = render_to_string(f"emails/{log.kind}_body.txt", context)
    html = render_to_string(f"emails/{log.kind}_body.html", context)
    message = EmailMultiAlternatives(
        subject=log.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=log.recipients,
        headers={"Message-ID": log.message_id},
    )  # fmt: skip
    message.attach_alternative(html, "text/html")
    return message


# Retries wait REMINDER_RETRY_BASE_SECONDS, doubling each time up to this. It stays under the
# Redis broker's visibility timeout (1 hour), after which a retry a worker holds until its
# time would be handed to a second worker as well.
RETRY_DELAY_CAP = dt.timedelta(minutes=30)
# A claim still queued after this long was never handed to a worker (the broker was down).
QUEUED_GRACE = dt.timedelta(minutes=10)
# What a lead may send again at once ("Retry now" on the reminder log).
RETRYABLE = (ReminderStatus.RETRYING, ReminderStatus.FAILED)


class DeliveryFailed(Exception):
    """A try failed; the row says retrying and when the next try is due."""

    def __init__(self, message: str, *, next_attempt_at: dt.datetime):
        super().__init__(message)
        self.next_attempt_at = next_attempt_at


def retry_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.REMINDER_RETRY_WINDOW_HOURS)


def sending_stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REMINDER_SENDING_STALE_MINUTES)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try: the base delay, doubled after each
    further failure, at most RETRY_DELAY_CAP."""
    base = dt.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), RETRY_DELAY_CAP)


def _may_try(now: dt.datetime) -> Q:
    """The rows a try may start on at `now`: claimed; "sending" for longer than the stale
    period (a crash interrupted it); retrying, once its next try is due; failed (from before
    the retry window existed) while its window lasts. Sent and skipped rows never."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (
        Q(status=ReminderStatus.QUEUED)
        | Q(status=ReminderStatus.SENDING, sending_since__isnull=True)
        | Q(status=ReminderStatus.SENDING, sending_since__lt=now - sending_stale_after())
        | (Q(status=ReminderStatus.RETRYING) & due)
        | (Q(status=ReminderStatus.FAILED, created_at__gt=now - retry_window()) & due)
    )


def due_for_delivery(now: dt.datetime) -> list[int]:
    """IDs of the notifications a catch-up run (the daily sweep) should deliver now, oldest
    first: claims still queued QUEUED_GRACE after they were made or re-queued (never handed to
    a worker), retrying rows whose next try is due (a retry's time never falls after the end
    of its window, so a late run still gives the last try), failed rows within their window,
    and rows left "sending" longer than REMINDER_SENDING_STALE_MINUTES by a crash. Pass each to
    deliver() or dispatch(); a row that another worker has started meanwhile is left alone."""
    fresh_claim = Q(status=ReminderStatus.QUEUED, updated_at__gt=now - QUEUED_GRACE)
    rows = ReminderLog.objects.filter(_may_try(now)).exclude(fresh_claim).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def deliver(log_id: int) -> ReminderLog:
    """Try to send one claimed notification, and return its row as the try left it.

    The row is first moved to "sending" by a conditional UPDATE committed on its own, so that
    of two workers given the same row only one sends, and a crash during the SMTP transaction
    leaves "sending" behind for a later run to resend (with the same Message-ID, counted in
    `resends`) once it is stale. No lock is held while SMTP runs. A row that may not be tried
    now (sent, skipped, being sent, not yet due) is returned unchanged.

    On success the row says sent. On failure it says retrying, with `next_attempt_at` by
    exponential backoff, and DeliveryFailed is raised so that the caller may schedule that
    retry; once REMINDER_RETRY_WINDOW_HOURS have passed since the claim it says failed instead
    and nothing is raised."""
    now = timezone.now()
    log = ReminderLog.objects.get(pk=log_id)
    resend = log.status == ReminderStatus.SENDING
    message_id = log.message_id or new_message_id()
    # Status and attempts identify the row as read: if another worker has started it since,
    # the UPDATE matches nothing. Committed at once, before any SMTP.
    as_read = ReminderLog.objects.filter(
        _may_try(now), pk=log_id, status=log.status, attempts=log.attempts
    )
    with transaction.atomic():
        started = as_read.update(
            status=ReminderStatus.SENDING, sending_since=now, message_id=message_id,
            attempts=F("attempts") + 1, resends=F("resends") + int(resend), updated_at=now,
        )  # fmt: skip
    if not started:
        return log
    log.refresh_from_db()
    if resend:
        logger.warning("Reminder %s was interrupted mid-send; sending it again", log_id)
    try:
        _message(log).send(fail_silently=False)
    except Exception as error:  # SMTP and connection errors alike
        return _record_failure(log, error)
    ReminderLog.objects.filter(pk=log_id).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), sending_since=None, last_error="",
        next_attempt_at=None, updated_at=timezone.now(),
    )  # fmt: skip
    log.refresh_from_db()
    return log


def _record_failure(log: ReminderLog, error: Exception) -> ReminderLog:
    now = timezone.now()
    window_ends = log.created_at + retry_window()
    given_up = now >= window_ends
    # The last try falls at the end of the window at the latest.
    next_attempt_at = None if given_up else min(now + retry_delay(log.attempts), window_ends)
    recorded = ReminderLog.objects.filter(
        pk=log.pk, status=ReminderStatus.SENDING, attempts=log.attempts
    ).update(
        status=ReminderStatus.FAILED if given_up else ReminderStatus.RETRYING,
        last_error=_describe(error)[:2000], sending_since=None,
        next_attempt_at=next_attempt_at, updated_at=now,
    )  # fmt: skip
    logger.warning("Reminder %s try %s failed: %s", log.pk, log.attempts, _describe(error))
    log.refresh_from_db()
    if recorded and not given_up:
        raise DeliveryFailed(log.last_error, next_attempt_at=next_attempt_at)
    # Given up, or another worker resent the row meanwhile and owns what comes next.
    return log


def _describe(error: Exception) -> str:
    """The error as the reminder log shows it: "SMTPDataError: 451 4.3.0 Try again later"."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{type(error).__name__}: {error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def retry_now(log_id: int, *, requested_by) -> ReminderLog | None:
    """Queue a retrying or failed notification again at once, outside its schedule (and
    beyond its retry window: it then gets one more try), recording who asked in the audit
    log. None when the row is in no state to retry (sent, skipped, queued or being sent)."""
    now = timezone.now()
    with transaction.atomic():
        log = ReminderLog.objects.select_for_update().get(pk=log_id)
        if log.status not in RETRYABLE:
            return None
        before = log.status
        ReminderLog.objects.filter(pk=log_id).update(
            status=ReminderStatus.QUEUED, next_attempt_at=None, updated_at=now
        )
        log.refresh_from_db()
        LogEntry.objects.log_create(
            log, action=LogEntry.Action.UPDATE, actor=requested_by,
            changes={"status": [before, log.status]},
            additional_data={"retry_requested_by": requested_by.get_username()},
        )  # fmt: skip
        dispatch(log)
    logger.info("Reminder %s queued again at the request of %s", log_id, requested_by)
    return log


def dispatch(log: ReminderLog | None) -> QueuedTask | None:
    """Queue delivery once the claim has committed; None when there is nothing to send. If
    the broker is down the failure is logged, not raised: the row stays as it is, the next
    sweep delivers it, and the returned QueuedTask says queued=False once committed."""
    if log is None or log.status not in (ReminderStatus.QUEUED, ReminderStatus.RETRYING):
        return None
    from notifications.tasks import deliver_reminder

    return queue_on_commit(deliver_reminder, log.pk, catch_up="the next sweep sends it")


# --- Many at once: the daily sweep --------------------------------------------------------------

# Rows per INSERT of a bulk claim, and ids per read of the rows to deliver.
CLAIM_BATCH = 2000
# E-mails moved to "sending" together (one UPDATE, committed before the first of them is sent)
# and recorded as sent together: what a crash in the middle may send twice (with the same
# Message-IDs), and what must go out well within REMINDER_SENDING_STALE_MINUTES.
SEND_BATCH = 100
# Failures in a row after which a batch gives up (a connection that will not open counts as
# one; each e-mail refused or timed out as one): the rest of the batch gets a failed try
# without waiting out a timeout each. After as many batches in a row have given up, a run
# stops and leaves the rest as it is (queued, retrying) for a later run. Either way a batch
# lasts a few timeouts (EMAIL_TIMEOUT) at most, far within REMINDER_SENDING_STALE_MINUTES.
MAX_FAILURES_IN_A_ROW = 3


def opted_out_user_ids() -> set[int]:
    """The users who turned reminder e-mails off, in one query, for a caller that addresses
    many notifications at once (see addresses())."""
    return set(
        NotificationPreference.objects.filter(reminder_emails=False).values_list(
            "user_id", flat=True
        )
    )


def addresses(users: Iterable, *, opted_out: set[int], escalation: bool = False) -> list[str]:
    """recipient_emails() without its query: the opt-outs are given, loaded once by
    opted_out_user_ids()."""
    users = [u for u in users if u is not None and u.is_active and u.email]
    if not escalation:
        users = [u for u in users if u.pk not in opted_out]
    return sorted({u.email.lower() for u in users})


@dataclass(frozen=True)
class Claim:
    """A notification to claim in bulk: the arguments of claim(), and its subject if the
    caller rendered it already (else it is rendered from templates/emails/)."""

    kind: str
    object_type: str
    object_id: int
    due_date: dt.date
    offset_days: int
    vendor_id: int | None
    recipients: list[str]
    link: str
    context: dict
    subject: str = ""


def claim_many(claims: Iterable[Claim]) -> list[ReminderLog]:
    """Claim many notifications at once: those claimed before are left out (read in one query
    per CLAIM_BATCH objects), the others inserted with one INSERT per CLAIM_BATCH, each with its
    Message-ID; a claim a concurrent caller inserted meanwhile is skipped by the unique key.

    Returns the rows this call inserted, in the order of their keys. They are read back by a
    token unique to the call (`claim_token`): a concurrent caller's rows carry its own, so each
    notification counts as claimed by exactly one caller. Inserted in the order of their keys,
    so that two callers claiming the same notifications wait on each other in turn instead of
    deadlocking."""
    claims = sorted(claims, key=_key)
    claimed_before = _claimed_keys(claims)
    token = uuid.uuid4().hex
    prefix = settings.EMAIL_SUBJECT_PREFIX
    rows = [
        ReminderLog(
            kind=c.kind,
            object_type=c.object_type,
            object_id=c.object_id,
            due_date=c.due_date,
            offset_days=c.offset_days,
            vendor_id=c.vendor_id,
            subject=(prefix + (c.subject or render_subject(c.kind, c.context)))[:300],
            recipients=c.recipients,
            link=c.link,
            context=c.context,
            status=ReminderStatus.QUEUED if c.recipients else ReminderStatus.SKIPPED,
            message_id=new_message_id(),
            claim_token=token,
        )
        for c in claims
        if _key(c) not in claimed_before
    ]
    if not rows:
        return []
    ReminderLog.objects.bulk_create(rows, batch_size=CLAIM_BATCH, ignore_conflicts=True)
    return list(ReminderLog.objects.filter(claim_token=token).order_by("pk"))


def _key(claim: Claim) -> tuple:
    """The reminder log's unique key (its `reminder_once` constraint)."""
    return (claim.kind, claim.object_type, claim.object_id, claim.due_date, claim.offset_days)


def _claimed_keys(claims: list[Claim]) -> set[tuple]:
    """The unique keys (kind, object type, object, due date, offset) in the reminder log of
    the objects `claims` are about, read through the unique index."""
    objects: dict[tuple[str, str], set[int]] = defaultdict(set)
    for c in claims:
        objects[(c.kind, c.object_type)].add(c.object_id)
    keys: set[tuple] = set()
    pending, size = Q(), 0

    def read(condition: Q) -> None:
        keys.update(
            ReminderLog.objects.filter(condition).values_list(
                "kind", "object_type", "object_id", "due_date", "offset_days"
            )
        )

    for (kind, object_type), ids in sorted(objects.items()):
        ordered = sorted(ids)
        for start in range(0, len(ordered), CLAIM_BATCH):
            part = ordered[start : start + CLAIM_BATCH]
            if size and size + len(part) > CLAIM_BATCH:
                read(pending)
                pending, size = Q(), 0
            pending |= Q(kind=kind, object_type=object_type, object_id__in=part)
            size += len(part)
    if size:
        read(pending)
    return keys


def dispatch_many(log_ids: Iterable[int], *, eta: dict | None = None) -> None:
    """Queue the delivery of many notifications, each at `eta[log_id]` if given (a failed
    try's next one), once the transaction commits: config.queueing.queue_on_commit's rules,
    with an ETA, which it does not take. The first broker failure stops the rest, one bounded
    wait instead of one per notification, and is logged, not raised: those rows stay as they
    are and the next sweep delivers them (due_for_delivery)."""
    ids = list(log_ids)
    if not ids:
        return
    from notifications.tasks import deliver_reminder

    when = dict(eta or {})

    def send():
        for position, log_id in enumerate(ids):
            try:
                deliver_reminder.apply_async((log_id,), eta=when.get(log_id))
            except Exception:
                logger.exception(
                    "Could not queue %s reminder(s); the next sweep will send them",
                    len(ids) - position,
                )
                return

    transaction.on_commit(send)


@dataclass
class Delivered:
    """What deliver_many() did with the rows it was given."""

    sent: list[int] = field(default_factory=list)
    retrying: dict[int, dt.datetime] = field(default_factory=dict)  # id: its next try
    failed: list[int] = field(default_factory=list)  # the retry window had passed
    tried: set[int] = field(default_factory=set)  # every row this call moved to "sending"
    # Rows left as they were because the mail server could not be reached.
    not_tried: list[int] = field(default_factory=list)


def deliver_many(log_ids: Iterable[int]) -> Delivered:
    """Deliver many claimed notifications by the rules of deliver(), over one mail connection
    (opened again after an error), grouped by recipient set: the e-mails to the same people
    go out one after the other, so that a daily digest can build on the same grouping. In
    batches of SEND_BATCH, each moved to "sending" with one UPDATE committed before the first
    is sent, and recorded as sent with one more: the queries do not grow with the e-mails.

    A failed try is recorded as deliver() records it (retrying at `next_attempt_at`, or failed
    once the retry window has passed). A row that may not be tried now (sent, skipped, not yet
    due, or being sent by another run) is left alone. When MAX_FAILURES_IN_A_ROW batches in a
    row have given up (the server down, or refusing everything), the rows not reached yet are
    left as they are (`not_tried`), for a later run."""
    ids = list(dict.fromkeys(log_ids))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for start in range(0, len(ids), CLAIM_BATCH):
        chunk = ReminderLog.objects.filter(pk__in=ids[start : start + CLAIM_BATCH])
        for pk, recipients in chunk.values_list("pk", "recipients").order_by("pk"):
            groups[tuple(recipients)].append(pk)
    in_order = [pk for recipients in sorted(groups) for pk in groups[recipients]]
    outcome = Delivered()
    connection = get_connection()
    batches_given_up = 0
    try:
        for start in range(0, len(in_order), SEND_BATCH):
            batch = in_order[start : start + SEND_BATCH]
            if batches_given_up >= MAX_FAILURES_IN_A_ROW:
                outcome.not_tried.extend(batch)
            elif _send_batch(batch, connection, outcome):
                batches_given_up = 0
            else:
                batches_given_up += 1
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    if outcome.not_tried:
        logger.warning(
            "The mail server could not be reached; %s reminder(s) left for a later run",
            len(outcome.not_tried),
        )
    return outcome


def _send_batch(ids: list[int], connection, outcome: Delivered) -> bool:
    """Move the rows that may be tried to "sending" (committed), send them over `connection`
    and record each outcome. False when the batch gave up (MAX_FAILURES_IN_A_ROW): the rows
    it did not reach then have a failed try too, with the last error."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ReminderLog.objects.select_for_update(skip_locked=True).filter(
                _may_try(now), pk__in=ids
            )
        )
        position = {pk: n for n, pk in enumerate(ids)}
        rows.sort(key=lambda row: position[row.pk])  # as given: grouped by recipient set
        ReminderLog.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=ReminderStatus.SENDING, sending_since=now, attempts=F("attempts") + 1,
            resends=F("resends")
            + Case(When(status=ReminderStatus.SENDING, then=Value(1)), default=Value(0)),
            updated_at=now,
        )  # fmt: skip
        for row in rows:
            if not row.message_id:  # claimed before Message-IDs were stored
                row.message_id = new_message_id()
                ReminderLog.objects.filter(pk=row.pk).update(message_id=row.message_id)
    if not rows:
        return True
    for row in rows:
        if row.status == ReminderStatus.SENDING:
            logger.warning("Reminder %s was interrupted mid-send; sending it again", row.pk)
        row.status, row.sending_since, row.attempts = ReminderStatus.SENDING, now, row.attempts + 1
        outcome.tried.add(row.pk)
    sent, failures_in_a_row, last_error = [], 0, None
    try:
        connection.open()  # kept open from the batch before, unless an error closed it
    except Exception as error:  # the server is down or refuses us
        failures_in_a_row, last_error = MAX_FAILURES_IN_A_ROW, error
    for index, row in enumerate(rows):
        if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            for rest in rows[index:]:
                _note_failure(rest, last_error, outcome)
            break
        message = _message(row)
        message.connection = connection
        try:
            message.send(fail_silently=False)
        except Exception as error:  # SMTP and connection errors alike
            _note_failure(row, error, outcome)
            failures_in_a_row, last_error = failures_in_a_row + 1, error
            # The connection may be broken: start a new one for the rest.
            with contextlib.suppress(Exception):
                connection.close()
            with contextlib.suppress(Exception):
                connection.open()
        else:
            sent.append(row.pk)
            failures_in_a_row = 0
    done = timezone.now()
    ReminderLog.objects.filter(pk__in=sent).update(
        status=ReminderStatus.SENT, sent_at=done, sending_since=None, last_error="",
        next_attempt_at=None, updated_at=done,
    )  # fmt: skip
    outcome.sent.extend(sent)
    return failures_in_a_row < MAX_FAILURES_IN_A_ROW


def _note_failure(row: ReminderLog, error: Exception, outcome: Delivered) -> None:
    try:
        _record_failure(row, error)
    except DeliveryFailed as failure:
        outcome.retrying[row.pk] = failure.next_attempt_at
    else:
        outcome.failed.append(row.pk)
