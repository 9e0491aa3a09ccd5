"""Vendor and evidence pages. Thin: check the role, validate a form, call a service."""

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import has_role, role_required
from accounts.roles import EDIT, READ
from vendors import selectors, services
from vendors.filters import VendorFilter
from vendors.forms import ConfirmForm, EvidenceKindForm, VendorForm, evidence_form_class
from vendors.models import CORE_EVIDENCE, Evidence, EvidenceKind, Vendor

VENDORS_PER_PAGE = 50
HISTORY_PER_PAGE = 20


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
    vendor_filter = VendorFilter(request.GET or None, queryset=selectors.vendor_list())
    page = Paginator(vendor_filter.qs, VENDORS_PER_PAGE).get_page(request.GET.get("page"))
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
    vendor_filter = VendorFilter(request.GET or None, queryset=selectors.vendor_list())
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
                    "yes" if vendor.has_expired_evidence else "no",
                    "yes" if vendor.has_expiring_evidence else "no",
                    vendor.updated_at.date().isoformat(),
                )
            ]
        )  # fmt: skip
    return response


@role_required(READ)
def vendor_detail(request, pk: int):
    vendor = _get_vendor(pk)
    evidence = list(selectors.vendor_evidence(vendor))
    history = Paginator(selectors.vendor_history(vendor), HISTORY_PER_PAGE).get_page(
        request.GET.get("history_page")
    )
    return render(
        request,
        "vendors/vendor_detail.html",
        {
            "vendor": vendor,
            "evidence": evidence,
            "core_evidence": selectors.core_evidence_status(evidence),
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
