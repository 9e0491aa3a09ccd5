"""Keeps Vendor's stored evidence summary in step with its evidence.

A receiver rather than a call in each evidence service: the summary is a cache of what the
evidence table says, and it must not go stale when evidence is written outside the services
(the admin, a data fix in a shell). It holds no business rule; the rule is in
vendors.selectors.evidence_summary_values."""

from vendors.services import evidence_summary_refresh


def evidence_changed(sender, instance, **kwargs) -> None:
    evidence_summary_refresh(vendor_ids=[instance.vendor_id])
