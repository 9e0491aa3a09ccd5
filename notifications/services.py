"""Claim and deliver notifications. A claim is the insert of a ReminderLog row; the unique key
makes the first claimant the only sender. Delivery renders the e-mail from the row alone."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

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
    subject comes from templates/emails/<kind>_subject.txt."""
    status = ReminderStatus.QUEUED if recipients else ReminderStatus.SKIPPED
    subject = render_subject(kind, context)
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                kind=kind, object_type=object_type, object_id=object_id, due_date=due_date,
                offset_days=offset_days, vendor_id=vendor_id,
                subject=(settings.EMAIL_SUBJECT_PREFIX + subject)[:300],
                recipients=recipients, link=link, context=context, status=status,
            )  # fmt: skip
    except IntegrityError:
        return None


def _message(log: ReminderLog) -> EmailMultiAlternatives:
    context = {**log.context, "link": log.link, "subject": log.subject}
    text = render_to_string(f"emails/{log.kind}_body.txt", context)
    html = render_to_string(f"emails/{log.kind}_body.html", context)
    message = EmailMultiAlternatives(
        subject=log.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=log.recipients
    )
    message.attach_alternative(html, "text/html")
    return message


class DeliveryFailed(Exception):
    """Sending failed and may be retried."""


def deliver(log_id: int) -> ReminderLog:
    """Send one claimed notification, at most once. On failure the row says retrying and
    DeliveryFailed is raised for the caller to retry; after REMINDER_MAX_ATTEMPTS tries the
    row says failed and nothing is raised."""
    failure = None
    final_attempt = False
    with transaction.atomic():
        log = ReminderLog.objects.select_for_update().get(pk=log_id)
        if log.status in (ReminderStatus.SENT, ReminderStatus.SKIPPED, ReminderStatus.FAILED):
            return log
        log.attempts += 1
        final_attempt = log.attempts >= settings.REMINDER_MAX_ATTEMPTS
        try:
            _message(log).send(fail_silently=False)
        except Exception as error:  # SMTP and connection errors alike
            failure = error
            log.status = ReminderStatus.FAILED if final_attempt else ReminderStatus.RETRYING
            log.last_error = f"{type(error).__name__}: {error}"[:2000]
            log.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            logger.warning("Reminder %s attempt %s failed: %s", log_id, log.attempts, error)
        else:
            log.status = ReminderStatus.SENT
            log.sent_at = timezone.now()
            log.last_error = ""
            log.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
    # Raised after the block, so the "retrying" state above is committed, not rolled back.
    if failure is not None and not final_attempt:
        raise DeliveryFailed(str(failure)) from failure
    return log


def dispatch(log: ReminderLog | None) -> None:
    """Queue delivery once the claim has committed. If the broker is down the failure is
    logged, not raised: the row stays queued and the next sweep delivers it."""
    if log is None or log.status not in (ReminderStatus.QUEUED, ReminderStatus.RETRYING):
        return
    from notifications.tasks import deliver_reminder

    log_id = log.pk

    def send():
        try:
            deliver_reminder.delay(log_id)
        except Exception:
            logger.exception("Could not queue reminder %s; the next sweep will send it", log_id)

    transaction.on_commit(send)
