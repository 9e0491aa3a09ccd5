import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.vendors.factories import VendorFactory
from vendors import services
from vendors.models import (
    DataClass,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Vendor,
    evidence_status,
)
from vendors.services import add_months, evidence_expiry

TODAY = dt.date(2025, 6, 15)


# --- evidence_status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "status"),
    [
        (TODAY - dt.timedelta(days=1), EvidenceStatus.EXPIRED),
        (TODAY, EvidenceStatus.EXPIRING),
        (TODAY + dt.timedelta(days=1), EvidenceStatus.EXPIRING),
        (TODAY + dt.timedelta(days=60), EvidenceStatus.EXPIRING),
        (TODAY + dt.timedelta(days=61), EvidenceStatus.CURRENT),
        (None, EvidenceStatus.CURRENT),
    ],
    ids=["yesterday", "today", "tomorrow", "in-60-days", "in-61-days", "no-expiry"],
)
def test_status_changes_at_the_expiry_boundaries(expires_on, status):
    assert evidence_status(expires_on, TODAY) == status


def test_status_defaults_to_today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 12, 0), tick=False)

    assert evidence_status(dt.date(2025, 6, 14)) == EvidenceStatus.EXPIRED
    assert evidence_status(dt.date(2025, 6, 15)) == EvidenceStatus.EXPIRING
    assert Evidence(expires_on=dt.date(2025, 8, 15)).status() == EvidenceStatus.CURRENT


# --- evidence_expiry --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_end", "expires_on"),
    [
        (dt.date(2025, 3, 31), dt.date(2026, 3, 31)),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
        (dt.date(2024, 8, 31), dt.date(2025, 8, 31)),
        (dt.date(2024, 12, 31), dt.date(2025, 12, 31)),
    ],
    ids=["31-march", "29-february", "31-august", "31-december"],
)
def test_a_soc2_report_goes_stale_twelve_months_after_its_period_ends(period_end, expires_on):
    soc2 = Evidence(
        kind=EvidenceKind.SOC2, period_start=period_end - dt.timedelta(days=180),
        period_end=period_end,
    )  # fmt: skip

    assert evidence_expiry(soc2) == expires_on


def test_a_soc2_report_ignores_a_stated_validity():
    soc2 = Evidence(
        kind=EvidenceKind.SOC2, period_end=dt.date(2025, 3, 31), valid_until=dt.date(2030, 1, 1)
    )

    assert evidence_expiry(soc2) == dt.date(2026, 3, 31)


def test_a_soc2_report_without_a_period_end_has_no_expiry():
    assert evidence_expiry(Evidence(kind=EvidenceKind.SOC2)) is None


@pytest.mark.parametrize("kind", [EvidenceKind.ISO27001, EvidenceKind.ISO42001])
def test_an_iso_certificate_expires_on_its_expiry_date(kind):
    certificate = Evidence(
        kind=kind, issue_date=dt.date(2023, 5, 1), expiry_date=dt.date(2026, 4, 30)
    )

    assert evidence_expiry(certificate) == dt.date(2026, 4, 30)


def test_an_iso_certificate_without_an_expiry_date_has_none():
    assert evidence_expiry(Evidence(kind=EvidenceKind.ISO27001)) is None


@pytest.mark.parametrize("kind", [EvidenceKind.PENTEST, EvidenceKind.RED_TEAM])
def test_a_pentest_counts_for_a_year_after_its_document_date(kind):
    report = Evidence(kind=kind, document_date=dt.date(2024, 2, 29))

    assert evidence_expiry(report) == dt.date(2025, 2, 28)


def test_a_pentest_that_states_its_validity_expires_then():
    pentest = Evidence(
        kind=EvidenceKind.PENTEST,
        document_date=dt.date(2025, 1, 10),
        valid_until=dt.date(2025, 7, 10),
    )

    assert evidence_expiry(pentest) == dt.date(2025, 7, 10)


def test_an_undated_pentest_counts_for_12_months_from_the_day_it_is_recorded(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False)
    assert evidence_expiry(Evidence(kind=EvidenceKind.PENTEST)) == add_months(
        dt.date(2026, 3, 10), 12
    )


