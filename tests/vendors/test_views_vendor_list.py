import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vendors import services
from vendors.models import Evidence, Vendor


def make_vendors(count: int, start: int = 0, **overrides) -> list[Vendor]:
    """Many vendors at once, each with one current and one expired piece of evidence."""
    today = dt.date.today()
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(
                name=f"Vendor {i:04d}",
                slug=f"vendor-{i:04d}",
                service_type=["llm_api", "ai_saas", "agent_platform"][i % 3],
                criticality=["low", "medium", "high"][i % 3],
                data_classes=["internal"] if i % 2 else ["public", "confidential"],
                **overrides,
            )
            for i in range(start, start + count)
        ]
    )
    Evidence.objects.bulk_create(
        [Evidence(vendor=v, kind="dpa", expires_on=None) for v in vendors]
        + [
            Evidence(vendor=v, kind="soc2", expires_on=today - dt.timedelta(days=3))
            for v in vendors
        ]
    )
    return vendors


def list_page(client, **params):
    return client.get(reverse("vendor_list"), params)


def names(response) -> list[str]:
    return [v.name for v in response.context["page"].object_list]


def test_the_empty_list_invites_registering_the_first_vendor(client, reviewer):
    client.force_login(reviewer)
    page = list_page(client).content.decode()
    assert "No AI vendors are on record yet." in page
    assert "Register the first vendor" in page


def test_procurement_sees_no_register_button(client, procurement, vendor):
    client.force_login(procurement)
    page = list_page(client).content.decode()
    assert "Quillnote AI" in page
    assert "Register a vendor" not in page


def test_search_looks_in_name_description_and_models(client, reviewer, vendor):
    other = services.vendor_create(
        created_by=reviewer, name="Harbor Vector", service_type="model_hosting",
        model_providers="open-weight 70B model", data_classes=["public"], criticality="low",
    )  # fmt: skip
    client.force_login(reviewer)
    assert names(list_page(client, q="quill")) == [vendor.name]
    assert names(list_page(client, q="summarised")) == [vendor.name]
    assert names(list_page(client, q="70B")) == [other.name]
    page = list_page(client, q="nothing like this").content.decode()
    assert "No vendor matches these filters." in page


def test_filters_combine(client, reviewer, vendor):
    services.vendor_create(
        created_by=reviewer, name="Harbor Vector", service_type="model_hosting",
        data_classes=["public"], criticality="high", status="in_review",
    )  # fmt: skip
    client.force_login(reviewer)
    assert names(list_page(client, data_class="confidential")) == ["Quillnote AI"]
    assert names(list_page(client, data_class="public")) == ["Harbor Vector"]
    assert names(list_page(client, status="in_review", criticality="high")) == ["Harbor Vector"]
    assert names(list_page(client, service_type="ai_saas", tier="none")) == ["Quillnote AI"]
    assert names(list_page(client, status="in_review", service_type="ai_saas")) == []


def test_the_evidence_filter_finds_missing_expiring_and_expired(client, reviewer, vendor):
    today = dt.date.today()
    complete = services.vendor_create(
        created_by=reviewer, name="Complete Co", service_type="llm_api",
        data_classes=["internal"], criticality="low",
    )  # fmt: skip
    for kind in ("iso27001", "dpa", "retention", "encryption", "training"):
        facts = {}
        if kind == "iso27001":
            facts = {"certification_body": "Cert Body", "issue_date": today - dt.timedelta(400),
                     "expiry_date": today + dt.timedelta(30)}  # fmt: skip
        services.evidence_create(vendor=complete, kind=kind, recorded_by=reviewer, **facts)
    client.force_login(reviewer)
    assert names(list_page(client, evidence="missing")) == ["Quillnote AI"]
    assert names(list_page(client, evidence="expiring")) == ["Complete Co"]
    assert names(list_page(client, evidence="expired")) == []
    assert names(list_page(client, evidence="any")) == ["Complete Co", "Quillnote AI"]


def test_columns_sort_both_ways(client, reviewer):
    make_vendors(3)
    Vendor.objects.filter(name="Vendor 0001").update(residual_score=80, tier="critical")
    Vendor.objects.filter(name="Vendor 0002").update(residual_score=20, tier="low")
    client.force_login(reviewer)
    assert names(list_page(client, sort="-name")) == ["Vendor 0002", "Vendor 0001", "Vendor 0000"]
    assert names(list_page(client, sort="score")) == ["Vendor 0002", "Vendor 0001", "Vendor 0000"]
    assert names(list_page(client, sort="-tier"))[0] == "Vendor 0001"
    assert names(list_page(client, sort="tier"))[:2] == ["Vendor 0002", "Vendor 0001"]


