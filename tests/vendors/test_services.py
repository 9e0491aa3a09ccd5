import datetime as dt
import hashlib
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors import services
from vendors.models import Evidence, EvidenceKind, EvidenceStatus, Vendor, VendorStatus
from vendors.selectors import (
    core_evidence_status,
    vendor_history,
    vendor_list,
    with_evidence_summary,
)

TODAY = dt.date(2025, 6, 15)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_SIGNATURE = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test its own MEDIA_ROOT: vendor ids repeat between tests, so folders would too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0), tick=False)
    return TODAY


def create_vendor(by, **fields) -> Vendor:
    return services.vendor_create(
        created_by=by,
        **{
            "name": "Acme AI",
            "service_type": "llm_api",
            "data_classes": ["internal"],
            "criticality": "medium",
            **fields,
        },
    )


def create_soc2(vendor, by, **facts) -> Evidence:
    return services.evidence_create(
        vendor=vendor,
        kind=EvidenceKind.SOC2,
        recorded_by=by,
        **{
            "soc2_type": "type2",
            "period_start": dt.date(2024, 4, 1),
            "period_end": dt.date(2025, 3, 31),
            "auditor": "Ledger & Lamp LLP",
            "opinion": "unqualified",
            **facts,
        },
    )


def pdf(name="SOC 2 report 2025.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_path(evidence: Evidence) -> Path:
    return Path(settings.MEDIA_ROOT) / evidence.file.name


def entries_for(instance) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(instance).order_by("pk"))


# --- Vendors: audit entries -------------------------------------------------------------------


def test_creating_a_vendor_records_who_created_it_and_its_values(reviewer):
    vendor = create_vendor(reviewer, data_classes=["restricted", "internal"])

    [entry] = entries_for(vendor)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == reviewer
    assert entry.changes["name"] == ["None", "Acme AI"]
    assert entry.changes["data_classes"][1] == "Internal, Restricted"
    assert entry.additional_data == {"vendor_id": vendor.pk}


def test_creating_a_vendor_gives_it_a_unique_slug(reviewer):
    first = create_vendor(reviewer, name="Acme AI")
    second = create_vendor(reviewer, name="Acme: AI")

    assert (first.slug, second.slug) == ("acme-ai", "acme-ai-2")


def test_creating_a_vendor_refuses_a_name_taken_in_another_case(reviewer):
    create_vendor(reviewer, name="Acme AI")

    with pytest.raises(ValidationError, match="A vendor with this name already exists."):
        create_vendor(reviewer, name="ACME AI")

    assert Vendor.objects.count() == 1


def test_updating_a_vendor_records_the_changed_fields_with_old_and_new_values(reviewer, lead):
    vendor = create_vendor(reviewer)

    services.vendor_update(
        vendor, changed_by=lead, name="Acme Intelligence", data_classes=["internal", "restricted"]
    )

    entry = entries_for(vendor)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == lead
    assert entry.changes == {
        "name": ["Acme AI", "Acme Intelligence"],
        "slug": ["acme-ai", "acme-intelligence"],
        "data_classes": ["Internal", "Internal, Restricted"],
    }
    assert entry.additional_data == {"vendor_id": vendor.pk}


def test_an_update_that_changes_nothing_records_nothing(reviewer, lead):
    vendor = create_vendor(reviewer)

    services.vendor_update(vendor, changed_by=lead, name="Acme AI", criticality="medium")

    assert len(entries_for(vendor)) == 1


def test_retiring_a_vendor_records_the_status_change(reviewer, lead):
    vendor = create_vendor(reviewer)

    services.vendor_retire(vendor, retired_by=lead)

    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.RETIRED
    entry = entries_for(vendor)[-1]
    assert entry.actor == lead
    assert entry.changes == {"status": ["proposed", "retired"]}
    assert entry.additional_data == {"vendor_id": vendor.pk}


