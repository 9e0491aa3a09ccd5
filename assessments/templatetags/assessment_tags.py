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
