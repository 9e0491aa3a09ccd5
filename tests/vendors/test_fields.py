import pytest
from django.core.exceptions import ValidationError

from tests.vendors.factories import VendorFactory
from vendors.fields import ChoiceSet
from vendors.models import DataClass, SpecialCategory, Vendor


@pytest.mark.django_db
def test_a_list_saved_reads_back_as_a_choice_set_in_enum_order():
    vendor = VendorFactory(data_classes=["restricted", "public", "internal"])

    stored = Vendor.objects.get(pk=vendor.pk).data_classes

    assert isinstance(stored, ChoiceSet)
    assert stored == ["public", "internal", "restricted"]
    assert stored.choices_class is DataClass


def test_assigning_a_list_gives_a_choice_set_at_once():
    vendor = Vendor(data_classes=["confidential", "public", "public"])

    assert isinstance(vendor.data_classes, ChoiceSet)
    assert vendor.data_classes == ["public", "confidential"]


def test_a_choice_set_prints_as_its_labels_in_enum_order():
    vendor = Vendor(special_categories=["source_code", "personal", "payment_card"])

    assert str(vendor.special_categories) == "Personal data, Payment card data, Source code"


def test_an_empty_choice_set_prints_as_a_dash():
    assert str(Vendor().special_categories) == "—"
    assert Vendor().special_categories == []


@pytest.mark.django_db
def test_an_empty_set_round_trips_as_an_empty_choice_set():
    vendor = VendorFactory(special_categories=[])

    stored = Vendor.objects.get(pk=vendor.pk).special_categories

    assert isinstance(stored, ChoiceSet)
    assert stored == []
    assert stored.choices_class is SpecialCategory


def test_a_comma_separated_string_is_read_as_choices():
    vendor = Vendor(data_classes="restricted, public")

    assert vendor.data_classes == ["public", "restricted"]


def test_an_unknown_choice_raises_a_validation_error():
    with pytest.raises(ValidationError, match="Unknown choice: secret"):
        Vendor(data_classes=["internal", "secret"])


@pytest.mark.django_db
def test_has_finds_the_vendors_whose_set_contains_the_choice():
    restricted = VendorFactory(data_classes=["internal", "restricted"])
    VendorFactory(data_classes=["internal"])
    VendorFactory(data_classes=["public", "confidential"])

    found = Vendor.objects.filter(data_classes__has=DataClass.RESTRICTED)

    assert list(found) == [restricted]


@pytest.mark.django_db
def test_has_any_finds_the_vendors_whose_set_contains_one_of_the_choices():
    restricted = VendorFactory(name="A", data_classes=["restricted"])
    confidential = VendorFactory(name="B", data_classes=["public", "confidential"])
    VendorFactory(name="C", data_classes=["internal"])
    VendorFactory(name="D", data_classes=["public"])

    found = Vendor.objects.filter(
        data_classes__has_any=[DataClass.CONFIDENTIAL, DataClass.RESTRICTED]
    )

    assert list(found) == [restricted, confidential]


@pytest.mark.django_db
def test_has_any_of_nothing_finds_nothing():
    VendorFactory(data_classes=["internal"])

    assert not Vendor.objects.filter(data_classes__has_any=[]).exists()


@pytest.mark.django_db
def test_has_can_be_negated_to_find_the_sets_without_the_choice():
    VendorFactory(name="A", data_classes=["internal", "restricted"])
    internal_only = VendorFactory(name="B", data_classes=["internal"])

    found = Vendor.objects.exclude(data_classes__has=DataClass.RESTRICTED)

    assert list(found) == [internal_only]


@pytest.mark.django_db
def test_filtering_on_the_exact_set_matches_only_that_set():
    exact = VendorFactory(name="A", data_classes=["public", "internal"])
    VendorFactory(name="B", data_classes=["internal"])

    assert list(Vendor.objects.filter(data_classes=["internal", "public"])) == [exact]


def test_a_required_choice_set_refuses_an_empty_set():
    field = Vendor._meta.get_field("data_classes")

    with pytest.raises(ValidationError):
        field.validate(ChoiceSet((), DataClass), Vendor())


def test_a_vendor_with_a_choice_set_passes_model_validation():
    vendor = Vendor(
        name="Acme", slug="acme", service_type="llm_api", criticality="medium",
        data_classes=["internal", "restricted"],
    )  # fmt: skip

    vendor.full_clean(validate_unique=False, validate_constraints=False)
