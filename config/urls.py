"""URL map. Every page requires login (tests/test_urlconf_requires_login.py walks this map);
MEDIA_ROOT is deliberately not served: evidence files go through permission-checked views."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clearance administration"
admin.site.site_title = "Clearance admin"

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("notifications.urls")),
    path("", include("vendors.urls")),
    path("", include("assessments.urls")),
]
