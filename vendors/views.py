"""Vendor, evidence and usage pages. Thin: check the role, validate a form, call a service."""

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import api_login_required, has_role, role_required
from accounts.roles import EDIT, READ
from vendors import lookup, selectors, services, usage_csv
from vendors.evidence_facts import fact_issues
from vendors.filters import UsageFilter, VendorFilter
from vendors.forms import (
    ConfirmForm,
    EvidenceKindForm,
    UsageForm,
    UsageImportForm,
    VendorForm,
    evidence_form_class,
)
from vendors.models import (
    CORE_EVIDENCE,
    Evidence,
    EvidenceKind,
    UsageControl,
    UsageImport,
    UsageImportStatus,
    UsageRecord,
    Vendor,
)
from vendors.policy import annotate_policy, approval_state, out_of_policy_reasons

VENDORS_PER_PAGE = 50
HISTORY_PER_PAGE = 20
USAGES_PER_PAGE = 50


def _get_vendor(pk: int) -> Vendor:
    try:
        return selectors.vendor_detail(pk)
    except Vendor.DoesNotExist:
        raise Http404("No such vendor.") from None


def _get_evidence(pk: int) -> Evidence:
    return get_object_or_404(Evidence.objects.select_related("vendor"), pk=pk)


def _form_error_message(request):
    messages.error(request, "The form has errors; nothing was saved. See the fields marked below.")


# --- Vendors ----------------------------------------------------------------------------------


@role_required(READ)
def vendor_list(request):
    services.evidence_summary_refresh()
    vendor_filter = VendorFilter(request.GET or None, queryset=Vendor.objects.all())
    # The page's ids from a narrow query (an index holds them), then its 50 rows by id: an
    # OFFSET deep into the list then skips index entries, not whole rows.
    ids = vendor_filter.qs.values_list("pk", flat=True)
    page = Paginator(ids, VENDORS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.vendor_page_rows(list(page.object_list))
    return render(
        request,
        "vendors/vendor_list.html",
        {
            "filter": vendor_filter,
            "page": page,
            "core_evidence": CORE_EVIDENCE,
            "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
            "sort": request.GET.get("sort", "name"),
        },
    )


def _csv_safe(value) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas: neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@role_required(READ)
def vendor_export(request):
    services.evidence_summary_refresh()
    vendor_filter = VendorFilter(request.GET or None, queryset=selectors.vendor_export_rows())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"clearance-vendors-{dt.date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Name", "Website", "Service type", "Status", "Tier", "Residual score", "Criticality",
            "Data classes requested", "Approved data classes", "Special categories",
            "Models used", "Model providers", "Hosting regions", "Business owner",
            "Security owner", "Next reassessment", "Missing core evidence",
            "Expired evidence", "Evidence expiring within 60 days", "Last updated",
        ]
    )  # fmt: skip
    for vendor in vendor_filter.qs.iterator(chunk_size=500):
        missing = [label for key, label, _ in CORE_EVIDENCE if not getattr(vendor, f"has_{key}")]
        writer.writerow(
            [
                _csv_safe(v)
                for v in (
                    vendor.name, vendor.website, vendor.get_service_type_display(),
                    vendor.get_status_display(), vendor.get_tier_display(),
                    vendor.residual_score, vendor.get_criticality_display(),
                    "; ".join(vendor.data_classes.labels()),
                    "; ".join(vendor.approved_data_classes.labels()),
                    "; ".join(vendor.special_categories.labels()),
                    vendor.models_used, vendor.model_providers, vendor.hosting_regions,
                    vendor.business_owner.get_full_name() if vendor.business_owner else "",
                    vendor.security_owner.get_full_name() if vendor.security_owner else "",
                    vendor.next_reassessment_date, "; ".join(missing),
                    "yes" if vendor.evidence_expired else "no",
                    "yes" if vendor.evidence_expiring else "no",
                    vendor.updated_at.date().isoformat(),
                )
            ]
        )  # fmt: skip
    return response


