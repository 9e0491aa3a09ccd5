"""The vendor picker's widget: what it renders for each value, at what cost, and what it reads
back from a request. How the field cleans what it reads is in test_forms.py."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.vendors.factories import VendorFactory
from tests.vendors.test_forms import FilterForm, PickForm
from vendors.widgets import VendorPick, VendorSearchInput

pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def parts(html: str) -> tuple[dict, dict, dict]:
    """The hidden input, the combobox and the listbox of a rendered picker."""
    found = tags(html)
    hidden = [a for t, a in found if t == "input" and a.get("type") == "hidden"]
    boxes = [a for t, a in found if a.get("role") == "combobox"]
    lists = [a for t, a in found if a.get("role") == "listbox"]
    assert len(hidden) == len(boxes) == len(lists) == 1, found
    return hidden[0], boxes[0], lists[0]


def render(bound_field) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = str(bound_field)
    return html, len(queries)


def test_it_renders_the_chosen_vendor_in_one_query_without_loading_the_others():
    VendorFactory.create_batch(30)
    chosen = VendorFactory(name="Quillnote AI")

    html, queries = render(PickForm(initial={"vendor": chosen.pk})["vendor"])

    assert queries == 1
    hidden, box, listbox = parts(html)
    assert hidden == {"type": "hidden", "name": "vendor", "value": str(chosen.pk),
                      "data-vendor-picker-value": None}  # fmt: skip
    assert box["name"] == "vendor__search"
    assert box["value"] == "Quillnote AI"
    assert box["id"] == "id_vendor"
    assert box["aria-autocomplete"] == "list"
    assert box["aria-expanded"] == "false"
    assert box["aria-controls"] == listbox["id"] == "id_vendor_listbox"
    assert "form-control" in box["class"].split()
    assert "<option" not in html
    assert "Vendor 0" not in html


def test_nothing_chosen_renders_an_empty_picker_without_a_query():
    VendorFactory.create_batch(3)

    html, queries = render(PickForm()["vendor"])

    assert queries == 0
    hidden, box, _ = parts(html)
    assert (hidden["value"], box["value"]) == ("", "")
    assert box["placeholder"] == "Type a vendor’s name"


def test_a_filter_says_any_vendor_when_empty():
    html, _ = render(FilterForm()["vendor"])
    _, box, _ = parts(html)
    assert box["placeholder"] == "Any vendor"
    assert "required" not in box


def test_the_label_names_the_visible_box():
    form = PickForm()
    assert 'for="id_vendor"' in form["vendor"].label_tag()
    hidden, box, _ = parts(str(form["vendor"]))
    assert box["id"] == "id_vendor"
    assert "id" not in hidden


def test_what_a_request_said_is_shown_as_typed_without_a_query():
    vendor = VendorFactory(name="Quillnote AI")
    form = FilterForm({"vendor": str(vendor.pk), "vendor__search": "Quillnote AI"})
    assert form.is_valid()

    html, queries = render(form["vendor"])

    assert queries == 0
    hidden, box, _ = parts(html)
    assert (hidden["value"], box["value"]) == (str(vendor.pk), "Quillnote AI")


def test_a_link_with_only_a_pk_shows_the_vendors_name():
    vendor = VendorFactory(name="Quillnote AI")
    form = FilterForm(QueryDict(f"vendor={vendor.pk}"))
    assert form.is_valid()

    html, queries = render(form["vendor"])

    assert queries == 1
    hidden, box, _ = parts(html)
    assert (hidden["value"], box["value"]) == (str(vendor.pk), "Quillnote AI")


@pytest.mark.parametrize("pk", [999999, "nope"])
def test_a_pk_that_names_no_vendor_renders_an_empty_picker(pk):
    hidden, box, _ = parts(str(PickForm(initial={"vendor": pk})["vendor"]))
    assert (hidden["value"], box["value"]) == ("", "")


def test_an_error_marks_the_box_invalid_and_keeps_the_text():
    form = FilterForm({"vendor": "", "vendor__search": "Quilnote <b>"})
    assert not form.is_valid()

    html = str(form["vendor"])

    _, box, _ = parts(html)
    assert box["value"] == "Quilnote <b>"
    assert "is-invalid" in box["class"].split()
    assert box["aria-invalid"] == "true"
    assert 'class="vendor-picker is-invalid"' in html  # so that .invalid-feedback shows
    assert "<b>" not in html


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"vendor": "7", "vendor__search": "Quillnote AI"}, VendorPick("7", "Quillnote AI")),
        ({"vendor": "", "vendor__search": "quillnote ai"}, VendorPick("", "quillnote ai")),
        ({"vendor": " 7 "}, VendorPick("7", None)),
        ({"vendor__search": "Quillnote AI"}, VendorPick("", "Quillnote AI")),
        ({"team": "Sales"}, None),
    ],
)
def test_it_reads_the_pk_and_the_text_from_a_request(data, expected):
    widget = VendorSearchInput()
    assert widget.value_from_datadict(data, {}, "vendor") == expected
    assert widget.value_omitted_from_data(data, {}, "vendor") is (expected is None)


def test_its_media_brings_the_script():
    assert "js/vendor_picker.js" in str(PickForm().media)
