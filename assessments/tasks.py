"""Background work of assessments: thin Celery wrappers that take IDs and own retries."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def store_signed_off_report(self, assessment_id: int) -> str:
    """Render and store the immutable report of a decided assessment (idempotent)."""
    from assessments.services import report_store

    try:
        report = report_store(assessment_id)
    except Exception as error:  # rendering or storage failed: try again later
        logger.exception("Storing the report of assessment %s failed", assessment_id)
        raise self.retry(exc=error) from error
    return report.sha256 if report else ""


@shared_task(acks_late=True)
def reminder_sweep() -> dict:
    """The daily sweep (beat, 06:00 in TIME_ZONE). Idempotent: see assessments/reminders.py.
    It delivers in this worker, batched per recipient set; a failed try is queued for a worker
    at the time of its next try."""
    from assessments.reminders import run_sweep

    result = run_sweep()
    return {
        "planned": len(result.planned),
        "claimed": len(result.claimed),
        "drafts_created": len(result.drafts_created),
        "redispatched": result.redispatched,
        "sent": len(result.delivered.sent),
        "retrying": len(result.delivered.retrying),
    }
