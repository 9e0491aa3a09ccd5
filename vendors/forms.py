"""Forms validate and convert; vendors.services saves."""

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat

from vendors.models import EVIDENCE_FACTS, REQUIRED_FACTS, Evidence, EvidenceKind, Vendor
from vendors.services import MANUAL_STATUSES, VENDOR_EDITABLE_FIELDS
from vendors.uploads import ACCEPT_ATTRIBUTE, check_upload


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
        name = " ".join(self.cleaned_data["name"].split())
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