def test_it_paginates_by_fifty_and_keeps_the_filters_in_page_links(client, reviewer):
    make_vendors(120)
    client.force_login(reviewer)
    first = list_page(client, criticality="low")
    assert len(names(first)) == 40
    page = list_page(client, page=2).content.decode()
    assert "51–100 of 120" in page
    assert "page=3" in page


def test_a_bad_page_number_shows_the_last_page(client, reviewer):
    make_vendors(60)
    client.force_login(reviewer)
    assert list_page(client, page=99).context["page"].number == 2
    assert list_page(client, page="x").context["page"].number == 1


def test_the_csv_export_holds_exactly_the_filtered_list(client, reviewer, vendor):
    make_vendors(4)
    client.force_login(reviewer)
    response = client.get(reverse("vendor_export"), {"data_class": "confidential"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["Name"] for r in rows) == ["Quillnote AI", "Vendor 0000", "Vendor 0002"]
    quill = next(r for r in rows if r["Name"] == "Quillnote AI")
    assert quill["Data classes requested"] == "Internal; Confidential"
    assert "SOC 2 or ISO 27001" in quill["Missing core evidence"]
    vendor_0 = next(r for r in rows if r["Name"] == "Vendor 0000")  # a DPA, an expired SOC 2
    assert (vendor_0["Expired evidence"], vendor_0["Evidence expiring within 60 days"]) == (
        "yes",
        "no",
    )
    assert "Data processing agreement" not in vendor_0["Missing core evidence"]


def test_the_csv_export_defuses_spreadsheet_formulas(client, reviewer):
    services.vendor_create(
        created_by=reviewer, name="=HYPERLINK(\"http://evil\")", service_type="other",
        data_classes=["public"], criticality="low",
    )  # fmt: skip
    client.force_login(reviewer)
    rows = list(csv.reader(io.StringIO(client.get(reverse("vendor_export")).content.decode())))
    assert rows[1][0].startswith("'=")


@pytest.mark.parametrize("params", [{}, {"q": "Vendor", "evidence": "any", "sort": "-tier"}])
def test_the_number_of_queries_does_not_grow_with_the_number_of_vendors(client, reviewer, params):
    client.force_login(reviewer)
    make_vendors(5)
    with CaptureQueriesContext(connection) as small:
        assert list_page(client, **params).status_code == 200
    make_vendors(195, start=5)
    with CaptureQueriesContext(connection) as large:
        response = list_page(client, **params)
    assert len(response.context["page"].object_list) == 50
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 8


def test_evidence_that_runs_out_overnight_shows_as_expired_the_next_morning(
    client, reviewer, vendor, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0), tick=True)
    Evidence.objects.create(vendor=vendor, kind="dpa", expires_on=dt.date(2026, 3, 10))
    client.force_login(reviewer)
    assert names(list_page(client, evidence="expiring")) == ["Quillnote AI"]
    assert names(list_page(client, evidence="expired")) == []

    time_machine.move_to(dt.datetime(2026, 3, 11, 7, 0), tick=True)  # no nightly task ran
    client.force_login(reviewer)  # a new working day, a new session

    assert names(list_page(client, evidence="expired")) == ["Quillnote AI"]
    assert names(list_page(client, evidence="expiring")) == []
    assert 'badge-status-expired">Expired' in list_page(client).content.decode()


def test_each_row_shows_the_vendors_values_escaped(client, reviewer):
    Vendor.objects.create(
        name="<script>alert(1)</script> AI", slug="xss-ai", service_type="ai_saas",
        criticality="high", data_classes=["internal", "confidential"], status="approved",
        tier="high", residual_score="41.5", models_used='<img src=x onerror="alert(2)">',
        next_reassessment_date=dt.date(2027, 3, 9),
    )  # fmt: skip
    client.force_login(reviewer)

    page = list_page(client).content.decode()

    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; AI" in page
    row = page[page.index("&lt;script&gt;") : page.index("</tr>", page.index("&lt;script&gt;"))]
    for shown in ("AI SaaS application", "Approved", "High", "41.5", "Internal, Confidential",
                  "9 Mar 2027", "Missing"):  # fmt: skip
        assert shown in row


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)
def test_the_search_is_answered_by_the_trigram_indexes(reviewer):
    """At 10,000 vendors the indexes are what keep a search at milliseconds
    (docs/performance.md); the filter must use the expressions they index."""
    from django.http import QueryDict

    from vendors.filters import VendorFilter

    make_vendors(3)
    with connection.cursor() as cursor:
        # A tiny table is cheaper to scan, or to walk in name order: ask for index lookups.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    search = VendorFilter(QueryDict("q=cloud"), queryset=Vendor.objects.all()).qs

    plan = search.explain()

    for column in ("name", "description", "models_used", "model_providers"):
        assert f"vendor_{column}_trgm_idx" in plan
