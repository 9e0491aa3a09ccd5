"""A set of choices stored as a bit mask, so that it filters the same way on SQLite and
PostgreSQL (JSON `contains` does not exist on SQLite, ArrayField not outside PostgreSQL).

    data_classes = ChoiceSetField(DataClass)       # python value: ChoiceSet(["public", ...])
    Vendor.objects.filter(data_classes__has=DataClass.RESTRICTED)

Bit i is the i-th member of the choices class, so members may be appended but never
reordered or removed once data exists.
"""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property


class ChoiceSet(list):
    """A list of choice values in the order of their choices class; prints as labels."""

    def __init__(self, values: Iterable[str] = (), choices_class=None):
        self.choices_class = choices_class
        values = set(values)
        if choices_class is not None:
            ordered = [c.value for c in choices_class if c.value in values]
        else:
            ordered = sorted(values)
        super().__init__(ordered)

    def labels(self) -> list[str]:
        if self.choices_class is None:
            return list(self)
        return [self.choices_class(v).label for v in self]

    def __str__(self) -> str:
        return ", ".join(self.labels()) or "—"


class _ChoiceSetDescriptor:
    """Converts on assignment, so `vendor.data_classes = ["public"]` reads back as a
    ChoiceSet at once (audit diffs compare values before the field's pre_save runs)."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname)

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = self.field.to_python(value)


class ChoiceSetField(models.PositiveIntegerField):
    description = "A set of choices stored as a bit mask"

    def __init__(self, choices_class=None, *args, **kwargs):
        self.choices_class = choices_class
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices_class"] = self.choices_class
        if kwargs.get("default") == 0:
            del kwargs["default"]
        return name, path, args, kwargs

    # --- conversions ----------------------------------------------------------------------

    def bit(self, value: str) -> int:
        members = [c.value for c in self.choices_class]
        return 1 << members.index(value)

    def mask(self, values: Iterable[str]) -> int:
        return sum(self.bit(v) for v in set(values))

    def decode(self, mask: int) -> ChoiceSet:
        values = [c.value for i, c in enumerate(self.choices_class) if mask & (1 << i)]
        return ChoiceSet(values, self.choices_class)

    def to_python(self, value):
        if value is None or isinstance(value, ChoiceSet):
            return value
        if isinstance(value, int):
            return self.decode(value)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        valid = {c.value for c in self.choices_class}
        unknown = [v for v in value if v not in valid]
        if unknown:
            raise ValidationError(f"Unknown choice: {', '.join(map(str, unknown))}.")
        return ChoiceSet(value, self.choices_class)

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.decode(value)

    def get_prep_value(self, value):
        if value is None or isinstance(value, int):
            return value
        return self.mask(self.to_python(value))

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        setattr(cls, self.attname, _ChoiceSetDescriptor(self))

    def get_default(self):
        return ChoiceSet((), self.choices_class)

    def value_to_string(self, obj):
        return ",".join(self.value_from_object(obj) or [])

    @cached_property
    def validators(self):
        # The integer range checks of PositiveIntegerField do not apply to a ChoiceSet.
        return []

    def validate(self, value, model_instance):
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.MultipleChoiceField,
            "choices": self.choices_class.choices,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
        }
        defaults.update(kwargs)
        # The admin offers an integer widget for this integer column; a set needs a
        # multiple-choice widget, or the admin form refuses every value.
        widget = defaults["widget"]
        widget_class = widget if isinstance(widget, type) else type(widget)
        if not issubclass(widget_class, MULTIPLE_CHOICE_WIDGETS):
            defaults["widget"] = forms.CheckboxSelectMultiple
        defaults.pop("max_value", None)
        defaults.pop("min_value", None)
        defaults.pop("step_size", None)
        form_class = defaults.pop("form_class")
        defaults.pop("choices_form_class", None)
        defaults.pop("coerce", None)
        return form_class(**{k: v for k, v in defaults.items() if k in _FORMFIELD_ARGS})


MULTIPLE_CHOICE_WIDGETS = (forms.CheckboxSelectMultiple, forms.SelectMultiple)

_FORMFIELD_ARGS = {
    "choices", "widget", "required", "label", "help_text", "initial", "validators",
    "error_messages", "disabled", "show_hidden_initial", "localize", "label_suffix",
}  # fmt: skip


@ChoiceSetField.register_lookup
class HasLookup(models.Lookup):
    """`field__has=value`: the set contains that choice."""

    lookup_name = "has"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [self.lhs.output_field.bit(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", [*lhs_params, *rhs_params]


@ChoiceSetField.register_lookup
class HasAnyLookup(HasLookup):
    """`field__has_any=[a, b]`: the set contains at least one of them."""

    lookup_name = "has_any"

    def get_db_prep_lookup(self, value, connection):
        return "%s", [self.lhs.output_field.mask(value)]
