"""The usage pages: list, filters, export, create and edit, CSV import with its preview, the
vendor page's usage and incident sections, and who may do what."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors.models import (
    Incident,
    UsageImport,
    UsageImportStatus,
    UsageRecord,
    Vendor,
    VendorStatus,
)

ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]
READ_PAGES = ["usage_list", "usage_export"]
EDIT_PAGES = ["usage_create", "usage_edit", "usage_import"]


@pytest.fixture
def approved(db):
    """Approved for Public and Internal data, assessed for personal data and source code
    (personal data needs Confidential approved too: vendors.classification)."""
    return VendorFactory(
        name="Larkspur Language Cloud",
        status=VendorStatus.APPROVED,
        approved_data_classes=["public", "internal"],
        special_categories=["personal", "source_code"],
        assessed_special_categories=["personal", "source_code"],
    )


def make_usage(vendor, **fields) -> UsageRecord:
    defaults = {
        "team": "Sales",
        "purpose": "Call summaries",
        "data_classes": ["internal"],
        "integration": "api",
    }
    return UsageRecord.objects.create(vendor=vendor, **{**defaults, **fields})


@pytest.fixture
def usage(approved, reviewer):
    return make_usage(approved, owner=reviewer, controls=["sso"])


def url_for(page: str, usage: UsageRecord) -> str:
    return reverse(page, args=[usage.pk]) if page == "usage_edit" else reverse(page)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", READ_PAGES)
def test_every_role_but_outsiders_reads_the_usage_list(client, users_by_role, usage, who, page):
    client.force_login(users_by_role[who])
    response = client.get(url_for(page, usage))
    assert response.status_code == (403 if who == "outsider" else 200)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_only_reviewers_leads_and_admins_open_the_change_pages(
    client, users_by_role, usage, who, page
):
    client.force_login(users_by_role[who])
    response = client.get(url_for(page, usage))
    assert response.status_code == (403 if who in ("procurement", "outsider") else 200)


@pytest.mark.parametrize("who", ["procurement", "outsider"])
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_a_refused_post_changes_nothing(client, users_by_role, usage, approved, who, page):
    client.force_login(users_by_role[who])
    data = {
        "vendor": approved.pk, "team": "Renamed", "purpose": "Other", "data_classes": ["public"],
        "integration": "api", "active": "on", "token": "x",
        "file": SimpleUploadedFile("u.csv", b"vendor,team,purpose,data_classes,integration\n"),
    }  # fmt: skip
    assert client.post(url_for(page, usage), data).status_code == 403
    assert list(UsageRecord.objects.values_list("team", flat=True)) == ["Sales"]


@pytest.mark.parametrize("who", ["procurement", "outsider"])
def test_a_refused_import_confirmation_imports_nothing(client, users_by_role, approved, who):
    client.force_login(users_by_role[who])
    job = pending_import(approved, uploaded_by=users_by_role[who])
    for url in (job.get_absolute_url(), reverse("usage_import_status", args=[job.token])):
        assert client.get(url).status_code == 403
    assert client.post(job.get_absolute_url()).status_code == 403
    assert UsageRecord.objects.count() == 0
    job.refresh_from_db()
    assert job.status == UsageImportStatus.PREVIEW


def test_the_list_shows_edit_and_import_buttons_to_editors_only(
    client, reviewer, procurement, usage
):
    client.force_login(procurement)
    page = client.get(reverse("usage_list")).content.decode()
    assert "Call summaries" in page
    assert reverse("usage_edit", args=[usage.pk]) not in page
    assert "Import CSV" not in page and "Record usage" not in page
    client.force_login(reviewer)
    page = client.get(reverse("usage_list")).content.decode()
    assert reverse("usage_edit", args=[usage.pk]) in page
    assert "Import CSV" in page and "Record usage" in page


def test_a_guessed_usage_id_is_404(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("usage_edit", args=[999999])).status_code == 404


# --- List, filters, export --------------------------------------------------------------------


def teams(response) -> list[str]:
    return [u.team for u in response.context["page"].object_list]


def test_the_empty_list_invites_recording_or_importing(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("usage_list")).content.decode()
    assert "No AI usage is on record yet." in page
    assert "Record the first usage" in page
    assert "Import an existing inventory" in page


def test_each_row_shows_its_out_of_policy_badge_with_the_reasons(client, procurement, approved):
    make_usage(approved, team="Sales", data_classes=["internal"])
    make_usage(approved, team="Support", data_classes=["restricted"], special_categories=["health"])
    client.force_login(procurement)
    response = client.get(reverse("usage_list"))
    page = response.content.decode()
    assert page.count('data-testid="out-of-policy"') == 1
    assert (
        "Processes Restricted data; Larkspur Language Cloud is approved for Public, Internal."
        in page
    )
    assert "Processes health data, which Larkspur Language Cloud was not assessed for." in page
    assert "Within policy" in page


def test_the_filters_combine(client, reviewer, approved, vendor):
    make_usage(approved, team="Sales")
    make_usage(approved, team="Sales Ops", data_classes=["confidential"])
    make_usage(approved, team="Legal", active=False, end_date=dt.date(2024, 1, 31))
    make_usage(vendor, team="Support")  # Quillnote AI is proposed: out of policy
    client.force_login(reviewer)

    def listed(**params):
        return teams(client.get(reverse("usage_list"), params))

    assert listed() == ["Legal", "Sales", "Sales Ops", "Support"]
    assert listed(vendor=approved.pk) == ["Legal", "Sales", "Sales Ops"]
    assert listed(team="sales") == ["Sales", "Sales Ops"]
    assert listed(out_of_policy="yes") == ["Sales Ops", "Support"]
    assert listed(out_of_policy="no") == ["Legal", "Sales"]
    assert listed(state="ended") == ["Legal"]
    assert listed(state="active", out_of_policy="no") == ["Sales"]
    assert listed(vendor=vendor.pk, out_of_policy="no") == []
    page = client.get(reverse("usage_list"), {"team": "nobody"}).content.decode()
    assert "No usage matches these filters." in page


def test_a_filter_it_does_not_understand_is_ignored_and_said(client, reviewer, usage):
    client.force_login(reviewer)
    response = client.get(reverse("usage_list"), {"vendor": "999999", "state": "sideways"})
    assert teams(response) == ["Sales"]
    assert "Some filters were not understood" in response.content.decode()


def test_a_link_by_vendor_filters_and_shows_the_vendors_name_in_the_picker(
    client, reviewer, approved, vendor
):
    make_usage(approved, team="Sales")
    make_usage(vendor, team="Support")
    client.force_login(reviewer)
    response = client.get(reverse("usage_list"), {"vendor": approved.pk})
    assert teams(response) == ["Sales"]
    page = response.content.decode()
    assert f'<input type="hidden" name="vendor" value="{approved.pk}"' in page
    assert 'name="vendor__search" value="Larkspur Language Cloud"' in page
    assert "js/vendor_picker.js" in page


def test_without_javascript_the_filter_takes_a_vendors_full_name(
    client, reviewer, approved, vendor
):
    make_usage(approved, team="Sales")
    make_usage(vendor, team="Support")
    client.force_login(reviewer)
    response = client.get(
        reverse("usage_list"), {"vendor": "", "vendor__search": "larkspur language cloud"}
    )
    assert teams(response) == ["Sales"]


def test_a_vendor_name_that_matches_nothing_is_said_and_kept_in_the_box(client, reviewer, usage):
    client.force_login(reviewer)
    response = client.get(reverse("usage_list"), {"vendor": "", "vendor__search": "Larkspurr"})
    page = response.content.decode()
    error = "No vendor is called “Larkspurr”. Pick one from the suggestions."
    assert f'id="id_vendor_error">{error}</div>' in page  # the box's aria-describedby
    assert 'name="vendor__search" value="Larkspurr"' in page
    assert "Some filters were not understood and were ignored" in page


def many_usages(vendor, count: int, start: int = 0, owner=None):
    UsageRecord.objects.bulk_create(
        [
            UsageRecord(
                vendor=vendor, team=f"Team {i:04d}", purpose="Generated", integration="api",
                data_classes=["internal"] if i % 2 else ["restricted"], owner=owner,
            )
            for i in range(start, start + count)
        ]
    )  # fmt: skip


def test_it_paginates_by_fifty_and_keeps_the_filters_in_page_links(client, reviewer, approved):
    many_usages(approved, 120)
    client.force_login(reviewer)
    response = client.get(reverse("usage_list"), {"team": "team", "page": 2})
    assert len(teams(response)) == 50
    page = response.content.decode()
    assert "51–100 of 120" in page
    assert "team=team&amp;page=3" in page


@pytest.mark.parametrize(
    "params", [{}, {"out_of_policy": "yes", "team": "Team", "state": "active"}]
)
def test_the_number_of_queries_does_not_grow_with_the_number_of_usages(
    client, reviewer, approved, params
):
    client.force_login(reviewer)
    owners = [UserFactory(), UserFactory()]
    vendors = [approved, VendorFactory(status=VendorStatus.REJECTED)]
    for i in range(5):
        many_usages(vendors[i % 2], 1, start=i, owner=owners[i % 2])
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("usage_list"), params).status_code == 200
    for i in range(5, 100):
        many_usages(vendors[i % 2], 1, start=i, owner=owners[i % 2])
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("usage_list"), params)
    assert len(response.context["page"].object_list) == 50
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # Session, user, roles, count and page: the vendor picker loads no list of vendors.
    assert len(large) == 5


def export(client, **params) -> list[dict]:
    response = client.get(reverse("usage_export"), params)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_export_holds_exactly_the_filtered_list(client, procurement, approved, vendor):
    make_usage(approved, team="Sales", controls=["sso", "dlp"], owner=procurement)
    make_usage(approved, team="Support", data_classes=["restricted"])
    make_usage(vendor, team="Support")
    client.force_login(procurement)
    for params in ({}, {"team": "support"}, {"out_of_policy": "yes"}, {"vendor": approved.pk}):
        listed = teams(client.get(reverse("usage_list"), params))
        exported = export(client, **params)
        assert [r["Team"] for r in exported] == listed, params
    [sales] = export(client, team="sales")
    assert sales == {
        "Vendor": "Larkspur Language Cloud", "Vendor status": "Approved", "Team": "Sales",
        "Purpose": "Call summaries", "Business justification": "", "Data classes": "Internal",
        "Special categories": "", "Integration": "API", "Owner": "Pat Buyer", "Start date": "",
        "State": "Active", "End date": "", "Controls": "SSO enforced; DLP inspection of outgoing data",
        "Out of policy": "no", "Reasons": "",
    }  # fmt: skip
    [restricted] = export(client, vendor=approved.pk, out_of_policy="yes")
    assert restricted["Out of policy"] == "yes"
    assert restricted["Reasons"].startswith("Processes Restricted data")


def test_the_csv_export_defuses_spreadsheet_formulas(client, reviewer, approved):
    make_usage(
        approved, team='=HYPERLINK("http://evil")', purpose="+1", business_justification="@x"
    )
    client.force_login(reviewer)
    [row] = export(client)
    assert (row["Team"][:2], row["Purpose"], row["Business justification"]) == ("'=", "'+1", "'@x")


# --- Create and edit --------------------------------------------------------------------------

VALID = {
    "team": "Support",
    "purpose": "Ticket triage",
    "business_justification": "Faster first answers.",
    "data_classes": ["public", "internal"],
    "special_categories": ["source_code"],
    "integration": "api",
    "start_date": "2024-03-01",
    "active": "on",
    "controls": ["sso", "gateway_logging"],
}


def test_a_link_from_the_vendor_page_preselects_the_vendor(client, reviewer, approved):
    client.force_login(reviewer)
    response = client.get(reverse("usage_create"), {"vendor": approved.pk})
    assert response.context["form"]["vendor"].value() == approved.pk
    assert client.get(reverse("usage_create"), {"vendor": "nope"}).status_code == 200
    assert client.get(reverse("usage_create"), {"vendor": 999999}).status_code == 200


def test_a_reviewer_records_a_usage_from_the_vendor_page(client, reviewer, approved):
    client.force_login(reviewer)
    response = client.post(
        f"{reverse('usage_create')}?vendor={approved.pk}",
        {**VALID, "vendor": approved.pk, "owner": reviewer.pk},
    )
    usage = UsageRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == approved.get_absolute_url() + "#usage"
    assert (usage.team, usage.owner, usage.created_by) == ("Support", reviewer, reviewer)
    assert usage.data_classes == ["public", "internal"]
    assert usage.controls == ["sso", "gateway_logging"]
    assert usage.start_date == dt.date(2024, 3, 1) and usage.active
    assert messages_of(response) == ["Usage “Support: Ticket triage” recorded."]


def test_recording_an_out_of_policy_usage_says_why(client, reviewer, approved):
    client.force_login(reviewer)
    response = client.post(
        reverse("usage_create"), {**VALID, "vendor": approved.pk, "data_classes": ["confidential"]}
    )
    assert response["Location"] == reverse("usage_list")
    [message] = messages_of(response)
    assert message.startswith("Usage “Support: Ticket triage” recorded. It is out of policy:")
    assert "Processes Confidential data" in message


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"end_date": "2024-02-01"}, "end_date", "The usage cannot end before it started."),
        ({"active": ""}, "end_date", "An ended usage needs an end date."),
        (
            {"end_date": "2024-06-01"},
            "active",
            "The end date has passed: untick “Still in use”, or clear the date.",
        ),
        ({"data_classes": []}, "data_classes", "This field is required."),
        ({"team": " "}, "team", "This field is required."),
        ({"data_classes": ["secret"]}, "data_classes", "Select a valid choice."),
    ],
)
def test_errors_keep_what_was_typed_and_say_what_is_wrong(
    client, reviewer, approved, changes, field, error
):
    client.force_login(reviewer)
    response = client.post(reverse("usage_create"), {**VALID, "vendor": approved.pk, **changes})
    assert response.status_code == 200
    form = response.context["form"]
    assert any(error in e for e in form.errors[field]), form.errors
    page = response.content.decode()
    assert "nothing was saved" in page
    assert 'value="Ticket triage"' in page
    assert "Faster first answers." in page
    assert 'value="gateway_logging"  id="id_controls_2" checked' in page
    assert 'value="dlp"  id="id_controls_3" checked' not in page
    assert UsageRecord.objects.count() == 0


def test_an_ended_usage_with_its_end_date_is_saved(client, reviewer, approved):
    client.force_login(reviewer)
    client.post(
        reverse("usage_create"),
        {**VALID, "vendor": approved.pk, "active": "", "end_date": "2024-09-30"},
    )
    usage = UsageRecord.objects.get()
    assert (usage.active, usage.end_date) == (False, dt.date(2024, 9, 30))


def test_a_lead_edits_a_usage(client, lead, usage):
    client.force_login(lead)
    page = client.get(reverse("usage_edit", args=[usage.pk])).content.decode()
    assert 'value="Sales"' in page
    response = client.post(
        reverse("usage_edit", args=[usage.pk]),
        {
            **VALID,
            "vendor": usage.vendor_id,
            "team": "Sales EMEA",
            "active": "",
            "end_date": "2024-12-31",
        },
    )
    assert response.status_code == 302
    usage.refresh_from_db()
    assert (usage.team, usage.active, usage.end_date) == (
        "Sales EMEA",
        False,
        dt.date(2024, 12, 31),
    )
    assert messages_of(response) == ["Usage “Sales EMEA: Ticket triage” saved."]


def test_the_usage_form_shows_the_vendor_by_name_in_the_picker(client, lead, usage, approved):
    client.force_login(lead)
    edit = client.get(reverse("usage_edit", args=[usage.pk])).content.decode()
    create = client.get(reverse("usage_create"), {"vendor": approved.pk}).content.decode()
    for page in (edit, create):
        assert f'<input type="hidden" name="vendor" value="{approved.pk}"' in page
        assert 'name="vendor__search" value="Larkspur Language Cloud"' in page
        assert re.search(r'<label\s+for="id_vendor"', page)
        assert page.count("js/vendor_picker.js") == 1


def test_a_usage_is_recorded_for_a_vendor_typed_by_its_full_name(client, reviewer, approved):
    client.force_login(reviewer)
    response = client.post(
        reverse("usage_create"),
        {**VALID, "vendor": "", "vendor__search": "LARKSPUR language cloud"},
    )
    assert response.status_code == 302
    assert UsageRecord.objects.get().vendor == approved


def test_a_typed_vendor_that_does_not_exist_is_refused_keeping_the_text(client, reviewer, approved):
    client.force_login(reviewer)
    response = client.post(
        reverse("usage_create"), {**VALID, "vendor": "", "vendor__search": "Larkspur Cloud"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "No vendor is called “Larkspur Cloud”. Pick one from the suggestions." in page
    assert 'name="vendor__search" value="Larkspur Cloud"' in page
    assert 'class="vendor-picker is-invalid"' in page  # crispy's .invalid-feedback shows
    assert UsageRecord.objects.count() == 0


# --- Import -----------------------------------------------------------------------------------

HEADER = "vendor,team,purpose,data_classes,special_categories,integration,owner,start_date,active,controls"


def upload(client, *lines: str, header: str = HEADER, name: str = "inventory.csv"):
    content = "\n".join([header, *lines]).encode()
    return client.post(reverse("usage_import"), {"file": SimpleUploadedFile(name, content)})


def latest_import() -> UsageImport:
    return UsageImport.objects.latest("created_at")


def pending_import(vendor, *, uploaded_by, **changes) -> UsageImport:
    """An import waiting for confirmation, as an upload leaves it: one valid row."""
    return UsageImport.objects.create(
        **{
            "token": "t0ken",
            "uploaded_by": uploaded_by,
            "file_name": "inventory.csv",
            "row_count": 1,
            "rows": [
                {
                    "line": 2, "vendor": vendor.pk, "team": "Sales", "purpose": "Notes",
                    "business_justification": "", "data_classes": ["internal"],
                    "special_categories": [], "integration": "api", "owner": None,
                    "start_date": None, "end_date": None, "active": True, "controls": [],
                }
            ],
            **changes,
        }
    )  # fmt: skip


GOOD_ROWS = [
    "Larkspur Language Cloud,Sales,Call summaries,Internal,,api,reviewer,2024-01-15,yes,sso",
    "larkspur language cloud,Support,Ticket triage,Restricted,health,web_app,,,yes,",
    "Quillnote AI,Legal,Contract notes,Internal; Confidential,,Web application,,,,",
]


def test_a_bad_file_lists_every_problem_with_its_line_and_imports_nothing(
    client, reviewer, approved
):
    client.force_login(reviewer)
    response = upload(
        client,
        GOOD_ROWS[0],
        "Nobody Inc,Sales,Notes,Internal,,api,,,,",
        "Larkspur Language Cloud,,Notes,Secret,,api,ghost,2024-13-01,,",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "5 problems in “inventory.csv”" in page
    for text in (
        "<strong>Line 3:</strong> Unknown vendor “Nobody Inc”",
        "<strong>Line 4:</strong> Team is missing.",
        "<strong>Line 4:</strong> Unknown data class “Secret”",
        "<strong>Line 4:</strong> Unknown owner “ghost”",
        "<strong>Line 4:</strong> Bad start date “2024-13-01”",
    ):
        assert text in page
    assert "Nothing was imported" in page
    assert UsageRecord.objects.count() == 0
    assert not UsageImport.objects.exists()


def test_problems_with_the_whole_file_are_reported_too(client, reviewer, approved):
    client.force_login(reviewer)
    page = upload(client, header="").content.decode()
    assert "The submitted file is empty." in page
    page = upload(client, "", header=" ").content.decode()
    assert "The file is empty." in page
    page = upload(client, header=HEADER + ",colour").content.decode()
    assert "<strong>Line 1:</strong> Unknown column “colour”" in page
    page = client.post(
        reverse("usage_import"),
        {"file": SimpleUploadedFile("x.csv", "vendor,tëam\n".encode("latin-1"))},
    ).content.decode()
    assert "<strong>Line 1:</strong> The file is not UTF-8 text." in page


def test_a_file_over_the_size_limit_is_refused(client, reviewer, settings):
    client.force_login(reviewer)
    from vendors.forms import UsageImportForm

    big = b"x" * (UsageImportForm.MAX_BYTES + 1)
    response = client.post(reverse("usage_import"), {"file": SimpleUploadedFile("big.csv", big)})
    assert "the limit is 5.0" in response.content.decode()


def test_upload_then_preview_then_confirm_imports_every_row(client, reviewer, approved, vendor):
    client.force_login(reviewer)
    response = upload(client, *GOOD_ROWS)
    assert response.status_code == 302
    job = latest_import()
    assert response["Location"] == reverse("usage_import_detail", args=[job.token])
    assert (job.uploaded_by, job.file_name, job.row_count) == (reviewer, "inventory.csv", 3)
    assert UsageRecord.objects.count() == 0

    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "Import 3 records" in page
    assert [r["line"] for r in preview.context["rows"]] == [2, 3, 4]
    assert page.count('data-testid="out-of-policy"') == 2
    assert "Processes health data, which Larkspur Language Cloud was not assessed for." in page
    assert "Quillnote AI is proposed: it is not approved for any data." in page
    assert "2 of 3</strong> rows will be out of policy" in page

    confirmed = client.post(response["Location"])
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("usage_list") + "?out_of_policy=yes"
    assert messages_of(confirmed) == [
        "Imported 3 usage records from “inventory.csv”. 2 of them are out of policy."
    ]
    assert sorted(
        UsageRecord.objects.values_list("team", "vendor__name", "created_by__username")
    ) == [
        ("Legal", "Quillnote AI", "reviewer"),
        ("Sales", "Larkspur Language Cloud", "reviewer"),
        ("Support", "Larkspur Language Cloud", "reviewer"),
    ]
    sales = UsageRecord.objects.get(team="Sales")
    assert (sales.owner, sales.start_date, sales.controls) == (
        reviewer,
        dt.date(2024, 1, 15),
        ["sso"],
    )
    job.refresh_from_db()
    assert (job.status, job.imported_count, job.out_of_policy_count, job.rows) == (
        UsageImportStatus.DONE,
        3,
        2,
        [],
    )


def test_confirming_twice_imports_once(client, reviewer, approved):
    client.force_login(reviewer)
    upload(client, GOOD_ROWS[0])
    job = latest_import()
    client.post(job.get_absolute_url())
    again = client.post(job.get_absolute_url(), follow=True)
    assert UsageRecord.objects.count() == 1
    page = again.content.decode()
    assert "Nothing was imported again. “inventory.csv” was imported already" in page
    assert "Imported 1 usage record from “inventory.csv”" in page  # the import's own page


def test_an_unknown_import_is_refused_with_a_clear_message(client, reviewer, approved):
    client.force_login(reviewer)
    url = reverse("usage_import_detail", args=["whatever"])
    response = client.post(url)
    assert response["Location"] == reverse("usage_import")
    assert messages_of(response) == [
        "Nothing was imported. There is no import waiting for confirmation here: it was "
        "replaced by a newer upload or discarded. Upload the file again."
    ]
    assert client.get(url).status_code == 302
    assert client.get(reverse("usage_import_status", args=["whatever"])).status_code == 404
    assert UsageRecord.objects.count() == 0


def test_another_users_import_is_not_theirs_to_see_or_confirm(client, reviewer, lead, approved):
    job = pending_import(approved, uploaded_by=reviewer)
    client.force_login(lead)
    assert client.post(job.get_absolute_url())["Location"] == reverse("usage_import")
    assert client.get(reverse("usage_import_status", args=[job.token])).status_code == 404
    assert UsageRecord.objects.count() == 0


def test_a_preview_replaced_by_a_newer_upload_is_refused(client, reviewer, approved):
    client.force_login(reviewer)
    upload(client, GOOD_ROWS[0], name="first.csv")
    old = latest_import()
    upload(client, GOOD_ROWS[0], GOOD_ROWS[1], name="second.csv")
    new = latest_import()
    response = client.post(old.get_absolute_url())
    assert response["Location"] == new.get_absolute_url()
    assert "“second.csv” was uploaded since" in messages_of(response)[0]
    assert UsageRecord.objects.count() == 0
    assert list(UsageImport.objects.all()) == [new]


def test_a_preview_older_than_an_hour_is_refused(client, reviewer, approved):
    client.force_login(reviewer)
    job = pending_import(approved, uploaded_by=reviewer)
    UsageImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    response = client.post(job.get_absolute_url())
    assert "more than an hour old" in messages_of(response)[0]
    assert UsageRecord.objects.count() == 0
    assert not UsageImport.objects.exists()


def test_a_vendor_deleted_after_the_preview_stops_the_import(client, reviewer, approved):
    client.force_login(reviewer)
    other = VendorFactory(name="Gone Soon")
    job = pending_import(approved, uploaded_by=reviewer)
    job.rows.append({**job.rows[0], "line": 3, "vendor": other.pk})
    job.row_count = 2
    job.save()
    other.delete()
    response = client.post(job.get_absolute_url(), follow=True)
    assert "A vendor or owner named in the file was removed" in response.content.decode()
    assert UsageRecord.objects.count() == 0


def test_an_import_within_policy_says_so(client, lead, reviewer, approved):
    client.force_login(lead)
    upload(client, GOOD_ROWS[0])
    response = client.post(latest_import().get_absolute_url())
    assert response["Location"] == reverse("usage_list")
    assert messages_of(response) == [
        "Imported 1 usage record from “inventory.csv”. All are within policy."
    ]


def test_the_preview_flags_rows_already_on_record(client, reviewer, approved, usage):
    client.force_login(reviewer)
    response = upload(client, "Larkspur Language Cloud,SALES,call summaries,Internal,,api,,,,")
    page = client.get(response["Location"]).content.decode()
    assert "Already on record" in page
    assert "repeats a usage already on record" in page


# --- The vendor page --------------------------------------------------------------------------


def test_the_vendor_page_lists_its_usage_with_badges_and_a_link_to_add_one(
    client, reviewer, approved
):
    make_usage(approved, team="Sales", purpose="Call summaries")
    make_usage(approved, team="Support", purpose="Ticket triage", data_classes=["restricted"])
    make_usage(
        approved, team="Legal", purpose="Old pilot", active=False, end_date=dt.date(2024, 1, 1)
    )
    client.force_login(reviewer)
    page = client.get(approved.get_absolute_url()).content.decode()
    section = page[page.index('id="usage"') : page.index('id="incidents"')]
    assert "Usage (3)" in section
    assert "<strong>Support</strong>: " in section and "Ticket triage" in section
    assert "Restricted · Active" in section
    assert "Internal · Ended" in section
    assert section.count('data-testid="out-of-policy"') == 1
    assert f'href="{reverse("usage_create")}?vendor={approved.pk}"' in section


def test_the_vendor_page_reads_usage_in_a_constant_number_of_queries(client, reviewer, approved):
    client.force_login(reviewer)
    make_usage(approved, owner=reviewer)
    with CaptureQueriesContext(connection) as one:
        client.get(approved.get_absolute_url())
    for i in range(10):
        make_usage(approved, team=f"Team {i}", owner=UserFactory())
    with CaptureQueriesContext(connection) as eleven:
        client.get(approved.get_absolute_url())
    assert len(eleven) == len(one)


def test_procurement_sees_the_vendor_usage_but_no_change_links(client, procurement, approved):
    make_usage(approved)
    Incident.objects.create(
        vendor=approved, title="Leaked chat titles", date_disclosed=dt.date(2023, 3, 24),
        summary="A cache bug showed other users' titles.", severity="high",
    )  # fmt: skip
    client.force_login(procurement)
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Call summaries" in page
    assert "Add usage" not in page
    assert "Record an incident" not in page
    assert "Leaked chat titles" in page


def test_the_vendor_page_lists_its_incidents_and_links_to_record_one(client, reviewer, approved):
    incident = Incident.objects.create(
        vendor=approved, title="Leaked chat titles", date_disclosed=dt.date(2023, 3, 24),
        summary="A cache bug showed other users' titles.", severity="critical",
    )  # fmt: skip
    client.force_login(reviewer)
    page = client.get(approved.get_absolute_url()).content.decode()
    section = page[page.index('id="incidents"') :]
    assert (
        f'href="{reverse("incident_detail", args=[incident.pk])}">Leaked chat titles</a>' in section
    )
    assert "Disclosed 24 Mar 2023" in section
    assert "Critical" in section
    assert f'href="{reverse("incident_create")}?vendor={approved.pk}"' in section


def test_a_vendor_without_usage_or_incidents_says_so(client, reviewer, vendor):
    client.force_login(reviewer)
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "No usage recorded yet." in page
    assert "No incidents recorded." in page
    assert Vendor.objects.count() == 1
