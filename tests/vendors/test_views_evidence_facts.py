"""The evidence facts on the pages: the vendor page states each weak or disqualifying fact in
plain words, and the evidence form asks whether the scope covers the AI service."""

import datetime as dt
import importlib

import pytest
from django.urls import reverse

from tests.vendors.factories import EvidenceFactory
from vendors.models import Evidence, EvidenceKind
from vendors.services import evidence_expiry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False)


def test_the_vendor_page_states_each_weak_and_disqualifying_fact(client, reviewer, vendor):
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.SOC2, soc2_type="type1", opinion="unqualified",
        period_start=dt.date(2025, 3, 1), period_end=dt.date(2025, 3, 1), covers_ai_service=True,
    )  # fmt: skip
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.DPA, signed_date=dt.date(2025, 1, 1),
        gdpr_art28_terms=False, breach_notification_hours=168, transfer_mechanism="sccs",
    )  # fmt: skip
    client.force_login(reviewer)

    page = client.get(vendor.get_absolute_url()).content.decode()

    assert "A SOC 2 Type I report checks the design of controls on one date" in page
    assert "The agreement has no GDPR Art. 28(3) terms." in page
    assert "commits to notify a breach only within 168 hours" in page
    assert page.count('data-testid="evidence-issues"') == 2
    # Neither counts as core evidence, and the page says why.
    assert "SOC 2 or ISO 27001: Not accepted" in page
    assert "Data processing agreement: Disqualified" in page
    assert (
        "The data processing agreement is disqualified: the agreement has no GDPR Art. 28(3) "
        "terms." in page
    )


def test_a_weak_record_still_counts_and_says_it_is_weak(client, reviewer, vendor):
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.DPA, signed_date=dt.date(2025, 1, 1),
        gdpr_art28_terms=True, breach_notification_hours=None, transfer_mechanism="sccs",
    )  # fmt: skip
    client.force_login(reviewer)

    page = client.get(vendor.get_absolute_url()).content.decode()

    assert "Data processing agreement: Current (weak)" in page
    assert "No commitment to notify us of a breach within a set time is recorded." in page


def test_a_sound_record_shows_no_issue(client, reviewer, vendor):
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.TRAINING, training_default="never",
        no_training_commitment=True, document_date=dt.date(2025, 1, 1),
    )  # fmt: skip
    client.force_login(reviewer)

    page = client.get(vendor.get_absolute_url()).content.decode()

    assert "Training-data use: Current" in page
    assert 'data-testid="evidence-issues"' not in page


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("soc2", "Audited scope includes the AI service"),
        ("iso27001", "Certified scope includes the AI service"),
        ("iso42001", "Certified scope includes the AI service"),
    ],
)
def test_the_evidence_form_asks_whether_the_scope_covers_the_ai_service(
    client, reviewer, vendor, kind, label
):
    client.force_login(reviewer)

    form = client.get(reverse("evidence_create", args=[vendor.pk, kind])).content.decode()

    assert label in form
    assert 'name="covers_ai_service"' in form


def test_the_evidence_form_records_the_scope(client, reviewer, vendor):
    client.force_login(reviewer)

    response = client.post(
        reverse("evidence_create", args=[vendor.pk, "iso27001"]),
        {
            "certification_body": "BSI", "issue_date": "2024-01-01", "expiry_date": "2027-01-01",
            "covers_ai_service": "false",
        },
    )  # fmt: skip

    assert response.status_code == 302
    assert Evidence.objects.get(vendor=vendor).covers_ai_service is False


# --- The data migration's copy of the rule -----------------------------------------------------

migration = importlib.import_module("vendors.migrations.0009_evidence_default_validity")

RECORDED = dt.datetime(2023, 2, 3, 12, 0, tzinfo=dt.UTC)
EXAMPLES = [
    {"kind": kind, **facts}
    for kind in EvidenceKind.values
    for facts in (
        {},
        {"recorded_at": RECORDED},
        {"document_date": dt.date(2019, 4, 1), "recorded_at": RECORDED},
        {"valid_until": dt.date(2026, 1, 31), "document_date": dt.date(2025, 1, 31)},
        {"signed_date": dt.date(2024, 2, 29)},
        {"period_end": dt.date(2024, 8, 31), "expiry_date": dt.date(2026, 4, 30)},
    )
]


@pytest.mark.parametrize("fields", EXAMPLES)
def test_the_data_migration_computes_the_same_expiry_as_the_service(fields):
    evidence = Evidence(**fields)

    assert migration.expiry(evidence, dt.date(2025, 6, 15)) == evidence_expiry(evidence)
