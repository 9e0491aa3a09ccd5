from django import forms

from assessments.models import AssessmentStatus, QuestionnaireTemplate


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
