"""Guard rails: each main page makes the same number of SQL queries with little and with much
data, and no more than MAX_QUERIES. A change that adds a per-row query fails here."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from assessments import services
from assessments.loader import load_banks
from tests.assessments.bank_builders import MINI_BANK
from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors import services as vendor_services

MAX_QUERIES = 12


def grow(reviewer, lead, template, count: int, start: int = 0):
    """`count` vendors, each with evidence, usage, an incident and a decided assessment."""
    today = dt.date.today()
    made = []
    for i in range(start, start + count):
        vendor = VendorFactory(
            name=f"Vendor {i:03d}", data_classes=["public", "internal"], business_owner=lead
        )
        EvidenceFactory(vendor=vendor, kind="dpa", signed_date=today - dt.timedelta(days=10))
        EvidenceFactory(vendor=vendor, kind="soc2", expires_on=today - dt.timedelta(days=3))
        vendor_services.usage_create(
            created_by=reviewer, vendor=vendor, team=f"Team {i}", purpose="Notes",
            data_classes=["internal"], integration="api", owner=lead,
        )  # fmt: skip
        vendor_services.incident_record(
            vendor=vendor, recorded_by=reviewer, title=f"Leak {i}", severity="high",
            date_disclosed=today - dt.timedelta(days=i % 30), summary="S",
        )  # fmt: skip
        assessment = services.assessment_start(
            vendor=vendor, template=template, started_by=reviewer
        )
        for question in template.questions.all():
            value = {"soc2_current": "no", "uses_subprocessors": "yes",
                     "subprocessors_disclosed": "no", "breach_hours": 48}.get(question.key)  # fmt: skip
            if value is not None:
                services.answer_save(
                    assessment=assessment, question=question, answered_by=reviewer, value=value,
                    comment="Gap." if value == "no" else "",
                )  # fmt: skip
        services.assessment_submit(assessment, submitted_by=reviewer)
        services.assessment_sign_off(assessment, lead=lead, decision="rejected", comment="No.")
        made.append(vendor)
    return made


PAGES = {
    "dashboard": lambda v: reverse("dashboard"),
    "vendor list": lambda v: reverse("vendor_list"),
    "vendor list, search and filters": lambda v: (
        reverse("vendor_list") + "?q=Vendor&evidence=any&criticality=medium&sort=-tier"
    ),
    "vendor detail": lambda v: reverse("vendor_detail", args=[v.pk]),
    "assessment list": lambda v: reverse("assessment_list"),
    "assessment result": lambda v: reverse("assessment_detail", args=[v.assessments.get().pk]),
    "assessment section": lambda v: reverse(
        "assessment_section", args=[v.assessments.get().pk, "basics"]
    ),
    "framework coverage": lambda v: reverse("assessment_coverage", args=[v.assessments.get().pk]),
    "usage list": lambda v: reverse("usage_list") + "?out_of_policy=yes",
    "usage list, one vendor": lambda v: reverse("usage_list") + f"?vendor={v.pk}",
    "usage list, a vendor by name": lambda v: (
        reverse("usage_list") + "?" + urlencode({"vendor": "", "vendor__search": v.name})
    ),
    "incident list": lambda v: reverse("incident_list"),
    "incident impact": lambda v: reverse("incident_detail", args=[v.incidents.get().pk]),
    "findings": lambda v: reverse("finding_list") + "?severity=critical&severity=high",
    "can we use it": lambda v: reverse("can_we_use") + f"?vendor={v.pk}&data_class=internal",
    "can we use it, picked": lambda v: (
        reverse("can_we_use")
        + "?"
        + urlencode({"vendor": v.pk, "vendor__search": v.name, "data_class": "internal"})
    ),
    "can we use it, by name": lambda v: (
        reverse("can_we_use")
        + "?"
        + urlencode({"vendor": "", "vendor__search": v.name, "data_class": "internal"})
    ),
    "vendor picker suggestions": lambda v: reverse("vendor_lookup") + "?q=vendor",
    "reminder log": lambda v: reverse("reminder_log"),
}


@pytest.fixture
def template(db):
    return load_banks([MINI_BANK]).created[0]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_main_page_keeps_its_query_count_as_data_grows(client, reviewer, lead, template):
    first = grow(reviewer, lead, template, 2)[0]
    client.force_login(reviewer)
    small = {name: count_queries(client, page(first)) for name, page in PAGES.items()}
    grow(reviewer, lead, template, 12, start=2)
    large = {name: count_queries(client, page(first)) for name, page in PAGES.items()}
    assert large == small
    too_many = {name: n for name, n in large.items() if n > MAX_QUERIES}
    assert not too_many, too_many
