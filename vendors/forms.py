"""Forms validate and convert; vendors.services saves."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat

from vendors.lookup import normalise_name
from vendors.models import (
    EVIDENCE_FACTS,
    REQUIRED_FACTS,
    Evidence,
    EvidenceKind,
    UsageRecord,
    Vendor,
)
from vendors.services import MANUAL_STATUSES, USAGE_FIELDS, VENDOR_EDITABLE_FIELDS
from vendors.uploads import ACCEPT_ATTRIBUTE, check_upload
from vendors.widgets import VendorPick, VendorSearchInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class VendorForm(forms.ModelForm):
    website = forms.URLField(
        required=False, max_length=200, assume_scheme="https",
        help_text="The vendor's public site or trust centre.",
    )  # fmt: skip

    class Meta:
        model = Vendor
        fields = VENDOR_EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "business_justification": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"business_owner": UserChoiceField, "security_owner": UserChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
        self.fields["business_owner"].queryset = users
        self.fields["security_owner"].queryset = users
        self.fields["business_owner"].help_text = "Accountable for the vendor; gets reminders."
        self.fields["security_owner"].help_text = "Runs its security review; gets reminders."
        self.fields["website"].widget.attrs["placeholder"] = "https://"
        current = self.instance.status if self.instance.pk else None
        allowed = list(MANUAL_STATUSES)
        if current and current not in allowed:
            # Approval and rejection come from sign-off; keep the current one selectable.
            allowed.append(current)
        self.fields["status"].choices = [
            (value, label) for value, label in self.fields["status"].choices if value in allowed
        ]
        self.fields[
            "status"
        ].help_text = "Approval and rejection are set by a security lead's sign-off."
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self):
        name = normalise_name(self.cleaned_data["name"])
        clash = Vendor.objects.annotate(lname=Lower("name")).filter(lname=name.lower())
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                f"A vendor named “{clash.get().name}” already exists (names ignore case)."
            )
        return name

    def validate_constraints(self):
        # clean_name already reports the case-insensitive clash with a better message.
        pass


class ConfirmForm(forms.Form):
    """A POST-only confirmation, for retire and delete pages."""

    confirm = forms.BooleanField(
        required=True, label="I understand", error_messages={"required": "Tick the box to confirm."}
    )


# Whether the audited or certified scope covers the AI service: said in the words of each
# kind's document, since the field is shared.
COVERS_AI_SERVICE_TEXT = {
    EvidenceKind.SOC2: (
        "Audited scope includes the AI service",
        "Does the report's system description cover the AI service we would use? "
        "Unknown makes the report weak evidence; No makes it count as none.",
    ),
    EvidenceKind.ISO27001: (
        "Certified scope includes the AI service",
        "Does the certificate's scope statement cover the AI service we would use? "
        "Unknown makes the certificate weak evidence; No makes it count as none.",
    ),
}
COVERS_AI_SERVICE_TEXT[EvidenceKind.ISO42001] = COVERS_AI_SERVICE_TEXT[EvidenceKind.ISO27001]


class EvidenceForm(forms.ModelForm):
    """Base for the per-kind forms built by evidence_form_class()."""

    upload = forms.FileField(
        label="File", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text="PDF, PNG, JPEG, plain text, DOCX or XLSX; checked by content.",
    )  # fmt: skip
    remove_file = forms.BooleanField(label="Remove the stored file", required=False)

    kind: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REQUIRED_FACTS.get(self.kind, []):
            self.fields[name].required = True
        if "covers_ai_service" in self.fields:
            label, help_text = COVERS_AI_SERVICE_TEXT[self.kind]
            self.fields["covers_ai_service"].label = label
            self.fields["covers_ai_service"].help_text = help_text
        for field in self.fields.values():
            if isinstance(field, forms.NullBooleanField):
                field.widget = forms.NullBooleanSelect()
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
        limit = filesizeformat(settings.EVIDENCE_MAX_UPLOAD_BYTES)
        self.fields[
            "upload"
        ].help_text = (
            f"PDF, PNG, JPEG, plain text, DOCX or XLSX, up to {limit}; checked by content."
        )
        if not (self.instance.pk and self.instance.file):
            del self.fields["remove_file"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.checked_upload = None

    def clean_upload(self):
        uploaded = self.cleaned_data.get("upload")
        if uploaded:
            self.checked_upload = check_upload(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        today = dt.date.today()
        for name in REQUIRED_FACTS.get(self.kind, []):
            # NullBooleanField accepts "Unknown" even when required; a required fact may not be.
            if name in data and data[name] is None and name not in self.errors:
                self.add_error(name, "Say yes or no: this fact decides the risk.")

        def later(start, end, message):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                self.add_error(end, message)

        later("period_start", "period_end", "The audit period cannot end before it starts.")
        later("issue_date", "expiry_date", "A certificate cannot expire before it was issued.")
        later("document_date", "valid_until", "Validity cannot end before the document's date.")
        for name, what in (
            ("period_end", "An audit period that has not ended yet has no report."),
            ("period_start", "The audit period cannot start in the future."),
            ("issue_date", "A certificate cannot be issued in the future."),
            ("signed_date", "The agreement cannot be signed in the future."),
            ("document_date", "The document cannot be dated in the future."),
        ):
            if name in self.fields and data.get(name) and data[name] > today:
                self.add_error(name, what)
        period = (data.get("period_start"), data.get("period_end"))
        if data.get("soc2_type") == "type2" and all(period) and (period[1] - period[0]).days < 60:
            self.add_error(
                "period_end",
                "A SOC 2 Type II period covers months of operation (usually 3 to 12); "
                "check the dates or record a Type I report.",
            )
        hours = data.get("breach_notification_hours")
        if hours is not None and hours > 24 * 365:
            self.add_error(
                "breach_notification_hours", "Give the commitment in hours (at most a year)."
            )
        return data

    def facts(self) -> dict:
        """The cleaned facts for vendors.services (no file fields)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("upload", "remove_file")}


