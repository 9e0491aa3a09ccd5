"""The PDF risk report. The only module that imports WeasyPrint.

    generate(assessment, draft=False) -> (filename, content_type, bytes)

Safety: every user-written text reaches the template as data and is escaped; the CSS is our
own file; and WeasyPrint's URL fetcher serves only files from our static folders (under the
`clearance-static:` scheme) and refuses everything else — http, https, file, ftp, data — so no
field can make the renderer fetch anything.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

import weasyprint
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from assessments import coverage, selectors, services
from assessments.charts import domain_chart
from assessments.models import Assessment
from vendors.models import CORE_EVIDENCE, DataClass
from vendors.policy import out_of_policy_reasons
from vendors.selectors import core_evidence_status

logger = logging.getLogger(__name__)

STATIC_SCHEME = "clearance-static"
CONTENT_TYPE = "application/pdf"


class RefusedURL(ValueError):
    pass


def url_fetcher(url: str, timeout: int = 10, ssl_context=None, http_headers=None) -> dict:
    """Serve `clearance-static:///css/report.css` from the app's static files; refuse all else."""
    parts = urlsplit(url)
    if parts.scheme != STATIC_SCHEME or parts.netloc:
        logger.warning("Report renderer refused to fetch %r", url[:200])
        raise RefusedURL(f"The report may not fetch {url[:80]!r}")
    relative = parts.path.lstrip("/")
    found = finders.find(relative) if ".." not in relative else None
    if not found:
        raise RefusedURL(f"No static file {relative!r}")
    mime_type, _ = mimetypes.guess_type(found)
    return {
        "string": Path(found).read_bytes(),
        "mime_type": mime_type or "application/octet-stream",
    }


def report_filename(assessment: Assessment, day=None) -> str:
    day = day or (assessment.decided_at or timezone.now()).date()
    return f"{assessment.vendor.slug}-{day.isoformat()}.pdf"


def _context(assessment: Assessment, draft: bool) -> dict:
    book = selectors.workbook(assessment)
    score = getattr(assessment, "score", None) if assessment.residual_score is not None else None
    evidence = list(assessment.vendor.evidence.order_by("kind", "-expires_on"))
    gates = score.gates if score else []
    labels = dict(DataClass.choices)
    today = timezone.localdate()
    return {
        "assessment": assessment,
        "vendor": assessment.vendor,
        "draft": draft,
        "book": book,
        "score": score,
        "chart": domain_chart(score.domains) if score else "",
        # A decided report states the dates the sign-off set, counted from the sign-off day.
        "decision_dates": (
            services.approval_facts(assessment, score)
            if score and assessment.decided_at and assessment.status in services.DECIDED
            else None
        ),
        "gates": [g | {"label": labels.get(g["data_class"], g["data_class"])} for g in gates],
        "findings": list(assessment.findings.select_related("owner")) if score else [],
        "evidence": evidence,
        "core_evidence": core_evidence_status(
            evidence, today, data_classes=list(assessment.vendor.data_classes)
        ),
        "core_kinds": CORE_EVIDENCE,
        "frameworks": coverage.framework_coverage(
            book, services.evidence_standings(assessment.vendor, today)
        ),
        "incidents": list(assessment.vendor.incidents.order_by("-date_disclosed")),
        "usages": [
            (usage, out_of_policy_reasons(usage, today))
            for usage in assessment.vendor.usages.select_related("owner", "vendor").order_by(
                "-active", "team"
            )
        ],
        "sections": [
            (
                s,
                [
                    (q, book.answers.get(q.key), q.key in book.applicable)
                    for q in book.section_questions(s)
                ],
            )
            for s in book.sections
        ],
        "generated_at": timezone.now(),
    }


def generate(assessment: Assessment, draft: bool = False) -> tuple[str, str, bytes]:
    """Render the assessment's report. `draft` marks every page DRAFT."""
    html = render_to_string("reports/assessment_report.html", _context(assessment, draft))
    document = weasyprint.HTML(
        string=html, base_url=f"{STATIC_SCHEME}:///", url_fetcher=url_fetcher
    )
    pdf = document.write_pdf()
    name = report_filename(assessment)
    if draft:
        name = name.replace(".pdf", "-DRAFT.pdf")
    return name, CONTENT_TYPE, pdf