def test_deleting_a_vendor_records_the_deletion_of_it_and_its_evidence(
    reviewer, administrator, django_capture_on_commit_callbacks
):
    vendor = create_vendor(reviewer)
    soc2 = create_soc2(vendor, reviewer, file=pdf())
    vendor_id, soc2_id, path = vendor.pk, soc2.pk, stored_path(soc2)

    with django_capture_on_commit_callbacks(execute=True):
        services.vendor_delete(vendor, deleted_by=administrator)

    assert not Vendor.objects.filter(pk=vendor_id).exists()
    assert not Evidence.objects.filter(pk=soc2_id).exists()
    assert not path.exists()
    deletions = LogEntry.objects.filter(action=LogEntry.Action.DELETE).order_by("pk")
    assert [(e.content_type.model, e.object_id, e.actor) for e in deletions] == [
        ("evidence", soc2_id, administrator),
        ("vendor", vendor_id, administrator),
    ]
    assert all(e.additional_data == {"vendor_id": vendor_id} for e in deletions)


# --- Evidence: audit entries ------------------------------------------------------------------


def test_creating_evidence_records_who_recorded_it_and_its_facts(reviewer):
    vendor = create_vendor(reviewer)

    soc2 = create_soc2(vendor, reviewer)

    [entry] = entries_for(soc2)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == reviewer
    assert entry.changes["kind"] == ["None", "soc2"]
    assert entry.changes["period_end"] == ["None", "2025-03-31"]
    assert entry.changes["expires_on"] == ["None", "2026-03-31"]
    assert entry.additional_data == {"vendor_id": vendor.pk}


def test_creating_evidence_derives_its_expiry_from_its_facts(reviewer):
    soc2 = create_soc2(
        create_vendor(reviewer), reviewer,
        period_start=dt.date(2023, 8, 1), period_end=dt.date(2024, 7, 31),
    )  # fmt: skip

    assert soc2.expires_on == dt.date(2025, 7, 31)
    assert soc2.status() == EvidenceStatus.EXPIRING


def test_creating_evidence_refuses_facts_of_another_kind(reviewer):
    vendor = create_vendor(reviewer)

    with pytest.raises(ValueError, match="Not facts of soc2: expiry_date"):
        create_soc2(vendor, reviewer, expiry_date=dt.date(2026, 1, 1))

    assert not Evidence.objects.exists()


def test_updating_evidence_records_the_changed_facts_and_the_new_expiry(reviewer, lead):
    soc2 = create_soc2(create_vendor(reviewer), reviewer)

    services.evidence_update(
        soc2, changed_by=lead, period_end=dt.date(2025, 4, 30), auditor="Abacus & Co"
    )

    entry = entries_for(soc2)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == lead
    assert entry.changes == {
        "period_end": ["2025-03-31", "2025-04-30"],
        "auditor": ["Ledger & Lamp LLP", "Abacus & Co"],
        "expires_on": ["2026-03-31", "2026-04-30"],
    }
    assert entry.additional_data == {"vendor_id": soc2.vendor_id}


def test_deleting_evidence_records_who_deleted_it(reviewer, lead):
    vendor = create_vendor(reviewer)
    soc2 = create_soc2(vendor, reviewer)
    soc2_id = soc2.pk

    services.evidence_delete(soc2, deleted_by=lead)

    entry = LogEntry.objects.get(action=LogEntry.Action.DELETE)
    assert (entry.content_type.model, entry.object_id) == ("evidence", soc2_id)
    assert entry.actor == lead
    assert entry.additional_data == {"vendor_id": vendor.pk}


# --- vendor_history ---------------------------------------------------------------------------


def test_history_holds_the_vendors_entries_and_its_evidences_newest_first(reviewer, lead):
    vendor = create_vendor(reviewer)
    soc2 = create_soc2(vendor, reviewer)
    dpa = services.evidence_create(
        vendor=vendor, kind=EvidenceKind.DPA, recorded_by=reviewer, signed_date=dt.date(2024, 1, 1)
    )
    dpa_id = dpa.pk
    services.vendor_update(vendor, changed_by=lead, criticality="high")
    services.evidence_delete(dpa, deleted_by=lead)
    other = create_vendor(reviewer, name="Other AI")
    create_soc2(other, reviewer)

    history = [
        (e.content_type.model, e.object_id, e.action, e.actor) for e in vendor_history(vendor)
    ]

    assert history == [
        ("evidence", dpa_id, LogEntry.Action.DELETE, lead),
        ("vendor", vendor.pk, LogEntry.Action.UPDATE, lead),
        ("evidence", dpa_id, LogEntry.Action.CREATE, reviewer),
        ("evidence", soc2.pk, LogEntry.Action.CREATE, reviewer),
        ("vendor", vendor.pk, LogEntry.Action.CREATE, reviewer),
    ]


