"""Delivery of notifications. notifications.services.deliver keeps the state of each e-mail in
its row; the task only runs it and, after a failed try, schedules the next one for the time
the row shows (exponential backoff until the retry window has passed)."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_reminder(self, log_id: int) -> str:
    """Idempotent: a copy of the task that finds its row sent, being sent or not yet due
    does nothing and schedules nothing, so duplicated tasks never become duplicate chains."""
    from notifications.services import DeliveryFailed, deliver

    try:
        log = deliver(log_id)
    except DeliveryFailed as failure:
        # The try that failed owns the next one. The daily sweep tries again if this retry is
        # lost (a worker restarted without it).
        raise self.retry(exc=failure, eta=failure.next_attempt_at) from failure
    return log.status
