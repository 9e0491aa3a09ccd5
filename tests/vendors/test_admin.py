"""The Django admin saves evidence through vendors.services: the same derived expiry, the
same stored summary and audit actor as the evidence pages."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors.models import Evidence, EvidenceKind, EvidenceStatus, Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False)


def admin_post(**fields) -> dict:
    """The admin's evidence form as a browser posts it: every field, most left empty."""
    data = dict.fromkeys(("title", "notes", "document_date", "valid_until"), "")
    return {
        **data,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()},
    }


def test_evidence_added_in_the_admin_gets_its_expiry(client, administrator):
    vendor = VendorFactory()
    client.force_login(administrator)

    response = client.post(
        reverse("admin:vendors_evidence_add"),
        admin_post(
            vendor=vendor.pk, kind=EvidenceKind.SUBPROCESSORS, title="Sub-processors 2019",
            document_date=dt.date(2019, 4, 1),
        ),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = Evidence.objects.get(vendor=vendor)
    assert evidence.expires_on == dt.date(2020, 4, 1)
    assert evidence.status() == EvidenceStatus.EXPIRED
    assert evidence.recorded_by == administrator
    assert Vendor.objects.get(pk=vendor.pk).evidence_expired is True
    assert LogEntry.objects.get_for_object(evidence).get().actor == administrator


def test_evidence_changed_in_the_admin_gets_a_new_expiry(client, administrator):
    dpa = EvidenceFactory(kind=EvidenceKind.DPA, signed_date=dt.date(2024, 1, 1))
    assert dpa.expires_on == dt.date(2027, 1, 1)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:vendors_evidence_change", args=[dpa.pk]),
        admin_post(
            vendor=dpa.vendor_id, kind=EvidenceKind.DPA, signed_date=dt.date(2024, 1, 1),
            valid_until=dt.date(2025, 12, 31),
        ),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    dpa.refresh_from_db()
    assert dpa.expires_on == dt.date(2025, 12, 31)


def test_the_admin_cannot_upload_a_file_past_the_content_check(client, administrator):
    client.force_login(administrator)

    page = client.get(reverse("admin:vendors_evidence_add")).content.decode()

    assert 'name="file"' not in page
