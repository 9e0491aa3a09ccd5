"""Server-rendered SVG charts, shared by the web pages and the PDF report (no JavaScript,
nothing fetched). Every label is escaped."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.models import Domain

BAR_HEIGHT = 18
GAP = 8
LABEL_WIDTH = 290
BAR_WIDTH = 300


def _colour(effectiveness: float) -> str:
    if effectiveness >= 0.8:
        return "#198754"
    if effectiveness >= 0.6:
        return "#ffc107"
    if effectiveness >= 0.4:
        return "#fd7e14"
    return "#dc3545"


def domain_chart(domains: list[dict]) -> SafeString:
    """Horizontal bars: control effectiveness per domain, 0-100 %."""
    labels = dict(Domain.choices)
    rows = sorted(domains, key=lambda d: d["effectiveness"])
    height = len(rows) * (BAR_HEIGHT + GAP) + 24
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-label="Control effectiveness by domain" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'
    ]
    for i, row in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP)
        share = max(0.0, min(1.0, float(row["effectiveness"])))
        label = escape(labels.get(row["domain"], row["domain"]))
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end" fill="#212529">{label}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="#e9ecef"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{round(BAR_WIDTH * share, 1)}" '
            f'height="{BAR_HEIGHT}" fill="{_colour(share)}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}" fill="#212529">'
            f"{round(share * 100)}%</text>"
        )
    axis_y = len(rows) * (BAR_HEIGHT + GAP) + 14
    parts.append(
        f'<text x="{LABEL_WIDTH}" y="{axis_y}" fill="#6c757d">0%</text>'
        f'<text x="{LABEL_WIDTH + BAR_WIDTH}" y="{axis_y}" text-anchor="end" fill="#6c757d">100%</text>'
        "</svg>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped labels and numbers


TIER_COLOURS = {"low": "#198754", "medium": "#ffc107", "high": "#dc3545", "critical": "#7f1d1d"}


def bar_chart(rows: list[tuple[str, int, str]], *, label: str, height: int = 160) -> SafeString:
    """Vertical bars: rows of (label, value, colour). Labels are escaped."""
    width = max(1, len(rows)) * 44 + 20
    top = max([value for _, value, _ in rows] + [1])
    plot = height - 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width * 1.4:.0f}px" aria-label="{escape(label)}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="11">'
    ]
    for i, (name, value, colour) in enumerate(rows):
        x = 14 + i * 44
        bar = round(plot * value / top, 1)
        y = 14 + plot - bar
        parts.append(
            f'<rect x="{x}" y="{y}" width="30" height="{bar}" fill="{colour}"><title>'
            f"{escape(name)}: {value}</title></rect>"
            f'<text x="{x + 15}" y="{y - 3}" text-anchor="middle" fill="#212529">{value}</text>'
            f'<text x="{x + 15}" y="{height - 6}" text-anchor="middle" fill="#6c757d">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped, numbers and colours ours