def test_history_outlives_the_deleted_vendor(reviewer, administrator):
    vendor = create_vendor(reviewer)
    create_soc2(vendor, reviewer)
    vendor_id = vendor.pk

    services.vendor_delete(vendor, deleted_by=administrator)

    assert vendor_history(Vendor(pk=vendor_id)).count() == 4


def test_history_is_read_through_its_index_however_long_the_audit_trail(reviewer):
    """At 172,000 audit entries, the index is what keeps the vendor page at milliseconds
    (docs/performance.md); the query must filter on the exact expression it indexes."""
    vendor = create_vendor(reviewer)
    create_soc2(vendor, reviewer)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a tiny table is cheaper to scan: ask for the index
            cursor.execute("SET LOCAL enable_seqscan = off")

    plan = vendor_history(vendor).explain()

    assert "vendors_logentry_vendor_id_idx" in plan


# --- Evidence files ---------------------------------------------------------------------------


def test_a_file_is_stored_under_a_generated_name_with_its_facts(reviewer):
    vendor = create_vendor(reviewer)

    soc2 = create_soc2(vendor, reviewer, file=pdf("SOC 2 report 2025.pdf"))

    assert soc2.file.name.startswith(f"evidence/{vendor.pk}/")
    assert soc2.file.name.endswith(".pdf")
    assert "SOC" not in soc2.file.name
    assert stored_path(soc2).is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored_path(soc2).read_bytes() == PDF
    assert soc2.file_name == "SOC 2 report 2025.pdf"
    assert soc2.file_size == len(PDF)
    assert soc2.file_sha256 == hashlib.sha256(PDF).hexdigest()
    assert soc2.file_content_type == "application/pdf"


def test_two_files_of_the_same_name_are_stored_apart(reviewer):
    vendor = create_vendor(reviewer)

    first = create_soc2(vendor, reviewer, file=pdf("report.pdf"))
    second = create_soc2(vendor, reviewer, file=pdf("report.pdf", PDF + b"\n"))

    assert first.file.name != second.file.name
    assert stored_path(first).read_bytes() == PDF


def test_a_refused_file_saves_neither_the_evidence_nor_the_file(reviewer):
    vendor = create_vendor(reviewer)

    with pytest.raises(ValidationError, match="content is a PNG image"):
        create_soc2(vendor, reviewer, file=pdf("report.pdf", PNG_SIGNATURE))

    assert not Evidence.objects.exists()
    folder = Path(settings.MEDIA_ROOT) / "evidence" / str(vendor.pk)
    assert not folder.exists() or not any(folder.iterdir())


def test_deleting_evidence_removes_its_file_once_the_transaction_commits(
    reviewer, django_capture_on_commit_callbacks
):
    soc2 = create_soc2(create_vendor(reviewer), reviewer, file=pdf())
    path = stored_path(soc2)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.evidence_delete(soc2, deleted_by=reviewer)
        assert path.exists()

    assert len(callbacks) == 1
    assert not path.exists()


def test_replacing_a_file_removes_the_old_one_once_the_transaction_commits(
    reviewer, django_capture_on_commit_callbacks
):
    soc2 = create_soc2(create_vendor(reviewer), reviewer, file=pdf("old.pdf"))
    old_path = stored_path(soc2)

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_update(soc2, changed_by=reviewer, file=pdf("new.pdf", PDF + b"\n"))

    assert not old_path.exists()
    assert stored_path(soc2).read_bytes() == PDF + b"\n"
    assert soc2.file_name == "new.pdf"


def test_removing_a_file_clears_its_facts_and_deletes_it_after_commit(
    reviewer, django_capture_on_commit_callbacks
):
    soc2 = create_soc2(create_vendor(reviewer), reviewer, file=pdf())
    path = stored_path(soc2)

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_update(soc2, changed_by=reviewer, remove_file=True)

    soc2.refresh_from_db()
    assert not soc2.file
    assert (soc2.file_name, soc2.file_sha256, soc2.file_size) == ("", "", None)
    assert not path.exists()


