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


def test_each_number_links_to_a_list_of_exactly_that_many_vendors(client, lead):
    import re

    make_vendors(6)
    Vendor.objects.filter(name__in=["Vendor 0000", "Vendor 0001"]).update(status="approved")
    Vendor.objects.filter(name="Vendor 0002").update(status="approved_with_conditions")
    Vendor.objects.filter(name="Vendor 0003").update(status="retired")
    client.force_login(lead)
    page = client.get(reverse("dashboard")).content.decode()
    links = re.findall(r'href="(/vendors/\?[^"]+)"><span class="display-6[^"]*">(\d+)<', page)
    assert len(links) == 6
    for url, number in links:
        listed = client.get(url.replace("&amp;", "&")).context["page"].paginator.count
        assert listed == int(number), url
