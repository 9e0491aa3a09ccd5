from django.urls import path

from notifications import views

urlpatterns = [
    path("accounts/notifications/", views.preferences, name="notification_preferences"),
    path("reminders/", views.reminder_log, name="reminder_log"),
    path("reminders/<int:pk>/retry/", views.reminder_retry, name="reminder_retry"),
]