def evidence_form_class(kind: str) -> type[EvidenceForm]:
    """A form with the common fields plus the facts of `kind`."""
    if kind not in EvidenceKind.values:
        raise ValueError(kind)
    fields = ["title", *EVIDENCE_FACTS[kind], "notes"]
    meta = type(
        "Meta", (), {
            "model": Evidence,
            "fields": fields,
            "widgets": {"notes": forms.Textarea(attrs={"rows": 3}), "scope": forms.Textarea(attrs={"rows": 2})},
        },
    )  # fmt: skip
    return type(f"{kind.title()}EvidenceForm", (EvidenceForm,), {"Meta": meta, "kind": kind})


class EvidenceKindForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices, label="Kind of evidence")


# --- Usage records ----------------------------------------------------------------------------


class VendorChoiceField(forms.ModelChoiceField):
    """A vendor, picked with the type-ahead (vendors.widgets.VendorSearchInput); cleans to a
    Vendor of `queryset` (every vendor by default), or None when nothing was picked.

    What the box says wins over the hidden pk when the two disagree, because without
    JavaScript nothing clears the pk when someone edits the text: the vendor is then the one
    of that name, ignoring case. A name that matches no vendor is an error that quotes it.
    `empty_label` becomes the box's placeholder ("Any vendor" in filters).
    """

    widget = VendorSearchInput
    default_error_messages = {
        "invalid_choice": "That vendor does not exist (any more). Pick one from the suggestions.",
        "unknown_name": "No vendor is called “%(name)s”. Pick one from the suggestions.",
    }

    def __init__(self, queryset=None, *, empty_label=None, **kwargs):
        if queryset is None:
            queryset = Vendor.objects.all()
        super().__init__(queryset, empty_label=empty_label, **kwargs)
        self.widget.attrs.setdefault("placeholder", empty_label or "Type a vendor’s name")

    def to_python(self, value):
        if not isinstance(value, VendorPick):
            return super().to_python(value)
        if value.text is None:
            return super().to_python(value.pk)
        text = normalise_name(value.text)
        if not text:
            return None
        if value.pk:
            try:
                vendor = super().to_python(value.pk)
            except ValidationError:
                vendor = None
            if vendor is not None and vendor.name.lower() == text.lower():
                return vendor
        try:
            return self.queryset.alias(lname=Lower("name")).get(lname=text.lower())
        except Vendor.DoesNotExist:
            raise ValidationError(
                self.error_messages["unknown_name"], code="unknown_name", params={"name": text}
            ) from None


class UsageForm(forms.ModelForm):
    class Meta:
        model = UsageRecord
        fields = USAGE_FIELDS
        widgets = {
            "business_justification": forms.Textarea(attrs={"rows": 3}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        field_classes = {"vendor": VendorChoiceField, "owner": UserChoiceField}
        labels = {"active": "Still in use"}
        help_texts = {
            "team": "The team or department that uses the service.",
            "purpose": "What the team uses it for, in a sentence.",
            "owner": "The person accountable for this use.",
            "end_date": "Required once the usage has ended.",
            "controls": "Zero-trust controls on our side of the integration.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page loads the picker's script at the end of the body, after the fields it binds.
        self.helper.include_media = False
        self.helper.layout = Layout(
            Row(Column("vendor", css_class="col-md-6"), Column("team", css_class="col-md-6")),
            "purpose",
            "business_justification",
            Row(
                Column("data_classes", css_class="col-md-4"),
                Column("special_categories", css_class="col-md-4"),
                Column("controls", css_class="col-md-4"),
            ),
            Row(Column("integration", css_class="col-md-6"), Column("owner", css_class="col-md-6")),
            Row(
                Column("start_date", css_class="col-md-4"),
                Column("end_date", css_class="col-md-4"),
                Column("active", css_class="col-md-4 pt-md-4"),
            ),
        )

    def clean_team(self):
        return " ".join(self.cleaned_data["team"].split())

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The usage cannot end before it started.")
        if "active" in data and not data["active"] and not end and "end_date" not in self.errors:
            self.add_error("end_date", "An ended usage needs an end date.")
        if data.get("active") and end and end < dt.date.today():
            self.add_error(
                "active", "The end date has passed: untick “Still in use”, or clear the date."
            )
        return data


class UsageImportForm(forms.Form):
    MAX_BYTES = 5 * 1024 * 1024

    file = forms.FileField(
        label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="UTF-8, comma-separated, with a header row; up to 5,000 rows and 5 MB.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self) -> bytes:
        """The file's bytes: vendors.usage_csv checks the content."""
        uploaded = self.cleaned_data["file"]
        if uploaded.size > self.MAX_BYTES:
            raise ValidationError(
                f"The file is {filesizeformat(uploaded.size)}; the limit is "
                f"{filesizeformat(self.MAX_BYTES)}. Split it into several files."
            )
        return uploaded.read()


class UsageImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
