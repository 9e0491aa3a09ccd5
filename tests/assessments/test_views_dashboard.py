from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.vendors.test_views_vendor_list import make_vendors
from vendors.models import Vendor


def counts(client):
    return client.get(reverse("dashboard")).context["counts"]


def test_the_dashboard_counts_vendors_and_evidence_problems(client, lead):
    make_vendors(4)  # each with a current DPA and an expired SOC 2
    Vendor.objects.filter(name="Vendor 0003").update(status="retired")
    Vendor.objects.filter(name="Vendor 0002").update(status="approved")
    client.force_login(lead)
    assert counts(client) == {
        "total": 3,
        "in_review": 2,
        "approved": 1,
        "missing_evidence": 3,
        "expired_evidence": 3,
        "expiring_evidence": 0,
    }
    page = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("vendor_list")}?status=active&amp;evidence=expired"' in page


def test_the_dashboard_is_one_query_of_vendors_whatever_their_number(client, lead):
    client.force_login(lead)
    make_vendors(3)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    make_vendors(100, start=3)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("dashboard"))
    assert len(large) == len(small)


def test_each_number_links_to_a_list_of_exactly_that_many_items(client, lead, reviewer):
    """Every headline number opens the filtered list it counts (vendors, usage, incidents,
    findings); the list's total equals the number shown."""
    import datetime as dt
    import re

    from vendors import services as vendor_services

    make_vendors(6)
    Vendor.objects.filter(name__in=["Vendor 0000", "Vendor 0001"]).update(
        status="approved", approved_data_classes=["internal"]
    )
    Vendor.objects.filter(name="Vendor 0001").update(
        approval_valid_until=dt.date.today() - dt.timedelta(days=1)
    )
    Vendor.objects.filter(name="Vendor 0002").update(status="approved_with_conditions")
    Vendor.objects.filter(name="Vendor 0003").update(status="retired")
    today = dt.date.today()
    Vendor.objects.filter(name="Vendor 0004").update(
        next_reassessment_date=today - dt.timedelta(days=3)
    )
    Vendor.objects.filter(name="Vendor 0005").update(
        next_reassessment_date=today + dt.timedelta(days=12), reassessment_required=True
    )
    vendor = Vendor.objects.get(name="Vendor 0000")
    vendor_services.usage_create(
        created_by=reviewer, vendor=vendor, team="Sales", purpose="Notes",
        data_classes=["confidential"], integration="api",
    )  # fmt: skip
    vendor_services.incident_record(
        vendor=vendor, recorded_by=reviewer, title="Leak", severity="high",
        date_disclosed=today - dt.timedelta(days=5), summary="S",
    )  # fmt: skip
    client.force_login(lead)
    page = client.get(reverse("dashboard")).content.decode()
    links = re.findall(r'href="(/[^"]+\?[^"]+)"><span class="display-6[^"]*">(\d+)<', page)
    assert len(links) >= 12
    assert any(int(number) > 0 for _, number in links)
    for url, number in links:
        listed = client.get(url.replace("&amp;", "&")).context["page"].paginator.count
        assert listed == int(number), url


def test_lapsed_and_suspended_approvals_put_their_usage_out_of_policy(client, lead, reviewer):
    import datetime as dt

    from tests.vendors.factories import VendorFactory
    from vendors import services as vendor_services

    today = dt.date.today()
    approved = {"status": "approved", "approved_data_classes": ["internal", "confidential"]}
    lapsed = VendorFactory(
        name="Lapsed AI", approval_valid_until=today - dt.timedelta(1), **approved
    )
    suspended = VendorFactory(name="Suspended AI", approval_valid_until=today, **approved)
    in_force = VendorFactory(name="In Force AI", approval_valid_until=today, **approved)
    for vendor, data_class in [
        (lapsed, "internal"),
        (suspended, "confidential"),
        (in_force, "confidential"),
    ]:
        vendor_services.usage_create(
            created_by=reviewer, vendor=vendor, team="Sales", purpose="Notes",
            data_classes=[data_class], integration="api",
        )  # fmt: skip
    vendor_services.incident_record(
        vendor=suspended, recorded_by=reviewer, title="Leak", severity="critical",
        date_disclosed=today, summary="S",
    )  # fmt: skip
    client.force_login(lead)

    data = client.get(reverse("dashboard")).context["data"]

    assert (data["out_of_policy"], data["approvals_lapsed"]) == (2, 1)
    listed = client.get(reverse("vendor_list"), {"reassessment": "lapsed"}).context["page"]
    assert [v.name for v in listed] == ["Lapsed AI"]
