from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "assessments/", views.upcoming_section, {"section": "assessments"}, name="assessment_list"
    ),
    path("incidents/", views.upcoming_section, {"section": "incidents"}, name="incident_list"),
    path("usage/", views.upcoming_section, {"section": "usage"}, name="usage_list"),
]
