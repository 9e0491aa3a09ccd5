"""Every evidence kind has a default validity (method clearance-risk/2): recompute `expires_on`
of the evidence stored before, which never expired when the document stated no validity.

A copy of vendors.services.evidence_expiry as of this migration: a migration must not import
app code that may change later. The stored evidence summaries are marked stale, so that the
next page (or the nightly refresh) recomputes them with the new dates and the fact rules.
"""

from django.db import migrations
from django.utils import timezone

SOC2_STALE_AFTER_MONTHS = 12
DPA_VALID_MONTHS = 36
DEFAULT_VALID_MONTHS = 12


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def expiry(evidence, today):
    if evidence.kind == "soc2":
        return add_months(evidence.period_end, SOC2_STALE_AFTER_MONTHS) if evidence.period_end else None
    if evidence.kind in ("iso27001", "iso42001"):
        return evidence.expiry_date
    if evidence.valid_until:
        return evidence.valid_until
    recorded_on = timezone.localdate(evidence.recorded_at) if evidence.recorded_at else None
    if evidence.kind == "dpa":
        return add_months(evidence.signed_date or recorded_on or today, DPA_VALID_MONTHS)
    return add_months(evidence.document_date or recorded_on or today, DEFAULT_VALID_MONTHS)


def recompute_expiry(apps, schema_editor):
    Evidence = apps.get_model("vendors", "Evidence")
    Vendor = apps.get_model("vendors", "Vendor")
    today = timezone.localdate()
    changed = []
    for evidence in Evidence.objects.order_by("pk").iterator(chunk_size=1000):
        expires_on = expiry(evidence, today)
        if expires_on != evidence.expires_on:
            evidence.expires_on = expires_on
            changed.append(evidence)
    # bulk_update: no save() (updated_at keeps the reviewer's last change), no audit entry.
    Evidence.objects.bulk_update(changed, ["expires_on"], batch_size=1000)
    Vendor.objects.update(evidence_summary_on=None)


class Migration(migrations.Migration):
    dependencies = [("vendors", "0008_approval_facts")]

    operations = [migrations.RunPython(recompute_expiry, migrations.RunPython.noop)]
