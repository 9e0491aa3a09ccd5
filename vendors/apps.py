from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"
    verbose_name = "AI vendors"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete, post_save

        from vendors.models import EVIDENCE_SUMMARY_FIELDS, Evidence, Incident, UsageRecord, Vendor
        from vendors.signals import evidence_changed

        # Every create, change and delete, with actor, fields, old and new values.
        auditlog.register(
            Vendor,
            exclude_fields=["updated_at", "created_at", "evidence", *EVIDENCE_SUMMARY_FIELDS],
        )
        auditlog.register(Evidence, exclude_fields=["updated_at", "recorded_at"])
        auditlog.register(UsageRecord, exclude_fields=["updated_at", "created_at"])
        auditlog.register(Incident, exclude_fields=["recorded_at"])

        # The vendor's stored evidence summary follows every change of its evidence, whoever
        # makes it (the services, the admin, a script).
        post_save.connect(evidence_changed, sender=Evidence, dispatch_uid="evidence-summary-save")
        post_delete.connect(
            evidence_changed, sender=Evidence, dispatch_uid="evidence-summary-delete"
        )