# --- with_evidence_summary and core_evidence_status -------------------------------------------


CORE_KEYS = ("assurance", "dpa", "retention", "encryption", "training")


def summary(vendor) -> Vendor:
    """The summary computed from the evidence; on the way, checks that the summary stored on
    the vendor (which the list and the dashboard read) says the same."""
    computed = with_evidence_summary(Vendor.objects.filter(pk=vendor.pk)).get()
    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.evidence_expired, stored.evidence_expiring, stored.evidence_missing_core) == (
        computed.has_expired_evidence,
        computed.has_expiring_evidence,
        not all(getattr(computed, f"has_{key}") for key in CORE_KEYS),
    )
    return computed


def soc2_ending(vendor, period_end) -> Evidence:
    return EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.SOC2, soc2_type="type2", opinion="unqualified",
        period_start=period_end - dt.timedelta(days=365), period_end=period_end,
    )  # fmt: skip


def dpa_until(vendor, valid_until) -> Evidence:
    return EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.DPA, signed_date=dt.date(2024, 1, 1),
        valid_until=valid_until,
    )  # fmt: skip


def test_an_expired_soc2_superseded_by_a_current_one_is_not_flagged():
    vendor = VendorFactory()
    soc2_ending(vendor, dt.date(2024, 3, 31))  # stale since 2025-03-31
    soc2_ending(vendor, dt.date(2025, 3, 31))  # current until 2026-03-31

    assert summary(vendor).has_expired_evidence is False
    assert summary(vendor).has_assurance is True


def test_an_expired_soc2_on_its_own_is_flagged_and_does_not_count():
    vendor = VendorFactory()
    soc2_ending(vendor, dt.date(2024, 3, 31))

    assert summary(vendor).has_expired_evidence is True
    assert summary(vendor).has_assurance is False


def test_an_expired_soc2_superseded_by_an_expiring_one_is_only_expiring():
    vendor = VendorFactory()
    soc2_ending(vendor, dt.date(2024, 3, 31))
    soc2_ending(vendor, dt.date(2024, 7, 31))  # stale on 2025-07-31, within 60 days

    assert summary(vendor).has_expired_evidence is False
    assert summary(vendor).has_expiring_evidence is True


def test_an_expired_soc2_is_not_superseded_by_evidence_of_another_kind():
    vendor = VendorFactory()
    soc2_ending(vendor, dt.date(2024, 3, 31))
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.ISO27001, certification_body="BSI",
        issue_date=dt.date(2024, 1, 1), expiry_date=dt.date(2027, 1, 1),
    )  # fmt: skip

    assert summary(vendor).has_expired_evidence is True
    assert summary(vendor).has_assurance is True


def test_evidence_expiring_within_60_days_is_flagged():
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=60))

    assert summary(vendor).has_expiring_evidence is True
    assert summary(vendor).has_expired_evidence is False
    assert summary(vendor).has_dpa is True


def test_evidence_expiring_today_is_flagged_as_expiring_not_expired():
    vendor = VendorFactory()
    dpa_until(vendor, TODAY)

    assert summary(vendor).has_expiring_evidence is True
    assert summary(vendor).has_expired_evidence is False


def test_evidence_expiring_in_61_days_is_not_flagged():
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=61))

    assert summary(vendor).has_expiring_evidence is False


@pytest.mark.parametrize(
    "renewed_until", [TODAY + dt.timedelta(days=400), None], ids=["later-expiry", "no-expiry"]
)
def test_expiring_evidence_superseded_by_a_longer_lasting_record_is_not_flagged(renewed_until):
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=30))
    dpa_until(vendor, renewed_until)

    assert summary(vendor).has_expiring_evidence is False


def test_two_expiring_records_of_a_kind_are_still_flagged():
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=10))
    dpa_until(vendor, TODAY + dt.timedelta(days=50))

    assert summary(vendor).has_expiring_evidence is True


