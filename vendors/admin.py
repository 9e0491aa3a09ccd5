from django.contrib import admin

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
    readonly_fields = ["slug", "created_by", "created_at", "updated_at"]
    inlines = [EvidenceInline]


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
