"""Read a usage inventory from CSV: check every row, report every problem, import nothing
until the whole file is right. Columns and an example file: docs/usage-import.md.

    result = parse_usage_csv(uploaded_bytes)       # checks; no writes
    if result.errors: ...                          # RowError(line, message) for each problem
    stored = result.rows                           # JSON-serialisable: kept in a UsageImport
    rows = load_rows(stored)                       # model instances, for services.usage_import

Line numbers are those a spreadsheet or text editor shows: the header is line 1, and a
record whose quoted cell spans several lines is reported at its first line.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from vendors.lookup import normalise_name
from vendors.models import (
    DataClass,
    Integration,
    SpecialCategory,
    UsageControl,
    UsageRecord,
    Vendor,
)
from vendors.policy import out_of_policy_reasons

MAX_ROWS = 5000

COLUMNS = [
    "vendor", "team", "purpose", "business_justification", "data_classes",
    "special_categories", "integration", "owner", "start_date", "active", "end_date", "controls",
]  # fmt: skip
REQUIRED_COLUMNS = ["vendor", "team", "purpose", "data_classes", "integration"]

_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "ended", "inactive"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class StaleImport(Exception):
    """The stored rows refer to a vendor or owner that no longer exists."""


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"Line {self.line}: {self.message}"


@dataclass
class ParseResult:
    """`rows` are JSON-serialisable dicts (pks, ISO dates, choice values), one per data row,
    each with its `line`; empty whenever there are `errors`."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _normalise(text: str) -> str:
    """Compare names loosely: case, spaces, hyphens and underscores do not matter."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def _choice_lookup(choices_class) -> dict[str, str]:
    """Both the value ("web_app") and the label ("Web application") name a choice."""
    lookup = {}
    for choice in choices_class:
        lookup[_normalise(choice.value)] = choice.value
        lookup[_normalise(choice.label)] = choice.value
    return lookup


_LOOKUPS = {
    "data_classes": (_choice_lookup(DataClass), DataClass, "data class"),
    "special_categories": (_choice_lookup(SpecialCategory), SpecialCategory, "special category"),
    "controls": (_choice_lookup(UsageControl), UsageControl, "control"),
    "integration": (_choice_lookup(Integration), Integration, "integration"),
}


def _known(column: str) -> str:
    _lookup, choices_class, _noun = _LOOKUPS[column]
    return ", ".join(c.value for c in choices_class)


def _split(cell: str) -> list[str]:
    # Semicolons as documented; commas too, since no choice's name contains either.
    return [part.strip() for part in re.split(r"[;,]", cell) if part.strip()]


def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, RowError(
            line,
            "the file is not UTF-8 text. In a spreadsheet, save it as “CSV UTF-8 "
            "(comma delimited)”.",
        )


def _header(cells: list[str]) -> tuple[list[str], list[RowError]]:
    errors = []
    names = [_normalise(cell).replace(" ", "_") for cell in cells]
    for cell, name in zip(cells, names, strict=True):
        if name and name not in COLUMNS:
            errors.append(RowError(1, f"unknown column “{cell.strip()}”. The columns are: "
                                      f"{', '.join(COLUMNS)}."))  # fmt: skip
        elif not name:
            errors.append(RowError(1, "a column has no name."))
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        errors.append(RowError(1, f"column “{duplicates[0]}” appears more than once."))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        errors.append(RowError(1, f"required column(s) missing: {', '.join(missing)}."))
    return names, errors


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    """(first line, cells) of each non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    for cells in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


def _vendors_by_name(names: set[str]) -> dict[str, Vendor]:
    vendors = Vendor.objects.annotate(lname=Lower("name")).filter(lname__in=names)
    return {v.lname: v for v in vendors}


def _owners_by_key(keys: set[str]) -> dict[str, object]:
    """Active users by lower-cased username and e-mail; an e-mail shared by two users maps
    to None (ambiguous)."""
    if not keys:
        return {}
    User = get_user_model()
    users = User.objects.filter(is_active=True).annotate(
        lusername=Lower(User.USERNAME_FIELD), lemail=Lower(User.get_email_field_name())
    )
    owners: dict[str, object] = {}
    for user in users.filter(Q(lusername__in=keys) | Q(lemail__in=keys)):
        owners[user.lusername] = user
        if user.lemail and user.lemail != user.lusername:
            owners[user.lemail] = None if user.lemail in owners else user
    return owners


