"""The reads behind the vendor picker (vendors.widgets.VendorSearchInput): the suggestions for
what someone typed, and the name of the vendor a form already holds. Each is one query that
returns at most a handful of rows, however many vendors there are."""

from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Lower

from vendors.models import Vendor, VendorStatus

SUGGESTIONS_LIMIT = 20


def normalise_name(text: str) -> str:
    """A vendor name as names are stored and compared: inner runs of whitespace collapsed,
    trimmed (the vendor form, the usage import and the picker all go through here)."""
    return " ".join(text.split())


def vendor_suggestions(text: str, limit: int = SUGGESTIONS_LIMIT) -> tuple[list[dict], bool]:
    """Up to `limit` vendors whose name contains `text` (ignoring case), and whether more match.

    Names that start with the text come first, then the others; each group A-Z ignoring case.
    Retired vendors are included and flagged. Each suggestion is
    {"id", "name", "status" (its label), "retired"}. Blank text suggests nothing, without a
    query. One query: it fetches one row more than `limit` to know whether there are more.
    """
    text = normalise_name(text)
    if not text:
        return [], False
    rows = list(
        Vendor.objects.filter(name__icontains=text)
        .annotate(
            starts=Case(
                When(name__istartswith=text, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("starts", Lower("name"), "pk")
        .values("pk", "name", "status")[: limit + 1]
    )
    suggestions = [
        {
            "id": row["pk"],
            "name": row["name"],
            "status": VendorStatus(row["status"]).label,
            "retired": row["status"] == VendorStatus.RETIRED,
        }
        for row in rows[:limit]
    ]
    return suggestions, len(rows) > limit


def vendor_name(pk) -> str | None:
    """The name of vendor `pk`, or None when there is no such vendor or `pk` is not a number.
    At most one query; none for a value that cannot be a pk."""
    if not str(pk).isdigit():
        return None
    vendor = Vendor.objects.only("pk", "name").filter(pk=pk).first()
    return vendor.name if vendor else None
