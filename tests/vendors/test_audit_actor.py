"""Audit actors across nested contexts. Not in test_services.py: that module freezes time,
and django-auditlog names its signal receivers by time.time(), so two nested set_actor calls
at a frozen instant share one receiver."""


def test_an_actor_set_around_a_service_call_survives_it(db, reviewer, lead):
    """django-auditlog's set_actor does not restore the outer actor; auditlog_actor does."""
    from auditlog.context import set_actor
    from auditlog.models import LogEntry

    from vendors import services as vendor_services

    with set_actor(lead):
        vendor = vendor_services.vendor_create(
            created_by=reviewer, name="Nested Actor", service_type="other",
            data_classes=["public"], criticality="low",
        )  # fmt: skip
        vendor.description = "changed after the service call"
        vendor.save()
    entries = LogEntry.objects.get_for_object(vendor).order_by("pk")
    assert [e.actor for e in entries] == [reviewer, lead]
