from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Answer, Assessment, Finding, Question, QuestionnaireTemplate, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "key", "title"]
    readonly_fields = fields
    can_delete = False


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "version", "active", "source_file", "loaded_at"]
    list_filter = ["active", "key"]
    readonly_fields = ["key", "version", "content_sha256", "source_file", "loaded_at"]
    fields = ["name", "key", "version", "description", "active", "source_file", "content_sha256",
              "loaded_at"]  # fmt: skip
    inlines = [SectionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Read-only: questions change by editing the bank file and loading a new version."""

    list_display = ["key", "template", "section", "domain", "answer_type", "weight"]
    list_filter = ["template", "domain", "answer_type"]
    search_fields = ["key", "text"]
    list_select_related = ["template", "section"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value", "comment", "answered_by", "answered_at", "version"]
    readonly_fields = fields
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["vendor", "template", "status", "created_at", "submitted_at"]
    list_filter = ["status", "template"]
    search_fields = ["vendor__name"]
    list_select_related = ["vendor", "template"]
    # The decision and who took part are written by the sign-off services only, which keep
    # the separation of duties: an administrator changes them by signing off in the app.
    readonly_fields = ["vendor", "template", "previous", "created_by", "created_at",
                       "submitted_by", "submitted_at", "contributors", "status", "tier",
                       "residual_score", "decided_by", "decided_at", "decision_comment",
                       "conditions", "conditions_due", "returned_comment"]  # fmt: skip
    inlines = [AnswerInline]


class FindingAdminForm(forms.ModelForm):
    """Reports services.finding_check's refusals on the fields, as the finding page does."""

    changed_by = None  # set per request by FindingAdmin.get_form

    def clean(self):
        data = super().clean()
        if self.errors:  # a field that did not parse would only add a misleading refusal
            return data
        stored = Finding.objects.get(pk=self.instance.pk)
        tracked = {name: data.get(name) for name in services.FINDING_TRACKING_FIELDS}
        try:
            services.finding_check(stored, changed_by=self.changed_by, **tracked)
        except ValidationError as refused:
            self.add_error(None, refused)
        return data


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    """Findings come from scoring; only how they are tracked changes, and it is saved through
    services.finding_update so the admin obeys the rules of risk acceptance."""

    form = FindingAdminForm
    list_display = ["vendor", "severity", "question_key", "status", "accepted_until", "owner"]
    list_filter = ["status", "severity"]
    search_fields = ["vendor__name", "question_key", "question_text"]
    list_select_related = ["vendor", "owner"]
    fields = ["vendor", "assessment", "severity", "kind", "question_key", "question_text",
              "answer_text", "detail", "remediation", *services.FINDING_TRACKING_FIELDS,
              "updated_by", "updated_at"]  # fmt: skip
    readonly_fields = ["vendor", "assessment", "severity", "kind", "question_key",
                       "question_text", "answer_text", "detail", "remediation", "updated_by",
                       "updated_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.changed_by = request.user  # a new class per request (modelform_factory)
        return form

    def save_model(self, request, obj, form, change):
        tracked = {name: form.cleaned_data[name] for name in services.FINDING_TRACKING_FIELDS}
        services.finding_update(obj, changed_by=request.user, **tracked)
