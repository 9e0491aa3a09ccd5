"""The Django admin, a back office for administrators. It saves evidence through
vendors.services, so that the rules every other path obeys (the derived expiry, validation,
the audit actor) hold here too."""

from django.contrib import admin
from django.db import models

from vendors import services
from vendors.models import Evidence, Vendor


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["kind", "title", "expires_on", "file_name", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "service_type", "status", "tier", "criticality", "updated_at"]
    list_filter = ["status", "tier", "criticality", "service_type"]
    search_fields = ["name", "description", "models_used", "model_providers"]
    # The decision is written by sign-off only (assessments.services): an administrator cannot
    # approve data classes, extend an approval or clear a required reassessment here.
    readonly_fields = [
        "slug", "created_by", "created_at", "updated_at", "status", "tier", "residual_score",
        "approved_data_classes", "conditions", "next_reassessment_date",
        "reassessment_required", "reassessment_reason", "reassessment_required_since",
    ]  # fmt: skip
    inlines = [EvidenceInline]
    # As the vendor form does: a website typed without a scheme is https (Django 6 default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service, so a material change flags a reassessment here too.
            services.vendor_update(obj, changed_by=request.user, name=obj.name)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        for evidence in formset.save(commit=False):
            services.evidence_save(evidence, saved_by=request.user)
        for evidence in formset.deleted_objects:
            services.evidence_delete(evidence, deleted_by=request.user)
        formset.save_m2m()


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["vendor", "kind", "title", "expires_on", "recorded_by", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["vendor__name", "title"]
    list_select_related = ["vendor", "recorded_by"]
    readonly_fields = [
        "file_name", "file_size", "file_sha256", "file_content_type", "expires_on",
        "recorded_by", "recorded_at", "updated_at",
    ]  # fmt: skip
    # Files are uploaded on the evidence pages, which check their content.
    exclude = ["file"]

    def save_model(self, request, obj, form, change):
        services.evidence_save(obj, saved_by=request.user)

    def delete_model(self, request, obj):
        services.evidence_delete(obj, deleted_by=request.user)

    def delete_queryset(self, request, queryset):
        for evidence in queryset:
            services.evidence_delete(evidence, deleted_by=request.user)
