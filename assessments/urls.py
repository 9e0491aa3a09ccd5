from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<int:pk>/sections/<slug:section_key>/",
        views.assessment_section,
        name="assessment_section",
    ),
    path(
        "assessments/<int:pk>/answers/<slug:question_key>/",
        views.answer_autosave,
        name="answer_autosave",
    ),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/coverage/", views.assessment_coverage, name="assessment_coverage"),
    path("assessments/<int:pk>/sign-off/", views.assessment_sign_off, name="assessment_sign_off"),
    path(
        "assessments/<int:pk>/send-back/", views.assessment_send_back, name="assessment_send_back"
    ),
    path("assessments/<int:pk>/report.pdf", views.assessment_report, name="assessment_report"),
    path(
        "assessments/<int:pk>/draft-report.pdf",
        views.assessment_report_draft,
        name="assessment_report_draft",
    ),
    path("findings/<int:pk>/", views.finding_edit, name="finding_edit"),
    path("vendors/<int:vendor_pk>/assess/", views.assessment_start, name="assessment_start"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("can-we-use/", views.can_we_use, name="can_we_use"),
    path("findings/", views.finding_list, name="finding_list"),
]
