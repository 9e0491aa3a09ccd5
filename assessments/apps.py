from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from auditlog.registry import auditlog

        from assessments.models import Assessment, AssessmentReport, Finding

        # Status changes, submission and sign-off are audited; answers autosave too often to
        # log each keystroke and carry their own who/when/version.
        auditlog.register(Assessment, exclude_fields=["updated_at", "created_at"])
        auditlog.register(Finding, exclude_fields=["updated_at"])
        auditlog.register(AssessmentReport)
