"""The reminder log: one row per notification, unique per (kind, object, due date, offset),
so a sweep that runs twice, or two sweeps at once, sends nothing twice."""

from django.conf import settings
from django.db import models


class ReminderStatus(models.TextChoices):
    """claimed (queued) → sending (committed before the SMTP transaction) → sent, or
    retrying → … → failed once the retry window has passed. A row left in "sending" by a crash
    is sent again, with the same Message-ID, after a stale period."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no recipients)"


class ReminderKind(models.TextChoices):
    REASSESSMENT_DUE = "reassessment_due", "Reassessment due"
    REASSESSMENT_OVERDUE = "reassessment_overdue", "Reassessment overdue"
    REASSESSMENT_ESCALATION = "reassessment_escalation", "Overdue reassessment escalated"
    REASSESSMENT_REQUIRED = "reassessment_required", "Reassessment required now"
    EVIDENCE_EXPIRING = "evidence_expiring", "Evidence expiring"
    EVIDENCE_EXPIRED = "evidence_expired", "Evidence expired"
    CONDITIONS_OVERDUE = "conditions_overdue", "Approval conditions overdue"
    RISK_ACCEPTANCE_EXPIRING = "risk_acceptance_expiring", "Risk acceptance ending"
    RISK_ACCEPTANCE_EXPIRED = "risk_acceptance_expired", "Risk acceptance ended: finding reopened"


class ReminderLog(models.Model):
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    object_type = models.CharField(max_length=30)  # "vendor", "evidence", "assessment", "finding"
    object_id = models.PositiveBigIntegerField()
    due_date = models.DateField()
    offset_days = models.IntegerField(help_text="Days before (positive) or after the due date.")

    vendor_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    subject = models.CharField(max_length=300)
    recipients = models.JSONField(default=list)
    link = models.URLField(max_length=500, blank=True)
    # What the e-mail says, as plain data, so delivery (and a retry) needs nothing else.
    context = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The same Message-ID on every try, so a receiving system recognises a resend.
    message_id = models.CharField(max_length=255, blank=True)
    # When the current SMTP transaction began (status "sending"); older than the stale
    # period, it was interrupted by a crash and the e-mail is sent again.
    sending_since = models.DateTimeField(null=True, blank=True)
    resends = models.PositiveSmallIntegerField(
        default=0, help_text="Sends after a crash mid-send (same Message-ID)."
    )
    # When a sweep may try a retrying or failed e-mail next.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The run that inserted the claim (a sweep claims in bulk and reads back only its own).
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "due_date", "offset_days"],
                name="reminder_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class NotificationPreference(models.Model):
    """A user's choice about reminder e-mails. Escalations are always sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reminder_emails = models.BooleanField(
        "e-mail me reminders", default=True,
        help_text="Reassessments and evidence coming due. Escalations to leads are always sent.",
    )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user}: {'on' if self.reminder_emails else 'off'}"
