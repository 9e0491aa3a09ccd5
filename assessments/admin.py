from django.contrib import admin

from assessments.models import Answer, Assessment, Question, QuestionnaireTemplate, Section


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
    readonly_fields = ["vendor", "template", "previous", "created_by", "created_at",
                       "submitted_by", "submitted_at"]  # fmt: skip
    inlines = [AnswerInline]
