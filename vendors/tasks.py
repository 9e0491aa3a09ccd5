"""Background work of vendors: thin Celery wrappers over vendors.services."""

from celery import shared_task


@shared_task(acks_late=True)
def refresh_evidence_summaries() -> int:
    """Nightly (beat, 00:05 in TIME_ZONE): recompute the stored evidence summaries for the new
    day, so that the first person to open the dashboard or the vendor list does not wait for
    it. Idempotent; the pages would do it themselves if this did not run."""
    from vendors.services import evidence_summary_refresh

    return evidence_summary_refresh()


@shared_task(acks_late=True, ignore_result=True)
def run_usage_import(import_id: int) -> None:
    """Import a confirmed usage inventory file (vendors.services.usage_import_run): all or
    nothing, its outcome recorded on the UsageImport that the page polls. Idempotent, so a
    message delivered again after a worker was killed imports nothing twice."""
    from vendors.services import usage_import_run

    usage_import_run(import_id)
