from django.http import Http404
from django.shortcuts import render

from accounts.access import role_required
from accounts.roles import READ
from vendors.selectors import vendor_counts

# Sections whose pages arrive with later issues; the navigation links here until then.
UPCOMING_SECTIONS = {
    "assessments": ("Assessments", "Due-diligence questionnaires, scores and sign-off."),
    "incidents": ("Incidents", "The register of security incidents at AI vendors."),
    "usage": ("Usage", "The inventory of who uses which AI vendor, for what, with which data."),
}


@role_required(READ)
def dashboard(request):
    return render(request, "assessments/dashboard.html", {"counts": vendor_counts()})


@role_required(READ)
def upcoming_section(request, section: str):
    if section not in UPCOMING_SECTIONS:
        raise Http404("No such section.")
    title, summary = UPCOMING_SECTIONS[section]
    return render(
        request, "assessments/upcoming_section.html", {"title": title, "summary": summary}
    )
