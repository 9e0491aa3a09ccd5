"""Assessment pages: start, the reviewer's wizard with autosave, submit, coverage; and the
dashboard. Thin: check the role, validate, call a service, answer."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import api_role_required, has_role, role_required
from accounts.roles import EDIT, READ, SIGN_OFF
from assessments import coverage, selectors, services
from assessments.decisions import can_use
from assessments.forms import (
    AssessmentFilterForm,
    CanWeUseForm,
    FindingFilterForm,
    FindingForm,
    IncidentFilterForm,
    IncidentForm,
    SendBackForm,
    SignOffForm,
    StartAssessmentForm,
)
from assessments.models import Assessment, AssessmentStatus, Finding
from vendors import services as vendor_services
from vendors.models import DataClass, Incident, SpecialCategory, Vendor
from vendors.policy import approval_state

ASSESSMENTS_PER_PAGE = 50


@role_required(READ)
def dashboard(request):
    from assessments.charts import TIER_COLOURS, bar_chart

    today = timezone.localdate()
    vendor_services.evidence_summary_refresh(today=today)
    data = selectors.dashboard_data(today)
    tier_chart = bar_chart(
        [(t.label if t else "None", n, TIER_COLOURS.get(t.value if t else "", "#adb5bd"))
         for t, n in data["tiers"]],
        label="Active vendors per tier",
    )  # fmt: skip
    month_chart = bar_chart(
        [(f"{m:%b}", n, "#3d5afe") for m, n in data["months"]],
        label="Reassessments due per month, next 12 months",
    )
    return render(
        request, "assessments/dashboard.html",
        {"counts": data["vendors"], "data": data, "tier_chart": tier_chart,
         "month_chart": month_chart},
    )  # fmt: skip


def _get_assessment(pk: int) -> Assessment:
    try:
        return selectors.assessment_detail(pk)
    except Assessment.DoesNotExist:
        raise Http404("No such assessment.") from None


# --- List and start -------------------------------------------------------------------------


@role_required(READ)
def assessment_list(request):
    form = AssessmentFilterForm(request.GET or None)
    assessments = selectors.assessment_list()
    if form.is_valid():
        if form.cleaned_data["status"]:
            assessments = assessments.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            assessments = assessments.filter(vendor__name__icontains=form.cleaned_data["q"])
    page = Paginator(assessments, ASSESSMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(request.GET.get("status") or request.GET.get("q")),
        },
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def assessment_start(request, vendor_pk: int):
    vendor = get_object_or_404(Vendor, pk=vendor_pk)
    draft = services.open_draft(vendor)
    if draft is not None:
        messages.info(request, "This vendor already has an assessment in progress; here it is.")
        return redirect(draft)
    templates = selectors.active_templates().annotate(num_questions=Count("questions"))
    suggested = selectors.suggested_template(vendor, list(templates))
    unfit = [(t, selectors.bank_problems(t, vendor)) for t in templates]
    unfit = [(t, problems) for t, problems in unfit if problems]
    default = suggested or (templates[0] if len(templates) == 1 else None)
    form = StartAssessmentForm(
        request.POST or None,
        templates=templates,
        initial={"template": default.pk if default else None},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_start(
                vendor=vendor,
                template=form.cleaned_data["template"],
                started_by=request.user,
                due_date=form.cleaned_data["due_date"],
            )
        except services.BankCannotAssess as refused:
            form.add_error("template", refused.message)
            status = 400
        else:
            carried = assessment.answers.filter(carried_forward=True).count()
            if carried:
                messages.success(
                    request,
                    f"Assessment started with {carried} answers carried forward from the last "
                    "one. Confirm or change each before submitting.",
                )
            else:
                messages.success(request, "Assessment started. Answers save as you go.")
            return redirect(assessment)
    context = {
        "vendor": vendor,
        "form": form,
        "suggested": suggested,
        "templates": templates,
        "unfit": unfit,
    }
    return render(request, "assessments/assessment_start.html", context, status=status)


# --- The wizard -----------------------------------------------------------------------------


@role_required(READ)
def assessment_detail(request, pk: int):
    assessment = _get_assessment(pk)
    return render(
        request, "assessments/assessment_detail.html", _detail_context(request, assessment)
    )


@role_required(READ)
def assessment_section(request, pk: int, section_key: str):
    assessment = _get_assessment(pk)
    book = selectors.workbook(assessment)
    sections = {s.key: s for s in book.sections}
    if section_key not in sections:
        raise Http404("No such section.")
    section = sections[section_key]
    index = book.sections.index(section)
    can_edit = assessment.is_editable and has_role(request.user, EDIT)
    evidence = list(assessment.vendor.evidence.order_by("kind", "-expires_on")) if can_edit else []
    questions = book.section_questions(section)
    contradictions = services.answer_contradictions(assessment) if assessment.is_editable else {}
    return render(
        request,
        "assessments/assessment_section.html",
        {
            "assessment": assessment,
            "book": book,
            "section": section,
            "progress": book.progress[index],
            "previous_section": book.sections[index - 1] if index > 0 else None,
            "next_section": book.sections[index + 1] if index + 1 < len(book.sections) else None,
            "rows": [
                (q, book.answers.get(q.key), q.key in book.applicable, contradictions.get(q.key))
                for q in questions
            ],
            "can_edit": can_edit,
            "evidence": evidence,
            "conditions_json": json.dumps({q.key: q.condition for q in questions if q.condition}),
        },
    )


def _answer_payload(answer) -> dict:
    if answer is None:
        return {"value": None, "comment": "", "version": 0, "by": "", "at": ""}
    by = (
        answer.answered_by.get_full_name() or answer.answered_by.username
        if answer.answered_by
        else ""
    )
    return {
        "value": answer.value,
        "comment": answer.comment,
        "version": answer.version,
        "evidence": answer.evidence_id,
        "by": by,
        "at": answer.answered_at.isoformat(),
        "carried_forward": answer.carried_forward,
    }


@api_role_required(EDIT)
@require_POST
def answer_autosave(request, pk: int, question_key: str):
    """Save one answer. Answers JSON: 200 saved, 400 invalid, 404, 409 conflict or locked,
    422 not applicable; the unsaved value stays in the page in every refusal."""
    assessment = get_object_or_404(Assessment.objects.select_related("template"), pk=pk)
    question = assessment.template.questions.filter(key=question_key).first()
    if question is None:
        return JsonResponse({"error": "not_found", "message": "No such question."}, status=404)
    values = request.POST.getlist("value")
    value = values if question.answer_type == "multiple_choice" else (values[0] if values else None)
    try:
        base_version = int(request.POST.get("version", "0"))
        evidence_id = int(request.POST["evidence"]) if request.POST.get("evidence") else None
    except ValueError:
        return JsonResponse({"error": "invalid", "message": "Malformed request."}, status=400)
    try:
        answer = services.answer_save(
            assessment=assessment, question=question, answered_by=request.user, value=value,
            comment=request.POST.get("comment", ""), evidence_id=evidence_id,
            base_version=base_version,
        )  # fmt: skip
    except services.AssessmentLocked:
        return JsonResponse(
            {"error": "locked", "message": "This assessment was submitted and is read-only."},
            status=409,
        )
    except services.AnswerConflict as conflict:
        current = _answer_payload(conflict.current)
        return JsonResponse(
            {
                "error": "conflict",
                "message": (
                    f"{current['by'] or 'Someone'} changed this answer after you opened the page. "
                    "Your answer was not saved: keep theirs or save yours over it."
                ),
                "current": current,
            },
            status=409,
        )
    except services.QuestionNotApplicable:
        return JsonResponse(
            {
                "error": "not_applicable",
                "message": "This question does not apply given the answers above.",
            },
            status=422,
        )
    except ValidationError as error:
        return JsonResponse({"error": "invalid", "message": " ".join(error.messages)}, status=400)
    book = selectors.workbook(assessment)
    return JsonResponse(
        {
            "saved": _answer_payload(answer),
            "applicable": sorted(book.applicable),
            "answered": book.answered_count,
            "total": book.applicable_count,
            "percent": book.percent,
            "sections": {p.section.key: [p.answered, p.applicable] for p in book.progress},
        }
    )


@role_required(EDIT)
@require_POST
def assessment_submit(request, pk: int):
    assessment = _get_assessment(pk)
    try:
        services.assessment_submit(assessment, submitted_by=request.user)
    except services.AssessmentLocked:
        messages.info(request, "This assessment was already submitted.")
        return redirect(assessment)
    except services.BankCannotAssess as refused:
        messages.error(request, f"Not submitted: {refused.message}")
        return redirect(assessment)
    except services.SubmissionIncomplete as incomplete:
        messages.error(
            request,
            f"Not submitted: {len(incomplete.problems)} answer(s) need attention, listed below.",
        )
        return render(
            request,
            "assessments/assessment_detail.html",
            _detail_context(request, assessment, problems=incomplete.problems),
            status=400,
        )
    messages.success(request, "Assessment submitted. It is now read-only.")
    return redirect(assessment)


@role_required(READ)
def assessment_coverage(request, pk: int):
    assessment = _get_assessment(pk)
    book = selectors.workbook(assessment)
    return render(
        request,
        "assessments/assessment_coverage.html",
        {
            "assessment": assessment,
            "frameworks": coverage.framework_coverage(
                book, services.evidence_standings(assessment.vendor, timezone.localdate())
            ),
        },
    )


# --- Sign-off and findings --------------------------------------------------------------------


# Findings a lead must see at sign-off: claims the reviewer made that the evidence or the bank
# does not back by itself.
CLAIM_KINDS = ("na_claim", "contradicts")


def _detail_context(request, assessment, **extra):
    # A lead who took part in the assessment is told why there is no decision form.
    refusal = (
        services.sign_off_refusal(assessment, request.user)
        if assessment.status == AssessmentStatus.SUBMITTED and has_role(request.user, SIGN_OFF)
        else None
    )
    can_sign = (
        assessment.status == AssessmentStatus.SUBMITTED
        and has_role(request.user, SIGN_OFF)
        and refusal is None
    )
    score = getattr(assessment, "score", None) if assessment.residual_score is not None else None
    findings = list(assessment.findings.select_related("owner")) if score else []
    context = {
        "assessment": assessment,
        "book": selectors.workbook(assessment),
        "can_edit": assessment.is_editable and has_role(request.user, EDIT),
        "can_sign_off": can_sign,
        "sign_off_refusal": refusal,
        "score": score,
        "findings": findings,
        "claims": [f for f in findings if f.kind in CLAIM_KINDS],
        "sign_off_form": SignOffForm(),
        "send_back_form": SendBackForm(),
        "problems": None,
    }
    context.update(extra)
    return context


def _refuse_a_contributor(request, assessment) -> None:
    """403 with the reason for a lead who took part in the assessment."""
    if refusal := services.sign_off_refusal(assessment, request.user):
        raise PermissionDenied(refusal)


@role_required(SIGN_OFF)
@require_POST
def assessment_sign_off(request, pk: int):
    assessment = _get_assessment(pk)
    _refuse_a_contributor(request, assessment)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            signed = services.assessment_sign_off(
                assessment, lead=request.user, **form.cleaned_data
            )
        except services.SignOffRefused as refused:
            form.add_error(None, str(refused))
        else:
            decision = AssessmentStatus(form.cleaned_data["decision"]).label
            messages.success(request, f"Decision recorded: {decision}.")
            for note in services.reassessment_still_needed(signed):
                messages.warning(request, note)
            return redirect(assessment)
    messages.error(
        request,
        " ".join(form.non_field_errors()) or "The decision was not recorded; see the form below.",
    )
    return render(
        request, "assessments/assessment_detail.html",
        _detail_context(request, assessment, sign_off_form=form), status=400,
    )  # fmt: skip


@role_required(SIGN_OFF)
@require_POST
def assessment_send_back(request, pk: int):
    assessment = _get_assessment(pk)
    _refuse_a_contributor(request, assessment)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_send_back(
                assessment, lead=request.user, comment=form.cleaned_data["comment"]
            )
        except services.SignOffRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Sent back to the reviewer as a draft.")
            return redirect(assessment)
    messages.error(
        request,
        " ".join(form.non_field_errors())
        or "The assessment was not sent back; see the form below.",
    )
    return render(
        request, "assessments/assessment_detail.html",
        _detail_context(request, assessment, send_back_form=form), status=400,
    )  # fmt: skip


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int):
    finding = get_object_or_404(Finding.objects.select_related("assessment", "vendor"), pk=pk)
    form = FindingForm(request.POST or None, instance=finding)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(finding, changed_by=request.user, **form.cleaned_data)
        except ValidationError as refused:  # keyed by field: shown beside what was typed
            form.add_error(None, refused)
        else:
            messages.success(request, "Finding updated.")
            return redirect(finding.assessment.get_absolute_url() + f"#finding-{finding.pk}")
    return render(request, "assessments/finding_form.html", {"finding": finding, "form": form})


# --- Reports ----------------------------------------------------------------------------------


@role_required(READ)
def assessment_report(request, pk: int):
    """The stored report of a decided assessment: the exact bytes approved at sign-off."""
    assessment = _get_assessment(pk)
    if assessment.status not in services.DECIDED:
        raise Http404("This assessment has no signed-off report yet.")
    report = services.report_store(assessment.pk)  # stored at sign-off; rendered if missing
    response = FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.filename,
        content_type="application/pdf",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Report-SHA256"] = report.sha256
    return response


@role_required(EDIT)
def assessment_report_draft(request, pk: int):
    """A report rendered now, marked DRAFT on every page; never stored."""
    from assessments import reports

    assessment = _get_assessment(pk)
    filename, content_type, pdf = reports.generate(assessment, draft=True)
    response = HttpResponse(pdf, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Incidents ------------------------------------------------------------------------------

INCIDENTS_PER_PAGE = 50


@role_required(READ)
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    incidents = Incident.objects.select_related("vendor", "recorded_by")
    if form.is_valid():
        if form.cleaned_data["vendor"]:
            incidents = incidents.filter(vendor=form.cleaned_data["vendor"])
        if form.cleaned_data["severity"]:
            incidents = incidents.filter(severity=form.cleaned_data["severity"])
        if form.cleaned_data["since"]:
            incidents = incidents.filter(date_disclosed__gte=form.cleaned_data["since"])
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    # vendor__search: a vendor named in the picker's box, without a picked pk.
    filtered = any(request.GET.get(k) for k in ("vendor", "vendor__search", "severity", "since"))
    return render(
        request, "assessments/incident_list.html",
        {"page": page, "form": form, "filtered": filtered},
    )  # fmt: skip


def _notice_words(queued) -> str:
    """Say "told" only for an e-mail actually queued; otherwise what will happen."""
    if queued is None:
        return "nobody could be e-mailed: neither its owners nor the security team have an address."
    if queued.queued is None:  # inside an outer transaction: queued when it commits
        return "an e-mail to its owners and the security team goes out when this is saved."
    if queued.queued:
        return "its owners and the security team are being e-mailed now."
    return (
        "the e-mail to its owners and the security team could not be queued now: "
        f"{queued.catch_up}."
    )


@role_required(EDIT)
@require_http_methods(["GET", "POST"])
def incident_create(request):
    initial = {"date_disclosed": timezone.localdate()}
    if request.GET.get("vendor", "").isdigit():
        initial["vendor"] = int(request.GET["vendor"])
    form = IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        vendor = data.pop("vendor")
        incident = vendor_services.incident_record(vendor=vendor, recorded_by=request.user, **data)
        message = f"Incident recorded. {vendor.name} now needs a reassessment; " + (
            _notice_words(incident.notice_queue)
        )
        if vendor.incident_suspended_at is not None:
            message += (
                " Confidential and Restricted data are suspended until a reassessment submitted "
                "after this incident is signed off."
            )
        messages.success(request, message)
        return redirect(incident)
    if form.errors:
        messages.error(request, "The incident was not recorded; see the fields marked below.")
    return render(request, "assessments/incident_form.html", {"form": form})


@role_required(READ)
def incident_detail(request, pk: int):
    """The impact view: which teams, purposes and data classes were exposed to the vendor."""
    incident = get_object_or_404(Incident.objects.select_related("vendor", "recorded_by"), pk=pk)
    return render(
        request, "assessments/incident_detail.html",
        {"incident": incident, **selectors.incident_impact(incident)},
    )  # fmt: skip


# --- "Can we use it?" and findings ----------------------------------------------------------


@login_required
def can_we_use(request):
    """Any signed-in user may ask whether a vendor may receive a kind of data."""
    form = CanWeUseForm(request.GET or None)
    decision = None
    vendor = None
    if form.is_valid():
        vendor = form.cleaned_data["vendor"]
        last = selectors.last_decided_assessment(vendor)
        score = getattr(last, "score", None) if last else None
        decision = can_use(
            vendor_name=vendor.name, state=approval_state(vendor, timezone.localdate()),
            data_class=form.cleaned_data["data_class"],
            categories=form.cleaned_data["special_categories"],
            gates=score.gates if score else [], conditions=vendor.conditions,
            reassessment_reason=vendor.reassessment_reason if vendor.reassessment_required else "",
            class_labels=dict(DataClass.choices), category_labels=dict(SpecialCategory.choices),
        )  # fmt: skip
    return render(
        request, "assessments/can_we_use.html",
        {"form": form, "decision": decision, "vendor": vendor},
    )  # fmt: skip


FINDINGS_PER_PAGE = 50


@role_required(READ)
def finding_list(request):
    form = FindingFilterForm(request.GET or None)
    findings = Finding.objects.select_related("vendor", "assessment", "owner")
    if form.is_valid():
        if form.cleaned_data["severity"]:
            findings = findings.filter(severity__in=form.cleaned_data["severity"])
        if form.cleaned_data["status"]:
            findings = findings.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["vendor"]:
            findings = findings.filter(vendor=form.cleaned_data["vendor"])
    findings = findings.order_by("vendor__name", "pk")
    page = Paginator(findings, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(k) for k in ("severity", "status", "vendor", "vendor__search"))
    return render(
        request, "assessments/finding_list.html",
        {"page": page, "form": form, "filtered": filtered},
    )  # fmt: skip
