"""The incident register and its impact view: record a breach, see at once who was exposed."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from assessments.views import _notice_words
from config.queueing import QueuedTask
from notifications.models import ReminderLog
from tests.vendors.factories import VendorFactory
from vendors import services as vendor_services
from vendors.models import Incident


@pytest.fixture
def vendor(reviewer, lead):
    vendor = VendorFactory(
        name="Quillnote AI", status="approved", approved_data_classes=["public", "internal"],
        data_classes=["public", "internal"], business_owner=lead,
    )  # fmt: skip
    vendor_services.usage_create(
        created_by=reviewer, vendor=vendor, team="Sales", purpose="Call summaries",
        data_classes=["internal"], integration="web_app", owner=lead,
    )  # fmt: skip
    vendor_services.usage_create(
        created_by=reviewer, vendor=vendor, team="Legal", purpose="Contract review",
        data_classes=["confidential"], special_categories=["personal"], integration="api",
    )  # fmt: skip
    vendor_services.usage_create(
        created_by=reviewer, vendor=vendor, team="Marketing", purpose="Old pilot",
        data_classes=["public"], integration="web_app", active=False,
        end_date=dt.date.today(),
    )  # fmt: skip
    return vendor


def record(client, vendor, **overrides):
    data = {
        "vendor": vendor.pk, "title": "Conversation titles exposed", "severity": "high",
        "date_disclosed": dt.date.today().isoformat(),
        "summary": "A caching bug showed other customers' conversation titles.",
        "data_classes": ["internal"], "data_categories": ["personal"],
        "source_link": "https://status.example/incident",
    }  # fmt: skip
    data.update(overrides)
    return client.post(reverse("incident_create"), data)


def test_recording_an_incident_flags_the_vendor_and_tells_the_team(
    client, reviewer, lead, vendor, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = record(client, vendor)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])
    vendor.refresh_from_db()
    assert vendor.reassessment_required
    assert "Conversation titles exposed" in vendor.reassessment_reason
    log = ReminderLog.objects.get(kind="reassessment_required")
    assert log.status == "sent"
    assert sorted(mail.outbox[0].to) == ["lead@example.com", "reviewer@example.com"]
    assert "Reassess Quillnote AI now" in mail.outbox[0].subject


def test_the_impact_view_lists_every_active_usage_exposed(client, reviewer, vendor):
    client.force_login(reviewer)
    record(client, vendor)
    incident = Incident.objects.get()
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Were we exposed?" in page
    assert "2 teams" in page
    assert "Legal, Sales" in page
    assert "Call summaries" in page and "Contract review" in page
    assert "Old pilot" not in page  # ended usage is not exposed
    assert "Internal, Confidential" in page
    assert "Out of policy" in page  # Legal sends Confidential data the vendor is not approved for
    assert "Lee Lead" in page


def test_a_future_disclosure_date_is_refused_and_the_form_kept(client, reviewer, vendor):
    client.force_login(reviewer)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = record(client, vendor, date_disclosed=tomorrow, title="Kept title")
    assert response.status_code == 200
    page = response.content.decode()
    assert "An incident cannot be disclosed in the future." in page
    assert 'value="Kept title"' in page
    assert not Incident.objects.exists()


# No suggestion was picked: the picker's hidden pk is empty and only its box names the vendor.
NOT_PICKED = SimpleNamespace(pk="")


def test_the_vendor_may_be_typed_by_its_full_name(client, reviewer, vendor):
    client.force_login(reviewer)
    response = record(client, NOT_PICKED, vendor__search="quillnote AI")
    assert response.status_code == 302
    assert Incident.objects.get().vendor == vendor


def test_a_typed_vendor_that_does_not_exist_is_refused_keeping_the_text(client, reviewer, vendor):
    client.force_login(reviewer)
    response = record(client, NOT_PICKED, vendor__search="Quilnote")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No vendor is called “Quilnote”. Pick one from the suggestions." in page
    assert 'name="vendor__search" value="Quilnote"' in page
    assert page.count("js/vendor_picker.js") == 1
    assert not Incident.objects.exists()


def test_a_link_from_the_vendor_page_shows_the_vendor_by_name(client, reviewer, vendor):
    client.force_login(reviewer)
    page = client.get(reverse("incident_create"), {"vendor": vendor.pk}).content.decode()
    assert f'<input type="hidden" name="vendor" value="{vendor.pk}"' in page
    assert 'name="vendor__search" value="Quillnote AI"' in page


def test_a_source_link_must_be_a_web_address(client, reviewer, vendor):
    client.force_login(reviewer)
    response = record(client, vendor, source_link="javascript:alert(1)")
    assert response.status_code == 200
    assert not Incident.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("reviewer", 200), ("lead", 200), ("procurement", 403), ("outsider", 403), ("admin", 200),
])  # fmt: skip
def test_only_editors_record_incidents(client, users_by_role, vendor, who, status):
    client.force_login(users_by_role[who])
    assert client.get(reverse("incident_create")).status_code == status
    if status == 403:
        assert record(client, vendor).status_code == 403
        assert not Incident.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "lead", "procurement", "admin"])
def test_every_role_reads_incidents_and_their_impact(client, users_by_role, reviewer, vendor, who):
    incident = vendor_services.incident_record(
        vendor=vendor, recorded_by=reviewer, title="Leak", date_disclosed=dt.date.today(),
        summary="S", severity="low",
    )  # fmt: skip
    client.force_login(users_by_role[who])
    assert client.get(reverse("incident_list")).status_code == 200
    assert client.get(reverse("incident_detail", args=[incident.pk])).status_code == 200


def test_a_guessed_incident_is_404(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("incident_detail", args=[4242])).status_code == 404


def test_hostile_text_is_escaped(client, reviewer, vendor):
    client.force_login(reviewer)
    record(
        client, vendor, title="<script>alert(1)</script>", summary="<img src=x onerror=alert(1)>"
    )
    incident = Incident.objects.get()
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_list_filters_by_vendor_severity_and_date(client, reviewer, vendor):
    other = VendorFactory(name="Other AI")
    for v, severity, days in ((vendor, "high", 10), (other, "low", 200)):
        vendor_services.incident_record(
            vendor=v, recorded_by=reviewer, title=f"{v.name} {severity}", severity=severity,
            date_disclosed=dt.date.today() - dt.timedelta(days=days), summary="S",
        )  # fmt: skip
    client.force_login(reviewer)

    def titles(**params):
        page = client.get(reverse("incident_list"), params).context["page"]
        return [i.title for i in page.object_list]

    assert titles() == ["Quillnote AI high", "Other AI low"]
    assert titles(vendor=other.pk) == ["Other AI low"]
    assert titles(severity="high") == ["Quillnote AI high"]
    since = (dt.date.today() - dt.timedelta(days=90)).isoformat()
    assert titles(since=since) == ["Quillnote AI high"]
    assert titles(vendor="", vendor__search="other ai") == ["Other AI low"]


def test_the_list_says_when_a_typed_vendor_does_not_exist(client, reviewer, vendor):
    client.force_login(reviewer)
    response = client.get(reverse("incident_list"), {"vendor": "", "vendor__search": "Quilnote"})
    page = response.content.decode()
    error = "No vendor is called “Quilnote”. Pick one from the suggestions."
    assert f'id="id_vendor_error">{error}</div>' in page  # the box's aria-describedby
    assert 'name="vendor__search" value="Quilnote"' in page


def test_the_list_filtered_by_a_linked_vendor_shows_its_name(client, reviewer, vendor):
    client.force_login(reviewer)
    page = client.get(reverse("incident_list"), {"vendor": vendor.pk}).content.decode()
    assert 'name="vendor__search" value="Quillnote AI"' in page
    assert "No incident matches these filters." in page


@pytest.mark.parametrize(
    ("severity", "suspends"),
    [("critical", True), ("high", True), ("medium", False), ("low", False)],
)
def test_the_message_says_when_an_incident_suspends_sensitive_data(
    client, reviewer, vendor, severity, suspends
):
    client.force_login(reviewer)
    response = record(client, vendor, severity=severity)
    page = client.get(response["Location"]).content.decode()
    said = "Confidential and Restricted data are suspended until a reassessment submitted" in page
    assert said is suspends


def test_a_second_incident_the_same_day_is_announced_too(
    client, reviewer, lead, vendor, django_capture_on_commit_callbacks
):
    """Notices are keyed per incident, never per vendor and day."""
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        record(client, vendor, title="Conversation titles exposed")
    with django_capture_on_commit_callbacks(execute=True):
        record(client, vendor, title="Payment details exposed")

    logs = ReminderLog.objects.filter(kind="reassessment_required").order_by("pk")
    assert [(log.object_type, log.status) for log in logs] == [
        ("incident", "sent"),
        ("incident", "sent"),
    ]
    assert len(mail.outbox) == 2
    assert "Payment details exposed" in mail.outbox[1].body


@pytest.mark.parametrize(
    ("queued", "words"),
    [
        (None, "nobody could be e-mailed"),
        (QueuedTask("deliver", "the next sweep sends it", True), "are being e-mailed now"),
        (
            QueuedTask("deliver", "the next sweep sends it", False),
            "could not be queued now: the next sweep sends it.",
        ),
    ],
)
def test_the_page_says_told_only_for_what_was_queued(queued, words):
    assert words in _notice_words(queued)
