from django import forms
from django.utils import timezone

from assessments.models import (
    AssessmentStatus,
    Finding,
    FindingSeverity,
    FindingStatus,
    QuestionnaireTemplate,
)
from vendors.forms import VendorChoiceField
from vendors.models import DataClass, Incident, IncidentSeverity, SpecialCategory
from vendors.widgets import VendorSearchInput

# The filter bars' fields are small.
FILTER_VENDOR_WIDGET = {"class": "form-control form-control-sm"}


class StartAssessmentForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=QuestionnaireTemplate.objects.none(), label="Questionnaire", empty_label=None,
        widget=forms.RadioSelect,
    )  # fmt: skip
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When the review should be finished (optional).",
    )  # fmt: skip

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.name} (v{t.version}) — {t.num_questions} questions"
        )


class AssessmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *AssessmentStatus.choices], required=False
    )
    q = forms.CharField(required=False, label="Vendor")


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (AssessmentStatus.APPROVED, "Approve"),
            (AssessmentStatus.APPROVED_WITH_CONDITIONS, "Approve with conditions"),
            (AssessmentStatus.REJECTED, "Reject"),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="What the vendor or the business must do (approval with conditions).",
    )  # fmt: skip
    conditions_due = forms.DateField(
        required=False, label="Conditions to be met by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == AssessmentStatus.APPROVED_WITH_CONDITIONS:
            if not (data.get("conditions") or "").strip():
                self.add_error("conditions", "Say what the conditions are.")
            if not data.get("conditions_due"):
                self.add_error("conditions_due", "Give the date by which they must be met.")
            elif data["conditions_due"] <= timezone.localdate():
                self.add_error("conditions_due", "The date must be in the future.")
        if (
            data.get("decision") == AssessmentStatus.REJECTED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say why the vendor is rejected.")
        return data


class SendBackForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="What should the reviewer change?"
    )


class FindingForm(forms.ModelForm):
    """Translates the tracking fields; the rules (justification, how long a risk may be
    accepted and by whom) are services.finding_check's, whose errors the view puts back on
    the fields."""

    class Meta:
        model = Finding
        fields = ["status", "owner", "due_date", "justification", "accepted_until",
                  "remediation_note"]  # fmt: skip
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "accepted_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "justification": forms.Textarea(attrs={"rows": 2}),
            "remediation_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["vendor", "title", "date_disclosed", "severity", "summary", "data_classes",
                  "data_categories", "source_link"]  # fmt: skip
        widgets = {
            "date_disclosed": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"vendor": VendorChoiceField}

    source_link = forms.URLField(
        required=False, max_length=500, assume_scheme="https",
        help_text="The vendor's disclosure or a news report.",
    )  # fmt: skip

    def clean_date_disclosed(self):
        day = self.cleaned_data["date_disclosed"]
        if day > timezone.localdate():
            raise forms.ValidationError("An incident cannot be disclosed in the future.")
        return day

    def clean_source_link(self):
        link = self.cleaned_data.get("source_link", "")
        if link and not link.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Give a web address (https://…).")
        return link


class IncidentFilterForm(forms.Form):
    vendor = VendorChoiceField(
        required=False,
        empty_label="Any vendor",
        widget=VendorSearchInput(attrs=FILTER_VENDOR_WIDGET),
    )
    severity = forms.ChoiceField(
        choices=[("", "Any severity"), *IncidentSeverity.choices], required=False
    )
    since = forms.DateField(
        required=False, label="Disclosed since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip


class CanWeUseForm(forms.Form):
    vendor = VendorChoiceField(label="AI vendor or service")
    data_class = forms.ChoiceField(
        choices=DataClass.choices,
        label="Most sensitive data you would send",
        widget=forms.RadioSelect,
    )
    special_categories = forms.MultipleChoiceField(
        choices=SpecialCategory.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Special categories of data involved",
    )  # fmt: skip


class FindingFilterForm(forms.Form):
    severity = forms.MultipleChoiceField(
        choices=FindingSeverity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *FindingStatus.choices], required=False)
    vendor = VendorChoiceField(
        required=False,
        empty_label="Any vendor",
        widget=VendorSearchInput(attrs=FILTER_VENDOR_WIDGET),
    )