def parse_usage_csv(data: bytes) -> ParseResult:
    """Check a whole file. Every problem becomes a RowError; no database writes."""
    text, error = _decode(data)
    if error:
        return ParseResult(errors=[error])
    if not text.strip():
        return ParseResult(errors=[RowError(None, "the file is empty.")])
    try:
        records = list(_records(text))
    except csv.Error as problem:
        return ParseResult(errors=[RowError(None, f"the file is not valid CSV ({problem}).")])
    if not records:
        return ParseResult(errors=[RowError(None, "the file is empty.")])
    header_line, header_cells = records[0]
    names, errors = _header(header_cells)
    if errors:
        # Reading rows against a wrong header would only repeat the same mistake per row.
        return ParseResult(errors=[RowError(header_line, e.message) for e in errors])
    body = records[1:]
    if not body:
        return ParseResult(errors=[RowError(None, "the file has a header but no rows.")])
    if len(body) > MAX_ROWS:
        line = body[MAX_ROWS][0]
        return ParseResult(
            errors=[RowError(line, f"too many rows: at most {MAX_ROWS:,} per file (this one "
                                   f"has {len(body):,}). Split it into several files.")]
        )  # fmt: skip

    cells_by_row = []
    for line, cells in body:
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}
        cells_by_row.append((line, row, len(cells) > len(names)))

    vendors = _vendors_by_name({normalise_name(r["vendor"]).lower() for _, r, _ in cells_by_row})
    owners = _owners_by_key({r.get("owner", "").lower() for _, r, _ in cells_by_row} - {""})
    result = ParseResult()
    for line, row, extra_cells in cells_by_row:
        stored, problems = _check_row(row, vendors, owners)
        if extra_cells:
            problems.append("more cells than the header has columns.")
        result.errors.extend(RowError(line, p) for p in problems)
        if not problems:
            result.rows.append({"line": line, **stored})
    if result.errors:
        result.rows = []  # all or nothing: a caller cannot import part of a bad file
    return result


