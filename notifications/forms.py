from django import forms

from notifications.models import NotificationPreference, ReminderKind, ReminderStatus


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["reminder_emails"]


class ReminderFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *ReminderKind.choices], required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ReminderStatus.choices], required=False
    )
    since = forms.DateField(
        required=False, label="Created since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )  # fmt: skip