@role_required(READ)
def vendor_detail(request, pk: int):
    vendor = _get_vendor(pk)
    # The template reads `vendor.usages.all`; prefetching hands it these very objects, so
    # each carries its out-of-policy reasons (the prefetch also sets usage.vendor).
    prefetch_related_objects(
        [vendor], Prefetch("usages", queryset=UsageRecord.objects.select_related("owner"))
    )
    today = timezone.localdate()
    for usage in vendor.usages.all():
        usage.policy_reasons = out_of_policy_reasons(usage, today)
    evidence = list(selectors.vendor_evidence(vendor))
    for item in evidence:
        item.fact_issues = fact_issues(item, today=today, data_classes=vendor.data_classes)
    history = Paginator(selectors.vendor_history(vendor), HISTORY_PER_PAGE).get_page(
        request.GET.get("history_page")
    )
    return render(
        request,
        "vendors/vendor_detail.html",
        {
            "vendor": vendor,
            "approval": approval_state(vendor, today),
            "evidence": evidence,
            "core_evidence": selectors.core_evidence_status(
                evidence, today, data_classes=vendor.data_classes
            ),
            "history": history,
            "can_download": has_role(request.user, EDIT),
        },
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def vendor_create(request):
    form = VendorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vendor = services.vendor_create(created_by=request.user, **form.cleaned_data)
        messages.success(request, f"Vendor “{vendor.name}” registered. Record its evidence next.")
        return redirect(vendor)
    if form.errors:
        _form_error_message(request)
    return render(request, "vendors/vendor_form.html", {"form": form})


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def vendor_edit(request, pk: int):
    vendor = _get_vendor(pk)
    form = VendorForm(request.POST or None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        services.vendor_update(vendor, changed_by=request.user, **form.cleaned_data)
        messages.success(request, f"Vendor “{vendor.name}” saved.")
        return redirect(vendor)
    if form.errors:
        _form_error_message(request)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": vendor})


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def vendor_retire(request, pk: int):
    vendor = _get_vendor(pk)
    if vendor.is_retired:
        messages.info(request, f"“{vendor.name}” is already retired.")
        return redirect(vendor)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.vendor_retire(vendor, retired_by=request.user)
        messages.success(request, f"“{vendor.name}” is retired. Its record and history are kept.")
        return redirect(vendor)
    return render(request, "vendors/vendor_retire.html", {"vendor": vendor, "form": form})


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def vendor_delete(request, pk: int):
    if not request.user.is_superuser:
        raise PermissionDenied("Only administrators can delete a vendor; retire it instead.")
    vendor = _get_vendor(pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        name = vendor.name
        services.vendor_delete(vendor, deleted_by=request.user)
        messages.success(request, f"“{name}” and its evidence were deleted.")
        return redirect("vendor_list")
    return render(
        request,
        "vendors/vendor_delete.html",
        {"vendor": vendor, "form": form, "evidence_count": vendor.evidence.count()},
    )


# --- Evidence ---------------------------------------------------------------------------------


@role_required(EDIT)
def evidence_choose_kind(request, pk: int):
    vendor = _get_vendor(pk)
    form = EvidenceKindForm(request.GET or None)
    if form.is_valid():
        return redirect("evidence_create", pk=vendor.pk, kind=form.cleaned_data["kind"])
    return render(
        request,
        "vendors/evidence_choose_kind.html",
        {"vendor": vendor, "kinds": EvidenceKind.choices},
    )


def _save_evidence(request, form, save):
    """Validate and save through `save(form)`; a refused file becomes a form error."""
    if request.method != "POST" or not form.is_valid():
        if form.errors:
            _form_error_message(request)
        return None
    try:
        return save(form)
    except ValidationError as error:
        form.add_error("upload" if "file" in str(error).lower() else None, error)
        _form_error_message(request)
        return None


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def evidence_create(request, pk: int, kind: str):
    vendor = _get_vendor(pk)
    if kind not in EvidenceKind.values:
        raise Http404("No such kind of evidence.")
    form = evidence_form_class(kind)(request.POST or None, request.FILES or None)
    evidence = _save_evidence(
        request,
        form,
        lambda f: services.evidence_create(
            vendor=vendor,
            kind=kind,
            recorded_by=request.user,
            file=f.cleaned_data.get("upload"),
            **f.facts(),
        ),  # fmt: skip
    )
    if evidence:
        messages.success(
            request, f"{evidence.get_kind_display()} recorded: {evidence.status().label.lower()}."
        )
        return redirect(vendor.get_absolute_url() + "#evidence")
    return render(
        request,
        "vendors/evidence_form.html",
        {"vendor": vendor, "form": form, "kind_label": EvidenceKind(kind).label},
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def evidence_edit(request, pk: int):
    evidence = _get_evidence(pk)
    form = evidence_form_class(evidence.kind)(
        request.POST or None, request.FILES or None, instance=evidence
    )
    saved = _save_evidence(
        request,
        form,
        lambda f: services.evidence_update(
            evidence,
            changed_by=request.user,
            file=f.cleaned_data.get("upload"),
            remove_file=f.cleaned_data.get("remove_file", False),
            **f.facts(),
        ),  # fmt: skip
    )
    if saved:
        messages.success(request, f"{saved.get_kind_display()} saved.")
        return redirect(evidence.vendor.get_absolute_url() + "#evidence")
    return render(
        request,
        "vendors/evidence_form.html",
        {
            "vendor": evidence.vendor,
            "form": form,
            "evidence": evidence,
            "kind_label": evidence.get_kind_display(),
        },
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def evidence_delete(request, pk: int):
    evidence = _get_evidence(pk)
    vendor = evidence.vendor
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.evidence_delete(evidence, deleted_by=request.user)
        messages.success(request, f"{evidence.get_kind_display()} deleted.")
        return redirect(vendor.get_absolute_url() + "#evidence")
    return render(
        request,
        "vendors/evidence_delete.html",
        {"evidence": evidence, "vendor": vendor, "form": form},
    )


@role_required(EDIT)
def evidence_download(request, pk: int):
    """Stream a private evidence file. Procurement may not: reports are often under NDA."""
    evidence = _get_evidence(pk)
    if not evidence.file:
        raise Http404("This evidence has no file.")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing; record it again.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.file_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Usage records ----------------------------------------------------------------------------


def _usages():
    """Every usage with what the list, the filters and the policy rule read, in one query."""
    return annotate_policy(UsageRecord.objects.select_related("vendor", "owner"))


# Short names for the list's badges; the full label is the badge's title and the export's text.
CONTROL_SHORT_NAMES = {
    UsageControl.SSO: "SSO",
    UsageControl.SCOPED_KEYS: "Scoped keys",
    UsageControl.GATEWAY_LOGGING: "Gateway logging",
    UsageControl.DLP: "DLP",
    UsageControl.SEGMENTATION: "Segmentation",
    UsageControl.FIELD_REDACTION: "Field redaction",
}


def _control_badges(usage: UsageRecord) -> list[tuple[str, str]]:
    return [(CONTROL_SHORT_NAMES[c], UsageControl(c).label) for c in usage.controls]


def _with_policy_reasons(usages) -> list[UsageRecord]:
    usages = list(usages)
    today = timezone.localdate()
    for usage in usages:
        usage.policy_reasons = out_of_policy_reasons(usage, today)
        usage.control_badges = _control_badges(usage)
    return usages


@role_required(READ)
def usage_list(request):
    usage_filter = UsageFilter(request.GET or None, queryset=_usages())
    page = Paginator(usage_filter.qs, USAGES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_policy_reasons(page.object_list)
    return render(
        request,
        "vendors/usage_list.html",
        {
            "filter": usage_filter,
            "page": page,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


@role_required(READ)
def usage_export(request):
    usage_filter = UsageFilter(request.GET or None, queryset=_usages())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"clearance-usage-{dt.date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Vendor", "Vendor status", "Team", "Purpose", "Business justification",
            "Data classes", "Special categories", "Integration", "Owner", "Start date",
            "State", "End date", "Controls", "Out of policy", "Reasons",
        ]
    )  # fmt: skip
    today = timezone.localdate()
    for usage in usage_filter.qs.iterator(chunk_size=500):
        reasons = out_of_policy_reasons(usage, today)
        writer.writerow(
            [
                _csv_safe(v)
                for v in (
                    usage.vendor.name, usage.vendor.get_status_display(), usage.team,
                    usage.purpose, usage.business_justification,
                    "; ".join(usage.data_classes.labels()),
                    "; ".join(usage.special_categories.labels()),
                    usage.get_integration_display(),
                    (usage.owner.get_full_name() or usage.owner.get_username())
                    if usage.owner else "",
                    usage.start_date, "Active" if usage.active else "Ended", usage.end_date,
                    "; ".join(usage.controls.labels()), "yes" if reasons else "no",
                    " ".join(reasons),
                )
            ]
        )  # fmt: skip
    return response


def _usage_saved_message(request, usage: UsageRecord, verb: str) -> None:
    reasons = out_of_policy_reasons(usage, timezone.localdate())
    if reasons:
        messages.warning(
            request, f"Usage “{usage}” {verb}. It is out of policy: {' '.join(reasons)}"
        )
    else:
        messages.success(request, f"Usage “{usage}” {verb}.")


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def usage_create(request):
    initial = {}
    preselected = request.GET.get("vendor", "")
    if preselected.isdigit() and Vendor.objects.filter(pk=preselected).exists():
        initial["vendor"] = int(preselected)
    form = UsageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        usage = services.usage_create(created_by=request.user, **form.cleaned_data)
        _usage_saved_message(request, usage, "recorded")
        if initial:
            return redirect(usage.vendor.get_absolute_url() + "#usage")
        return redirect("usage_list")
    if form.errors:
        _form_error_message(request)
    cancel = reverse("vendor_detail", args=[initial["vendor"]]) if initial else None
    return render(request, "vendors/usage_form.html", {"form": form, "cancel_url": cancel})


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def usage_edit(request, pk: int):
    usage = get_object_or_404(UsageRecord.objects.select_related("vendor"), pk=pk)
    form = UsageForm(request.POST or None, instance=usage)
    if request.method == "POST" and form.is_valid():
        services.usage_update(usage, changed_by=request.user, **form.cleaned_data)
        _usage_saved_message(request, usage, "saved")
        return redirect("usage_list")
    if form.errors:
        _form_error_message(request)
    return render(request, "vendors/usage_form.html", {"form": form, "usage": usage})


# --- Usage import ------------------------------------------------------------------------------

# The preview shows this many rows; the others are imported with them all the same.
USAGE_IMPORT_PREVIEW_ROWS = 1000
PENDING_IMPORT = (UsageImportStatus.PREVIEW, UsageImportStatus.FAILED)


def _get_usage_import(request, token: str) -> UsageImport | None:
    """The import `token` uploaded by the signed-in user; None for anyone else's."""
    return UsageImport.objects.filter(token=token, uploaded_by=request.user).first()


def _waiting_import(user) -> UsageImport | None:
    """The user's latest upload that waits for confirmation (or another try)."""
    waiting = UsageImport.objects.filter(uploaded_by=user, status__in=PENDING_IMPORT)
    return waiting.order_by("-created_at").first()


def _refuse_import(request, problem: str):
    """Say why nothing was imported and go to the user's import waiting for confirmation, if
    any, else to the upload form."""
    messages.error(request, f"Nothing was imported. {problem}")
    return redirect(_waiting_import(request.user) or "usage_import")


def _refuse_missing_import(request):
    newer = _waiting_import(request.user)
    if newer:
        return _refuse_import(
            request,
            f"This preview is out of date: “{newer.file_name}” was uploaded since. Check its "
            "preview before importing.",
        )
    return _refuse_import(
        request,
        "There is no import waiting for confirmation here: it was replaced by a newer upload "
        "or discarded. Upload the file again.",
    )


def _imported_message(request, job: UsageImport) -> None:
    count = job.imported_count
    summary = f"Imported {count} usage record{'s' if count != 1 else ''}"
    summary += f" from “{job.file_name}”."
    if job.out_of_policy_count:
        messages.warning(request, f"{summary} {job.out_of_policy_count} of them are out of policy.")
    else:
        messages.success(request, f"{summary} All are within policy.")


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def usage_import(request):
    """Upload a CSV: every row is checked, and a file without problems is kept for its
    preview (usage_import_detail), where it is confirmed (all or nothing)."""
    form = UsageImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        result = usage_csv.parse_usage_csv(form.cleaned_data["file"])
        if not result.errors:
            job = services.usage_import_prepare(
                rows=result.rows, file_name=request.FILES["file"].name, uploaded_by=request.user
            )
            return redirect(job)
        errors = result.errors
        messages.error(
            request, "Nothing was imported: the file has problems, listed below. Fix them all "
            "and upload it again.",
        )  # fmt: skip
    return render(
        request,
        "vendors/usage_import.html",
        {
            "form": form,
            "errors": errors,
            "file_name": request.FILES["file"].name if errors else "",
            "columns": usage_csv.COLUMNS,
            "required_columns": usage_csv.REQUIRED_COLUMNS,
            "max_rows": usage_csv.MAX_ROWS,
        },
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def usage_import_detail(request, token: str):
    """One import of the signed-in user: its preview until it is imported (POST imports it,
    again after a failure), then how it stands: waiting, importing, imported."""
    job = _get_usage_import(request, token)
    if job is None:
        return _refuse_missing_import(request)
    if request.method == "POST":
        return _usage_import_confirm(request, job)
    if job.status in PENDING_IMPORT:
        return _usage_import_preview(request, job)
    return render(request, "vendors/usage_import_status.html", _usage_import_state(job))


@role_required(EDIT)
@require_GET
def usage_import_status(request, token: str):
    """How an import stands, as the fragment of its page that the page polls (htmx)."""
    job = _get_usage_import(request, token)
    if job is None:
        raise Http404("No such import.")
    return render(request, "vendors/includes/_usage_import_status.html", _usage_import_state(job))


def _usage_import_state(job: UsageImport) -> dict:
    stale = services.usage_import_is_stale(job)
    in_flight = job.status in (UsageImportStatus.QUEUED, UsageImportStatus.RUNNING)
    return {
        "job": job,
        "stale": stale,
        "polling": in_flight and not stale,
        "stale_minutes": int(services.USAGE_IMPORT_STALE_AFTER.total_seconds() // 60),
    }


def _usage_import_preview(request, job: UsageImport):
    problem = services.usage_import_refusal(job)  # too old to import
    if problem:
        services.usage_import_discard(job)
        return _refuse_import(request, problem)
    try:
        rows = usage_csv.preview_rows(job.rows)
    except usage_csv.StaleImport as error:
        services.usage_import_discard(job)
        return _refuse_import(request, f"{error} Upload the file again.")
    for row in rows[:USAGE_IMPORT_PREVIEW_ROWS]:
        row["controls"] = _control_badges(row["usage"])
    return render(
        request,
        "vendors/usage_import_preview.html",
        {
            "job": job,
            "file_name": job.file_name,
            "rows": rows[:USAGE_IMPORT_PREVIEW_ROWS],
            "total": len(rows),
            "hidden": max(0, len(rows) - USAGE_IMPORT_PREVIEW_ROWS),
            "out_of_policy": sum(1 for row in rows if row["reasons"]),
            "duplicates": sum(1 for row in rows if row["duplicate"]),
            "in_background": len(rows) > services.USAGE_IMPORT_IN_REQUEST_MAX_ROWS,
        },
    )


def _usage_import_confirm(request, job: UsageImport):
    try:
        job = services.usage_import_start(job)
    except ValidationError as error:
        if job.status in PENDING_IMPORT:  # too old: it cannot be imported any more
            services.usage_import_discard(job)
            return _refuse_import(request, " ".join(error.messages))
        messages.info(request, f"Nothing was imported again. {' '.join(error.messages)}")
        return redirect(job)
    if job is None:  # replaced meanwhile by an upload in another tab
        return _refuse_missing_import(request)
    if job.status == UsageImportStatus.DONE:
        _imported_message(request, job)
        if job.out_of_policy_count:
            return redirect(f"{reverse('usage_list')}?out_of_policy=yes")
        return redirect("usage_list")
    # Failed (its preview says why and offers another try), or queued for a worker.
    return redirect(job)


# --- The vendor picker's suggestions ----------------------------------------------------------


@api_login_required
@require_GET
def vendor_lookup(request):
    """Suggestions for the vendor picker (static/js/vendor_picker.js) as JSON:
    {"results": [{"id", "name", "status", "retired"}, ...], "more": bool}, at most
    lookup.SUGGESTIONS_LIMIT vendors whose name contains `q`. Every signed-in user may ask,
    as every one may use "Can we use it?"; anonymous requests get 401 JSON."""
    results, more = lookup.vendor_suggestions(request.GET.get("q", ""))
    return JsonResponse({"results": results, "more": more})