def test_a_vendor_without_evidence_misses_every_core_kind():
    annotated = summary(VendorFactory())

    assert not any(getattr(annotated, f"has_{key}") for key in CORE_KEYS)
    assert (annotated.has_expired_evidence, annotated.has_expiring_evidence) == (False, False)


def give_core_evidence(vendor, *, training_valid_until) -> None:
    soc2_ending(vendor, dt.date(2025, 3, 31))
    dpa_until(vendor, None)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.RETENTION)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.ENCRYPTION)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.TRAINING, valid_until=training_valid_until)


def test_vendors_missing_a_core_kind_are_found_and_complete_ones_are_not():
    complete = VendorFactory(name="Complete")
    give_core_evidence(complete, training_valid_until=TODAY)  # still counts today
    lacking = VendorFactory(name="Lacking")
    give_core_evidence(lacking, training_valid_until=TODAY - dt.timedelta(days=1))

    assert list(Vendor.objects.filter(evidence_missing_core=True)) == [lacking]
    assert summary(lacking).has_training is False
    assert summary(lacking).has_dpa is True


def test_evidence_of_another_vendor_does_not_count():
    vendor, other = VendorFactory(), VendorFactory()
    soc2_ending(other, dt.date(2024, 3, 31))
    dpa_until(other, TODAY + dt.timedelta(days=5))

    annotated = summary(vendor)

    assert (annotated.has_expired_evidence, annotated.has_expiring_evidence) == (False, False)
    assert annotated.has_dpa is False


def test_the_summary_defaults_to_today():
    vendor = VendorFactory()
    dpa_until(vendor, dt.date(2025, 6, 14))

    assert summary(vendor).has_expired_evidence is True
    on_the_day = Vendor.objects.filter(pk=vendor.pk)
    assert with_evidence_summary(on_the_day, today=dt.date(2025, 6, 14)).get().has_expiring_evidence


def test_the_vendor_list_is_one_query_however_many_vendors(django_assert_num_queries):
    for n in range(3):
        vendor = VendorFactory()
        soc2_ending(vendor, dt.date(2024 + n % 2, 3, 31))
        dpa_until(vendor, TODAY + dt.timedelta(days=10 * n))

    with django_assert_num_queries(1):
        rows = [(v.name, v.evidence_expired, v.evidence_missing_core) for v in vendor_list()]

    assert len(rows) == 3


# --- the stored evidence summary --------------------------------------------------------------


def stored(vendor) -> tuple[bool, bool, bool]:
    vendor = Vendor.objects.get(pk=vendor.pk)
    return vendor.evidence_expired, vendor.evidence_expiring, vendor.evidence_missing_core


def test_the_stored_summary_follows_evidence_recorded_changed_and_deleted(reviewer):
    vendor = VendorFactory()
    assert stored(vendor) == (False, False, True)

    dpa = services.evidence_create(
        vendor=vendor, kind=EvidenceKind.DPA, recorded_by=reviewer, signed_date=dt.date(2024, 1, 1),
        valid_until=TODAY + dt.timedelta(days=20),
    )  # fmt: skip
    assert stored(vendor) == (False, True, True)

    services.evidence_update(dpa, changed_by=reviewer, valid_until=TODAY - dt.timedelta(days=1))
    assert stored(vendor) == (True, False, True)

    services.evidence_delete(dpa, deleted_by=reviewer)
    assert stored(vendor) == (False, False, True)


def test_a_summary_of_an_earlier_day_is_recomputed_by_the_next_refresh(time_machine):
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=10))
    assert stored(vendor) == (False, True, True)
    assert services.evidence_summary_refresh() == 0  # already of today

    time_machine.move_to(dt.datetime(2025, 7, 1, 9, 0), tick=False)  # the DPA ran out on 25 June

    assert services.evidence_summary_refresh() == 1
    assert stored(vendor) == (True, False, True)
    assert Vendor.objects.get(pk=vendor.pk).evidence_summary_on == dt.date(2025, 7, 1)


def test_a_refresh_with_nothing_stale_is_one_query_and_writes_nothing(django_assert_num_queries):
    VendorFactory.create_batch(3)
    services.evidence_summary_refresh()

    with django_assert_num_queries(1):
        assert services.evidence_summary_refresh() == 0


