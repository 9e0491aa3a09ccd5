""" "Can we use it?": may this vendor receive this data today? Pure: plain data in (what the
vendor may receive today, from vendors.policy.approval_state), an answer out."""

import datetime as dt
from dataclasses import dataclass, field

from vendors.classification import CATEGORY_MIN_CLASS, CLASS_ORDER, category_reason, required_class
from vendors.policy import SUSPENDED_CLASSES, ApprovalState


@dataclass(frozen=True)
class UseDecision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conditions: str = ""
    data_class: str = ""  # the class answered for: the one asked, raised by its categories
    valid_until: dt.date | None = None


def can_use(*, vendor_name: str, state: ApprovalState, data_class: str, categories: list[str],
            gates: list[dict], conditions: str = "", reassessment_reason: str = "",
            class_labels: dict, category_labels: dict) -> UseDecision:  # fmt: skip
    """Allowed only when the vendor may receive, today, the class asked raised to the minimum
    class of the special categories asked (health data is Restricted data), and was assessed
    for every one of those categories. Every "no" says why in plain sentences."""
    reasons, warnings = [], []
    needed = required_class([data_class], categories)
    if needed != data_class:
        for category in categories:
            if CATEGORY_MIN_CLASS.get(category) == needed:
                reasons.append(category_reason(category_labels[category], class_labels[needed]))
        reasons.append(f"The answer is for {class_labels[needed]} data.")
    gate = next((g for g in gates if g["data_class"] == needed), None)
    allowed = True
    if state.allows_nothing:
        allowed = False
        reasons.extend(state.reasons)
    elif needed not in state.allowed_classes:
        allowed = False
        if state.suspended and needed in SUSPENDED_CLASSES and needed in state.approved_classes:
            reasons.extend(state.reasons)
        else:
            approved = ", ".join(
                class_labels[c] for c in CLASS_ORDER if c in state.approved_classes
            )
            reasons.append(
                f"{vendor_name} is not approved for {class_labels[needed]} data"
                + (f" (approved: {approved})." if approved else ".")
            )
            if gate is not None:
                reasons.extend(gate["reasons"])
    else:
        reasons.extend(gate["reasons"] if gate else [f"Approved for {class_labels[needed]} data."])
        # A suspension that does not touch this class is still worth knowing.
        warnings.extend(state.reasons)
    if not state.allows_nothing:
        unassessed = [c for c in categories if c not in state.allowed_categories]
        if unassessed:
            allowed = False
            labels = ", ".join(category_labels[c].lower() for c in unassessed)
            reasons.append(f"{vendor_name} was not assessed for {labels}; reassess it first.")
    if reassessment_reason:
        warnings.append(f"Reassessment required now: {reassessment_reason}")
    return UseDecision(
        allowed=allowed,
        reasons=reasons,
        warnings=warnings,
        conditions=conditions if allowed else "",
        data_class=needed,
        valid_until=state.valid_until if allowed else None,
    )
