"""Reading a usage inventory from CSV (vendors/usage_csv.py): every bad row is reported with
its line number and reason, and a file with any problem yields nothing to import."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services, usage_csv
from vendors.models import UsageRecord, VendorStatus
from vendors.usage_csv import MAX_ROWS, RowError, StaleImport, load_rows, parse_usage_csv

HEADER = (
    "vendor,team,purpose,business_justification,data_classes,special_categories,"
    "integration,owner,start_date,active,controls"
)


@pytest.fixture
def larkspur(db):
    return VendorFactory(
        name="Larkspur Language Cloud",
        status=VendorStatus.APPROVED,
        approved_data_classes=["public", "internal", "confidential"],
        special_categories=["personal"],
        assessed_special_categories=["personal"],
    )


@pytest.fixture
def owner(db):
    return UserFactory(username="dana", email="Dana.Owner@example.com")


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines]).encode()


COLUMNS = HEADER.split(",")


def row(**cells: str) -> str:
    """A data line for HEADER: a valid row, with `cells` changed."""
    values = {
        "vendor": "Larkspur Language Cloud", "team": "Sales", "purpose": "Notes",
        "data_classes": "internal", "integration": "api", **cells,
    }  # fmt: skip
    return ",".join(values.get(c, "") for c in COLUMNS)


def errors_of(data: bytes) -> list[str]:
    result = parse_usage_csv(data)
    assert result.errors
    assert result.rows == []  # all or nothing
    return [str(e) for e in result.errors]


GOOD = (
    "larkspur language cloud,Sales,Call summaries,Saves an hour a day,"
    "Internal; public,personal,API,dana,2024-03-31,yes,sso; DLP inspection of outgoing data"
)


def test_a_good_file_becomes_rows_of_plain_values(larkspur, owner):
    result = parse_usage_csv(csv_bytes(GOOD))
    assert result.errors == []
    assert result.rows == [
        {
            "line": 2,
            "vendor": larkspur.pk,
            "team": "Sales",
            "purpose": "Call summaries",
            "business_justification": "Saves an hour a day",
            "data_classes": ["internal", "public"],
            "special_categories": ["personal"],
            "integration": "api",
            "owner": owner.pk,
            "start_date": "2024-03-31",
            "end_date": None,
            "active": True,
            "controls": ["dlp", "sso"],
        }
    ]
    json.dumps(result.rows)  # fit for the session


def test_labels_values_header_spelling_and_a_byte_order_mark_are_all_accepted(larkspur, owner):
    data = (
        "\ufeffVendor,Team,Purpose,Data classes,Integration,Owner,Active,End date,Special categories\r\n"
        "LARKSPUR LANGUAGE CLOUD,Legal,Translate guidance,Confidential,Web application,"
        "dana.owner@EXAMPLE.com,No,2024-06-30,payment card\r\n"
    ).encode()
    result = parse_usage_csv(data)
    assert result.errors == []
    row = result.rows[0]
    assert (row["integration"], row["owner"], row["active"], row["end_date"]) == (
        "web_app",
        owner.pk,
        False,
        "2024-06-30",
    )
    assert row["special_categories"] == ["payment_card"]


def test_optional_columns_may_be_left_out_and_active_defaults_to_yes(larkspur):
    data = b"vendor,team,purpose,data_classes,integration\nLarkspur Language Cloud,HR,Drafts,internal,agent\n"
    [row] = parse_usage_csv(data).rows
    assert (row["active"], row["owner"], row["start_date"], row["controls"]) == (
        True,
        None,
        None,
        [],
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            row(vendor="Nobody Inc"),
            "Line 2: unknown vendor “Nobody Inc”: register it first, or check the spelling.",
        ),
        (
            row(data_classes="Internal; Secret"),
            "Line 2: unknown data class “Secret” (use public, internal, confidential, restricted).",
        ),
        (row(team=""), "Line 2: team is missing."),
        (row(purpose="  "), "Line 2: purpose is missing."),
        (
            row(data_classes=""),
            "Line 2: data_classes is missing: name at least one data class.",
        ),
        (
            row(start_date="31/03/2024"),
            "Line 2: bad start date “31/03/2024”: use YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            row(start_date="2024-02-30"),
            "Line 2: bad start date “2024-02-30”: use YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            row(owner="ghost@example.com"),
            "Line 2: unknown owner “ghost@example.com”: no active user has this username or "
            "e-mail.",
        ),
        (
            row(integration="email"),
            "Line 2: unknown integration “email” (use web_app, api, plugin, agent).",
        ),
        (
            row(active="maybe"),
            "Line 2: active must be yes or no, not “maybe”.",
        ),
        (
            row(active="no"),
            "Line 2: an ended usage (active = no) needs an end_date.",
        ),
        (
            row(special_categories="genetic"),
            "Line 2: unknown special category “genetic” (use personal, health, payment_card, "
            "employee, source_code).",
        ),
        (
            row(controls="vpn"),
            "Line 2: unknown control “vpn” (use sso, scoped_keys, gateway_logging, dlp, "
            "segmentation, field_redaction).",
        ),
        (
            row() + ",surplus",
            "Line 2: more cells than the header has columns.",
        ),
        (
            row(team="S" * 121),
            "Line 2: team: Ensure this value has at most 120 characters (it has 121).",
        ),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_reason(larkspur, line, message):
    assert errors_of(csv_bytes(line)) == [message]


def test_an_end_date_before_the_start_date_is_refused(larkspur):
    data = (
        b"vendor,team,purpose,data_classes,integration,start_date,end_date,active\n"
        b"Larkspur Language Cloud,Sales,Notes,internal,api,2024-05-01,2024-04-30,no\n"
    )
    assert errors_of(data) == ["Line 2: end_date is before start_date."]


def test_an_e_mail_shared_by_two_users_is_ambiguous(larkspur):
    UserFactory(username="ann", email="team@example.com")
    UserFactory(username="bob", email="team@example.com")
    assert errors_of(csv_bytes(row(owner="team@example.com"))) == [
        "Line 2: owner “team@example.com”: several users share this e-mail; give the username."
    ]


def test_a_deactivated_owner_is_unknown(larkspur):
    UserFactory(username="gone", is_active=False)
    assert errors_of(csv_bytes(row(owner="gone"))) == [
        "Line 2: unknown owner “gone”: no active user has this username or e-mail."
    ]


def test_every_bad_row_is_reported_not_just_the_first(larkspur):
    data = csv_bytes(
        GOOD.replace(",dana,", ",,"),
        "Nobody Inc,Sales,Notes,,internal,,api,,,,",
        GOOD.replace(",dana,", ",,"),
        row(team="", data_classes="Internal; Secret", start_date="2024-13-01"),
    )
    result = parse_usage_csv(data)
    assert result.rows == []
    assert [e.line for e in result.errors] == [3, 5, 5, 5]
    assert [str(e) for e in result.errors][1:] == [
        "Line 5: team is missing.",
        "Line 5: unknown data class “Secret” (use public, internal, confidential, restricted).",
        "Line 5: bad start date “2024-13-01”: use YYYY-MM-DD, for example 2024-03-31.",
    ]


def test_lines_count_as_an_editor_shows_them_with_blank_lines_and_multi_line_cells(larkspur):
    data = csv_bytes(
        row(purpose='"Notes\nover two lines"'),
        "",
        "Nobody Inc,Sales,Notes,,internal,,api,,,,",
    )
    assert errors_of(data) == [
        "Line 5: unknown vendor “Nobody Inc”: register it first, or check the spelling."
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            HEADER + ",colour",
            "Line 1: unknown column “colour”. The columns are: vendor, team, purpose, "
            "business_justification, data_classes, special_categories, integration, owner, "
            "start_date, active, end_date, controls.",
        ),
        (
            "vendor,team,purpose,data_classes",
            "Line 1: required column(s) missing: integration.",
        ),
        (
            "vendor,team,Team,purpose,data_classes,integration",
            "Line 1: column “team” appears more than once.",
        ),
    ],
)
def test_a_bad_header_is_reported_on_line_one_and_rows_are_not_read(larkspur, header, message):
    data = csv_bytes("Nobody Inc,Sales,Notes,,internal,,api,,,,", header=header)
    assert errors_of(data) == [message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
    ],
)
def test_an_empty_file_is_refused(db, data, message):
    [error] = parse_usage_csv(data).errors
    assert error.line is None
    assert error.message.capitalize() == message.capitalize()


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte(larkspur):
    data = csv_bytes(GOOD, row(team="Vertrieb", purpose="Café notes"))
    latin1 = data.decode().encode("latin-1")
    assert errors_of(latin1) == [
        "Line 3: the file is not UTF-8 text. In a spreadsheet, save it as “CSV UTF-8 "
        "(comma delimited)”."
    ]


def test_more_than_the_maximum_number_of_rows_is_refused_without_reading_them(larkspur):
    with CaptureQueriesContext(connection) as queries:
        errors = errors_of(csv_bytes(*[row()] * (MAX_ROWS + 1)))
    assert errors == [
        f"Line {MAX_ROWS + 2}: too many rows: at most 5,000 per file (this one has 5,001). "
        "Split it into several files."
    ]
    assert len(queries) == 0


def test_the_maximum_number_of_rows_is_accepted(larkspur):
    assert len(parse_usage_csv(csv_bytes(*[row()] * MAX_ROWS)).rows) == MAX_ROWS


def test_checking_a_file_takes_two_queries_whatever_its_length(larkspur, owner):
    with CaptureQueriesContext(connection) as queries:
        assert len(parse_usage_csv(csv_bytes(*[GOOD] * 300)).rows) == 300
    assert len(queries) == 2


def test_nothing_is_written_while_checking(larkspur):
    parse_usage_csv(csv_bytes(GOOD.replace(",dana,", ",,")))
    assert UsageRecord.objects.count() == 0


def test_stored_rows_load_back_into_what_the_import_service_takes(larkspur, owner, reviewer):
    rows = load_rows(parse_usage_csv(csv_bytes(GOOD)).rows)
    assert rows[0]["line"] == 2  # for the import's messages and audit entries
    [usage] = services.usage_import(rows, imported_by=reviewer)
    assert (usage.vendor, usage.owner, usage.start_date) == (larkspur, owner, dt.date(2024, 3, 31))
    assert usage.data_classes == ["public", "internal"]
    assert usage.controls == ["sso", "dlp"]


def test_loading_refuses_rows_whose_vendor_or_owner_has_gone(larkspur, owner):
    stored = parse_usage_csv(csv_bytes(GOOD)).rows
    owner.is_active = False
    owner.save()
    with pytest.raises(StaleImport):
        load_rows(stored)


def test_the_preview_flags_out_of_policy_rows_and_rows_already_on_record(larkspur, reviewer):
    stored = parse_usage_csv(
        csv_bytes(
            GOOD.replace(",dana,", ",,"),
            row(team="Support", purpose="Ticket triage", data_classes="Restricted"),
        )
    ).rows
    services.usage_create(
        created_by=reviewer, vendor=larkspur, team="SALES", purpose="call SUMMARIES",
        data_classes=["internal"], integration="api",
    )  # fmt: skip
    first, second = usage_csv.preview_rows(stored)
    assert (first["line"], first["reasons"], first["duplicate"]) == (2, [], True)
    assert second["line"] == 3
    assert second["reasons"] == [
        "Processes Restricted data; Larkspur Language Cloud is approved for Public, Internal, "
        "Confidential."
    ]
    assert second["duplicate"] is False


def test_a_row_error_reads_with_its_line():
    assert str(RowError(7, "team is missing.")) == "Line 7: team is missing."
    assert str(RowError(None, "the file is empty.")) == "the file is empty."
