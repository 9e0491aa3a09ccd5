""" "Can we use it?": may this vendor receive this data? Pure: plain data in, an answer out."""

from dataclasses import dataclass, field

APPROVED = ("approved", "approved_with_conditions")
CLASS_ORDER = ["public", "internal", "confidential", "restricted"]


@dataclass(frozen=True)
class UseDecision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conditions: str = ""


def can_use(*, vendor_name: str, status_label: str, status: str, approved_classes: list[str],
            assessed_categories: list[str], data_class: str, categories: list[str],
            gates: list[dict], conditions: str = "", reassessment_reason: str = "",
            class_labels: dict, category_labels: dict) -> UseDecision:  # fmt: skip
    """Allowed only when the vendor is approved, for this class (gates of the signed-off
    assessment) and for every special category it was assessed with."""
    reasons, warnings = [], []
    allowed = True
    if status not in APPROVED:
        allowed = False
        reasons.append(f"{vendor_name} is {status_label.lower()}: it is not approved for any data.")
    elif data_class not in approved_classes:
        allowed = False
        label = class_labels[data_class]
        approved = ", ".join(class_labels[c] for c in CLASS_ORDER if c in approved_classes)
        reasons.append(
            f"{vendor_name} is not approved for {label} data"
            + (f" (approved: {approved})." if approved else ".")
        )
        gate = next((g for g in gates if g["data_class"] == data_class), None)
        if gate is not None:
            reasons.extend(gate["reasons"])
    else:
        gate = next((g for g in gates if g["data_class"] == data_class), None)
        reasons.extend(
            gate["reasons"] if gate else [f"Approved for {class_labels[data_class]} data."]
        )
    unassessed = [c for c in categories if c not in assessed_categories]
    if unassessed:
        allowed = False
        labels = ", ".join(category_labels[c].lower() for c in unassessed)
        reasons.append(f"{vendor_name} was not assessed for {labels}; reassess it first.")
    if reassessment_reason:
        warnings.append(f"Reassessment required now: {reassessment_reason}")
    return UseDecision(allowed, reasons, warnings, conditions if allowed else "")
