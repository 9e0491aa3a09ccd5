from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import has_role, role_required
from accounts.roles import EDIT, SIGN_OFF
from notifications import services
from notifications.forms import PreferenceForm, ReminderFilterForm
from notifications.models import NotificationPreference, ReminderLog

REMINDERS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Every signed-in user may choose whether to receive reminder e-mails."""
    preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        state = "on" if form.cleaned_data["reminder_emails"] else "off"
        messages.success(request, f"Reminder e-mails are {state}. Escalations are always sent.")
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@role_required(EDIT)
def reminder_log(request):
    """Every notification sent, retrying or failed, for audit: its tries, resends after a
    crash, last error and next try. Leads are offered "Retry now" for retrying and failed
    ones."""
    form = ReminderFilterForm(request.GET or None)
    logs = ReminderLog.objects.all()
    if form.is_valid():
        if form.cleaned_data["kind"]:
            logs = logs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            logs = logs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["since"]:
            logs = logs.filter(created_at__date__gte=form.cleaned_data["since"])
    page = Paginator(logs, REMINDERS_PER_PAGE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(k) for k in ("kind", "status", "since"))
    return render(
        request, "notifications/reminder_log.html",
        {"page": page, "form": form, "filtered": filtered,
         "can_retry": has_role(request.user, SIGN_OFF), "retryable": services.RETRYABLE},
    )  # fmt: skip


@role_required(SIGN_OFF)
@require_http_methods(["GET", "POST"])
def reminder_retry(request, pk: int):
    """A lead confirms (POST) that a retrying or failed e-mail is to be sent again now."""
    log = get_object_or_404(ReminderLog, pk=pk)
    if request.method == "POST":
        if services.retry_now(log.pk, requested_by=request.user) is not None:
            messages.success(request, f"“{log.subject}” is queued to be sent again now.")
            return redirect("reminder_log")
        log.refresh_from_db()  # sent or queued by someone else meanwhile
    if log.status not in services.RETRYABLE:
        state = log.get_status_display().lower()
        messages.info(request, f"“{log.subject}” is {state}: there is nothing to retry.")
        return redirect("reminder_log")
    return render(request, "notifications/reminder_retry.html", {"log": log})
