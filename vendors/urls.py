from django.urls import path

from vendors import views

urlpatterns = [
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/export.csv", views.vendor_export, name="vendor_export"),
    path("vendors/new/", views.vendor_create, name="vendor_create"),
    path("vendors/lookup/", views.vendor_lookup, name="vendor_lookup"),
    path("vendors/<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("vendors/<int:pk>/edit/", views.vendor_edit, name="vendor_edit"),
    path("vendors/<int:pk>/retire/", views.vendor_retire, name="vendor_retire"),
    path("vendors/<int:pk>/delete/", views.vendor_delete, name="vendor_delete"),
    path("vendors/<int:pk>/evidence/new/", views.evidence_choose_kind, name="evidence_choose_kind"),
    path(
        "vendors/<int:pk>/evidence/new/<slug:kind>/", views.evidence_create, name="evidence_create"
    ),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("evidence/<int:pk>/file/", views.evidence_download, name="evidence_download"),
    path("usage/", views.usage_list, name="usage_list"),
    path("usage/export.csv", views.usage_export, name="usage_export"),
    path("usage/new/", views.usage_create, name="usage_create"),
    path("usage/<int:pk>/edit/", views.usage_edit, name="usage_edit"),
    path("usage/import/", views.usage_import, name="usage_import"),
    path("usage/import/<str:token>/", views.usage_import_detail, name="usage_import_detail"),
    path("usage/import/<str:token>/status/", views.usage_import_status, name="usage_import_status"),
]
