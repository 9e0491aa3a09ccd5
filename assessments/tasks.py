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