def test_a_dpa_expires_when_its_validity_ends():
    dpa = Evidence(
        kind=EvidenceKind.DPA, signed_date=dt.date(2024, 1, 1), valid_until=dt.date(2027, 1, 1)
    )

    assert evidence_expiry(dpa) == dt.date(2027, 1, 1)


def test_a_dpa_without_a_validity_counts_for_36_months_after_it_was_signed():
    dpa = Evidence(kind=EvidenceKind.DPA, signed_date=dt.date(2024, 2, 29))

    assert evidence_expiry(dpa) == dt.date(2027, 2, 28)


def test_an_unsigned_dpa_without_a_validity_counts_for_36_months_after_it_was_recorded():
    dpa = Evidence(kind=EvidenceKind.DPA, recorded_at=dt.datetime(2024, 5, 2, 9, 0, tzinfo=dt.UTC))

    assert evidence_expiry(dpa) == dt.date(2027, 5, 2)


DEFAULT_YEAR_KINDS = [
    EvidenceKind.RETENTION, EvidenceKind.ENCRYPTION, EvidenceKind.TRAINING,
    EvidenceKind.SUBPROCESSORS, EvidenceKind.MODEL_CARD, EvidenceKind.OTHER,
]  # fmt: skip


@pytest.mark.parametrize("kind", DEFAULT_YEAR_KINDS)
def test_other_documents_without_a_validity_count_for_a_year_after_their_date(kind):
    document = Evidence(kind=kind, document_date=dt.date(2024, 8, 31))

    assert evidence_expiry(document) == dt.date(2025, 8, 31)


@pytest.mark.parametrize("kind", DEFAULT_YEAR_KINDS)
def test_other_documents_keep_the_validity_they_state(kind):
    document = Evidence(
        kind=kind, document_date=dt.date(2019, 1, 1), valid_until=dt.date(2030, 1, 1)
    )

    assert evidence_expiry(document) == dt.date(2030, 1, 1)


def test_an_undated_document_counts_for_a_year_after_it_was_recorded():
    policy = Evidence(
        kind=EvidenceKind.MODEL_CARD, recorded_at=dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)
    )

    assert evidence_expiry(policy) == dt.date(2025, 3, 1)


def test_an_undated_document_not_yet_recorded_counts_for_a_year_from_today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC), tick=False)

    assert evidence_expiry(Evidence(kind=EvidenceKind.OTHER)) == dt.date(2026, 6, 15)


def test_a_sub_processor_list_of_2019_is_expired(reviewer, time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC), tick=False)
    vendor = VendorFactory()

    listing = services.evidence_create(
        vendor=vendor, kind=EvidenceKind.SUBPROCESSORS, recorded_by=reviewer,
        title="Sub-processors", document_date=dt.date(2019, 4, 1),
    )  # fmt: skip

    assert listing.expires_on == dt.date(2020, 4, 1)
    assert listing.status() == EvidenceStatus.EXPIRED
    assert Vendor.objects.get(pk=vendor.pk).evidence_expired is True


# --- DataClass --------------------------------------------------------------------------------


def test_data_classes_rank_from_public_to_restricted():
    ranks = [DataClass.rank(c) for c in ("public", "internal", "confidential", "restricted")]

    assert ranks == [0, 1, 2, 3]


def test_the_highest_data_class_is_the_most_sensitive():
    assert DataClass.highest(["internal", "restricted", "public"]) == DataClass.RESTRICTED
    assert DataClass.highest(["confidential"]) == DataClass.CONFIDENTIAL


def test_no_data_classes_have_no_highest():
    assert DataClass.highest([]) is None
    assert Vendor(data_classes=[]).highest_data_class is None


def test_a_vendor_knows_its_highest_data_class():
    assert Vendor(data_classes=["public", "confidential"]).highest_data_class == "confidential"


# --- Vendor name uniqueness -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_vendor_name_that_differs_only_in_case():
    VendorFactory(name="Acme AI")

    with pytest.raises(IntegrityError), transaction.atomic():
        VendorFactory(name="ACME ai")

    assert Vendor.objects.count() == 1


@pytest.mark.django_db
def test_vendor_names_that_differ_by_more_than_case_may_coexist():
    VendorFactory(name="Acme AI")
    VendorFactory(name="Acme AI Labs")

    assert Vendor.objects.count() == 2
