"""factory_boy factories for vendors and their evidence."""

import factory
from django.utils.text import slugify

from vendors.models import (
    Criticality,
    DataClass,
    Evidence,
    EvidenceKind,
    ServiceType,
    Vendor,
)
from vendors.services import evidence_expiry


class VendorFactory(factory.django.DjangoModelFactory):
    """A proposed LLM API vendor that would receive internal data.

    The slug is not editable (vendors.services sets it), so the factory makes one that is
    unique even when two vendors share a slugified name.
    """

    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.name)[:200] or 'vendor'}-{n}")
    service_type = ServiceType.LLM_API
    data_classes = factory.LazyFunction(lambda: [DataClass.INTERNAL])
    criticality = Criticality.MEDIUM


class EvidenceFactory(factory.django.DjangoModelFactory):
    """Evidence of any kind; pass `kind` and its facts.

    `expires_on` is derived from the facts by vendors.services.evidence_expiry, as the
    services do, unless the caller passes it explicitly.
    """

    class Meta:
        model = Evidence

    vendor = factory.SubFactory(VendorFactory)
    kind = EvidenceKind.OTHER

    @classmethod
    def _with_expiry(cls, model_class, kwargs: dict) -> dict:
        if "expires_on" in kwargs:
            return kwargs
        return {**kwargs, "expires_on": evidence_expiry(model_class(**kwargs))}

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return super()._build(model_class, *args, **cls._with_expiry(model_class, kwargs))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return super()._create(model_class, *args, **cls._with_expiry(model_class, kwargs))
