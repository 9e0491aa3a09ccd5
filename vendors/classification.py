"""How sensitive data is: the order of the data classes and the class a special category of
data needs. Pure (no Django), so the scoring method, the usage policy and "can we use it?"
read the same rule.

Classify the data before it touches any AI service: health and payment card data are always
Restricted, personal and employee data at least Confidential, whatever class the rest of the
data has. A vendor approved only for Internal data may therefore not receive personal data.
"""

from collections.abc import Iterable

CLASS_ORDER = ("public", "internal", "confidential", "restricted")

CATEGORY_MIN_CLASS = {
    "health": "restricted",
    "payment_card": "restricted",
    "personal": "confidential",
    "employee": "confidential",
}

# Categories that are personal data in the sense of the GDPR: processing any of them needs a
# data processing agreement with Art. 28(3) terms.
PERSONAL_DATA_CATEGORIES = frozenset({"personal", "employee", "health"})


def class_rank(data_class: str) -> int:
    return CLASS_ORDER.index(data_class)


def required_class(data_classes: Iterable[str], categories: Iterable[str] = ()) -> str:
    """The most sensitive class the data needs: the highest of its classes and of the
    minimum classes of its special categories (Public when nothing is given)."""
    needed = [c for c in data_classes if c in CLASS_ORDER]
    needed += [CATEGORY_MIN_CLASS[c] for c in categories if c in CATEGORY_MIN_CLASS]
    return max(needed, key=class_rank, default="public")


def classes_needed(data_classes: Iterable[str], categories: Iterable[str] = ()) -> list[str]:
    """The requested classes plus the minimum class of each special category, in order."""
    wanted = set(data_classes) | {
        CATEGORY_MIN_CLASS[c] for c in categories if c in CATEGORY_MIN_CLASS
    }
    return [c for c in CLASS_ORDER if c in wanted]


def category_reason(category_label: str, data_class_label: str) -> str:
    return f"{category_label} is always {data_class_label} data or higher."
