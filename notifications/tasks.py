"""Delivery of notifications: retried with exponential backoff; notifications.services.deliver
counts the tries and records the notification as failed after REMINDER_MAX_ATTEMPTS."""

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_reminder(self, log_id: int) -> str:
    from notifications.services import DeliveryFailed, deliver

    try:
        log = deliver(log_id)
    except DeliveryFailed as error:
        countdown = settings.REMINDER_RETRY_BASE_SECONDS * 2**self.request.retries
        raise self.retry(exc=error, countdown=countdown) from error
    return log.status
