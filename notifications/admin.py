from django.contrib import admin

from notifications.models import NotificationPreference, ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "kind", "subject", "status", "attempts", "resends", "next_attempt_at",
        "sent_at",
    ]  # fmt: skip
    list_filter = ["kind", "status"]
    search_fields = ["subject"]
    readonly_fields = [f.name for f in ReminderLog._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.register(NotificationPreference)
