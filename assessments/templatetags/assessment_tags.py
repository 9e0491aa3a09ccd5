from django import template

register = template.Library()


@register.filter
def answer_has(answer, value) -> bool:
    """Whether the saved answer is, or contains, `value` (for checked/selected states)."""
    if answer is None or answer.value in (None, ""):
        return False
    if isinstance(answer.value, list):
        return str(value) in [str(v) for v in answer.value]
    return str(answer.value) == str(value)


@register.filter
def answer_scalar(answer) -> str:
    """The saved value for a text, number or date input."""
    if answer is None or answer.value is None or isinstance(answer.value, list):
        return ""
    return str(answer.value)


@register.simple_tag
def domain_chart(score):
    from assessments.charts import domain_chart as render

    return render(score.domains)


@register.simple_tag
def open_findings(vendor):
    """The vendor's open findings, for the vendor page (assessments side of the page)."""
    from assessments.selectors import vendor_open_findings

    return vendor_open_findings(vendor)


@register.simple_tag
def refused_classes(vendor):
    """Requested classes the last decision refused, with the reasons (vendor page)."""
    from assessments.selectors import vendor_refusals

    return vendor_refusals(vendor)


@register.simple_tag
def vendor_assessments(vendor):
    """The vendor's assessments, newest first, read once for the whole vendor page."""
    return list(vendor.assessments.all())


@register.simple_tag
def score_history(assessments):
    """Scored assessments, oldest first: the residual risk over time (from the page's list)."""
    from assessments.selectors import score_history as history

    return history(assessments)


@register.filter
def answer_display(value) -> str:
    """An answer value as a reviewer wrote it: lists joined, codes made readable."""
    if value is None or value == "" or value == []:
        return "unanswered"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")
