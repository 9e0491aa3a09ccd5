from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"
    verbose_name = "AI vendors"

    def ready(self):
        from auditlog.registry import auditlog

        from vendors.models import Evidence, Incident, UsageRecord, Vendor

        # Every create, change and delete, with actor, fields, old and new values.
        auditlog.register(Vendor, exclude_fields=["updated_at", "created_at", "evidence"])
        auditlog.register(Evidence, exclude_fields=["updated_at", "recorded_at"])
        auditlog.register(UsageRecord, exclude_fields=["updated_at", "created_at"])
        auditlog.register(Incident, exclude_fields=["recorded_at"])