def test_saving_a_vendor_keeps_the_summary_its_evidence_gave_it(reviewer):
    vendor = VendorFactory()
    held = Vendor.objects.get(pk=vendor.pk)  # a form loaded before the evidence came in
    dpa_until(vendor, TODAY - dt.timedelta(days=3))

    services.vendor_update(held, changed_by=reviewer, description="Now with a description.")

    assert stored(vendor) == (True, False, True)
    assert Vendor.objects.get(pk=vendor.pk).description == "Now with a description."


def test_the_summary_does_not_clutter_the_vendors_history(reviewer):
    vendor = services.vendor_create(
        created_by=reviewer, name="Quiet Vendor", service_type="llm_api", data_classes=["internal"],
        criticality="low",
    )  # fmt: skip
    dpa_until(vendor, TODAY + dt.timedelta(days=10))
    services.evidence_summary_refresh(vendor_ids=[vendor.pk], today=TODAY + dt.timedelta(days=90))

    vendor_entries = LogEntry.objects.get_for_object(vendor)
    assert vendor_entries.count() == 1  # the creation only
    assert not any(key.startswith("evidence_") for key in vendor_entries.get().changes_dict)


def test_core_status_takes_the_best_record_of_each_core_kind():
    vendor = VendorFactory()
    soc2_ending(vendor, dt.date(2024, 3, 31))  # expired
    iso = EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.ISO27001, certification_body="BSI",
        issue_date=dt.date(2024, 1, 1), expiry_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    dpa_until(vendor, dt.date(2025, 1, 1))  # expired
    expiring_dpa = dpa_until(vendor, TODAY + dt.timedelta(days=20))
    expired_training = EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.TRAINING, valid_until=dt.date(2025, 5, 1)
    )
    EvidenceFactory(  # of two expired records, the later one is shown
        vendor=vendor, kind=EvidenceKind.TRAINING, valid_until=dt.date(2024, 5, 1)
    )

    rows = core_evidence_status(list(vendor.evidence.all()))

    assert [(r["key"], r["status"], r["record"]) for r in rows] == [
        ("assurance", EvidenceStatus.CURRENT, iso),
        ("dpa", EvidenceStatus.EXPIRING, expiring_dpa),
        ("retention", EvidenceStatus.MISSING, None),
        ("encryption", EvidenceStatus.MISSING, None),
        ("training", EvidenceStatus.EXPIRED, expired_training),
    ]


def test_core_status_prefers_a_record_without_expiry_over_one_that_expires():
    vendor = VendorFactory()
    dpa_until(vendor, TODAY + dt.timedelta(days=900))
    # Every kind has a validity now; a record stored without one still counts as lasting.
    open_ended = EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.DPA, signed_date=dt.date(2024, 1, 1), expires_on=None
    )

    [_, dpa_row, *_] = core_evidence_status(list(vendor.evidence.all()), today=TODAY)

    assert (dpa_row["status"], dpa_row["record"]) == (EvidenceStatus.CURRENT, open_ended)


# --- vendor_counts (the dashboard's vendor numbers) -------------------------------------------


def test_reassessments_are_counted_in_the_month_they_are_due_for_twelve_months():
    from vendors.selectors import vendor_counts

    for due, status in [
        (dt.date(2025, 6, 1), "approved"),  # this month, before today: still this month's
        (dt.date(2025, 6, 30), "approved"),
        (dt.date(2025, 7, 31), "approved_with_conditions"),
        (dt.date(2026, 5, 31), "approved"),  # the twelfth month
        (dt.date(2026, 6, 1), "approved"),  # beyond the chart
        (dt.date(2025, 7, 1), "retired"),  # nobody reassesses these
        (dt.date(2025, 7, 2), "rejected"),
    ]:
        VendorFactory(next_reassessment_date=due, status=status)

    months = vendor_counts(TODAY)["months"]

    assert [first for first, _ in months][:2] == [dt.date(2025, 6, 1), dt.date(2025, 7, 1)]
    assert len(months) == 12
    assert dict(months) == {
        **{first: 0 for first, _ in months},
        dt.date(2025, 6, 1): 2, dt.date(2025, 7, 1): 1, dt.date(2026, 5, 1): 1,
    }  # fmt: skip
