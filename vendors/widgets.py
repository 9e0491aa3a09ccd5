"""The vendor picker: a type-ahead that replaces a <select> of every vendor.

A select rendered all 10,000 vendors on every page that offered one; the picker renders the
chosen vendor only and asks /vendors/lookup/ (vendors.views.vendor_lookup) for suggestions as
the user types (static/js/vendor_picker.js). vendors.forms.VendorChoiceField pairs it with the
validation.
"""

from dataclasses import dataclass

from django import forms
from django.urls import reverse

from vendors.lookup import vendor_name

SEARCH_SUFFIX = "__search"


@dataclass(frozen=True)
class VendorPick:
    """What a request said about a vendor field.

    `pk` is the hidden input's value ("" when none was chosen). `text` is what the visible box
    held, or None when the request had no box, as with a link such as /usage/?vendor=<pk>.
    """

    pk: str
    text: str | None


class VendorSearchInput(forms.Widget):
    """Renders a hidden input with the vendor's pk under the field's name, a visible combobox
    named `<name>__search` that shows the vendor's name (it takes the field's id, so
    <label for="id_vendor"> names it), and an empty listbox for the suggestions.

    Rendering never touches the field's choices, so the vendor table is never loaded. It costs
    no query when nothing is chosen or when the request already carried the name, and one to
    read the name of a vendor given by pk (an initial value, or a link).

    `value_from_datadict` answers a VendorPick, or None when the request has neither input;
    VendorChoiceField resolves it, by name when there is no pk (without JavaScript, or when
    someone types a full name and submits).
    """

    template_name = "vendors/includes/_vendor_search_input.html"

    class Media:
        js = ["js/vendor_picker.js"]

    def __init__(self, attrs=None):
        super().__init__({"class": "form-control", **(attrs or {})})

    @staticmethod
    def search_name(name: str) -> str:
        return name + SEARCH_SUFFIX

    def value_from_datadict(self, data, files, name):
        if self.value_omitted_from_data(data, files, name):
            return None
        text = data.get(self.search_name(name))
        return VendorPick(pk=(data.get(name) or "").strip(), text=text)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and self.search_name(name) not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        widget = context["widget"]
        widget["value"], widget["text"] = self._pk_and_text(value)
        widget["search_name"] = self.search_name(name)
        widget["listbox_id"] = f"{widget['attrs'].get('id') or name}_listbox"
        widget["lookup_url"] = reverse("vendor_lookup")
        # BoundField marks a field with errors aria-invalid, but Bootstrap keys on .is-invalid:
        # on the box to style it, on the wrapper to show an .invalid-feedback that follows it.
        widget["invalid"] = widget["attrs"].get("aria-invalid") == "true"
        if widget["invalid"]:
            classes = widget["attrs"].get("class", "").split()
            if "is-invalid" not in classes:
                widget["attrs"]["class"] = " ".join([*classes, "is-invalid"])
        return context

    @staticmethod
    def _pk_and_text(value) -> tuple[str, str]:
        """The hidden pk and the visible text for a value: an initial pk, or what a request
        said (VendorPick). What someone typed is shown as typed, even when it names no vendor,
        so that they can correct it; a pk that names no vendor shows an empty picker."""
        if isinstance(value, VendorPick):
            if value.text is not None:
                return value.pk, value.text
            value = value.pk
        if value is None or value == "":
            return "", ""
        name = vendor_name(value)
        return (str(value), name) if name is not None else ("", "")