def _check_row(row: dict, vendors: dict, owners: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    stored: dict = {}

    name = normalise_name(row["vendor"])
    if not name:
        problems.append("vendor is empty.")
    elif name.lower() not in vendors:
        problems.append(f"unknown vendor “{name}”: register it first, or check the spelling.")
    else:
        stored["vendor"] = vendors[name.lower()].pk

    for column in ("team", "purpose"):
        stored[column] = " ".join(row[column].split())
        if not stored[column]:
            problems.append(f"{column} is missing.")
    stored["business_justification"] = row.get("business_justification", "")

    for column in ("data_classes", "special_categories", "controls"):
        lookup, _choices, noun = _LOOKUPS[column]
        values = []
        for part in _split(row.get(column, "")):
            if _normalise(part) in lookup:
                values.append(lookup[_normalise(part)])
            else:
                problems.append(f"unknown {noun} “{part}” (use {_known(column)}).")
        stored[column] = sorted(set(values))
    if not _split(row["data_classes"]):
        problems.append("data_classes is missing: name at least one data class.")

    integration = row["integration"]
    lookup = _LOOKUPS["integration"][0]
    if not integration:
        problems.append(f"integration is missing (use {_known('integration')}).")
    elif _normalise(integration) not in lookup:
        problems.append(f"unknown integration “{integration}” (use {_known('integration')}).")
    else:
        stored["integration"] = lookup[_normalise(integration)]

    owner_key = row.get("owner", "").lower()
    stored["owner"] = None
    if owner_key:
        owner = owners.get(owner_key)
        if owner is None and owner_key in owners:
            problems.append(f"owner “{row['owner']}”: several users share this e-mail; "
                            "give the username.")  # fmt: skip
        elif owner is None:
            problems.append(f"unknown owner “{row['owner']}”: no active user has this "
                            "username or e-mail.")  # fmt: skip
        else:
            stored["owner"] = owner.pk

    dates = {}
    for column in ("start_date", "end_date"):
        cell = row.get(column, "")
        dates[column] = None
        if cell:
            try:
                if not _ISO_DATE.fullmatch(cell):
                    raise ValueError(cell)
                dates[column] = dt.date.fromisoformat(cell)
            except ValueError:
                problems.append(f"bad {column.replace('_', ' ')} “{cell}”: use YYYY-MM-DD, "
                                "for example 2024-03-31.")  # fmt: skip
        stored[column] = dates[column].isoformat() if dates[column] else None

    active = row.get("active", "").lower()
    stored["active"] = True
    if active in _FALSE:
        stored["active"] = False
    elif active and active not in _TRUE:
        problems.append(f"active must be yes or no, not “{row['active']}”.")
    if not stored["active"] and not dates["end_date"] and not row.get("end_date"):
        problems.append("an ended usage (active = no) needs an end_date.")
    if stored["active"] and dates["end_date"] and dates["end_date"] < dt.date.today():
        problems.append("an end_date in the past needs active = no.")
    if dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
        problems.append("end_date is before start_date.")

    if not problems:
        problems.extend(_model_problems(stored))
    return stored, problems


def _model_problems(stored: dict) -> list[str]:
    """What the model itself refuses (lengths, mostly), checked without a query."""
    usage = UsageRecord(**_field_values(stored))
    try:
        usage.full_clean(exclude=["vendor", "owner", "created_by"])
    except ValidationError as error:
        return [f"{name.replace('_', ' ')}: {' '.join(messages)}"
                for name, messages in error.message_dict.items()]  # fmt: skip
    return []


def _field_values(stored: dict) -> dict:
    """Model field values from a stored row, except vendor and owner."""
    values = {k: v for k, v in stored.items() if k not in ("line", "vendor", "owner")}
    for column in ("start_date", "end_date"):
        if values.get(column):
            values[column] = dt.date.fromisoformat(values[column])
    return values


def load_rows(stored_rows: list[dict]) -> list[dict]:
    """Keyword arguments for services.usage_import, one dict per stored row with its `line`,
    vendor and owner instances (two queries in all). Raises StaleImport when one has gone
    since, or an owner was deactivated."""
    vendor_pks = {r["vendor"] for r in stored_rows}
    owner_pks = {r["owner"] for r in stored_rows if r["owner"]}
    vendors = Vendor.objects.in_bulk(vendor_pks)
    owners = get_user_model().objects.filter(is_active=True).in_bulk(owner_pks)
    if len(vendors) != len(vendor_pks) or len(owners) != len(owner_pks):
        raise StaleImport("A vendor or owner named in the file was removed or deactivated.")
    return [
        {
            "line": row.get("line"),
            **_field_values(row),
            "vendor": vendors[row["vendor"]],
            "owner": owners[row["owner"]] if row["owner"] else None,
        }
        for row in stored_rows
    ]


def preview_rows(stored_rows: list[dict]) -> list[dict]:
    """The rows as they will be imported, each with its line and out-of-policy reasons.

    Rows that repeat an existing record (same vendor, team and purpose, ignoring case) are
    flagged `duplicate`: importing the same inventory twice is the likeliest mistake.
    """
    today = timezone.localdate()
    loaded = load_rows(stored_rows)
    existing = set(
        UsageRecord.objects.filter(vendor__in={r["vendor"] for r in loaded})
        .annotate(lteam=Lower("team"), lpurpose=Lower("purpose"))
        .values_list("vendor_id", "lteam", "lpurpose")
    )
    preview = []
    for stored, values in zip(stored_rows, loaded, strict=True):
        usage = UsageRecord(**{k: v for k, v in values.items() if k != "line"})
        preview.append(
            {
                "line": stored["line"],
                "usage": usage,
                "reasons": out_of_policy_reasons(usage, today),
                "duplicate": (usage.vendor.pk, usage.team.lower(), usage.purpose.lower())
                in existing,
            }
        )
    return preview
