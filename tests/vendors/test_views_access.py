"""Every vendor and evidence view, requested by every role: who may read, who may change.

Procurement reads vendors and evidence facts but changes nothing and downloads no evidence
file; deleting a vendor is for administrators only.
"""

import pytest
from django.urls import reverse

from vendors.models import Vendor

READ_PAGES = ["vendor_list", "vendor_export", "vendor_detail"]
EDIT_PAGES = [
    "vendor_create", "vendor_edit", "vendor_retire", "evidence_choose_kind", "evidence_create",
    "evidence_edit", "evidence_delete", "evidence_download",
]  # fmt: skip
ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]


def url_for(name, vendor, evidence):
    if name in ("vendor_list", "vendor_export", "vendor_create"):
        return reverse(name)
    if name == "evidence_create":
        return reverse(name, args=[vendor.pk, "dpa"])
    if name.startswith("evidence_") and name != "evidence_choose_kind":
        return reverse(name, args=[evidence.pk])
    return reverse(name, args=[vendor.pk])


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", READ_PAGES)
def test_every_role_but_outsiders_reads_vendors(
    client, users_by_role, vendor, soc2_with_file, who, page
):
    client.force_login(users_by_role[who])
    response = client.get(url_for(page, vendor, soc2_with_file))
    assert response.status_code == (403 if who == "outsider" else 200)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_only_reviewers_leads_and_admins_open_edit_pages(
    client, users_by_role, vendor, soc2_with_file, who, page
):
    client.force_login(users_by_role[who])
    response = client.get(url_for(page, vendor, soc2_with_file))
    if who in ("procurement", "outsider"):
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302)


@pytest.mark.parametrize("who", ["procurement", "outsider"])
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_a_refused_post_changes_nothing(client, users_by_role, vendor, soc2_with_file, who, page):
    client.force_login(users_by_role[who])
    before = (vendor.name, vendor.status, soc2_with_file.auditor)
    response = client.post(
        url_for(page, vendor, soc2_with_file),
        {"name": "Renamed", "confirm": "on", "auditor": "Someone else", "status": "proposed"},
    )
    assert response.status_code == 403
    vendor.refresh_from_db()
    soc2_with_file.refresh_from_db()
    assert (vendor.name, vendor.status, soc2_with_file.auditor) == before


@pytest.mark.parametrize("who", ["reviewer", "lead", "procurement"])
def test_only_administrators_may_delete_a_vendor(client, users_by_role, vendor, who):
    client.force_login(users_by_role[who])
    response = client.post(reverse("vendor_delete", args=[vendor.pk]), {"confirm": "on"})
    assert response.status_code == 403
    assert Vendor.objects.filter(pk=vendor.pk).exists()


def test_an_administrator_deletes_a_vendor_after_confirming(client, administrator, vendor):
    client.force_login(administrator)
    unconfirmed = client.post(reverse("vendor_delete", args=[vendor.pk]), {})
    assert unconfirmed.status_code == 200
    assert Vendor.objects.filter(pk=vendor.pk).exists()
    confirmed = client.post(reverse("vendor_delete", args=[vendor.pk]), {"confirm": "on"})
    assert confirmed.status_code == 302
    assert not Vendor.objects.filter(pk=vendor.pk).exists()


@pytest.mark.parametrize("page", ["vendor_detail", "vendor_edit", "evidence_choose_kind"])
def test_a_guessed_vendor_id_is_404(client, reviewer, page):
    client.force_login(reviewer)
    assert client.get(reverse(page, args=[999999])).status_code == 404


@pytest.mark.parametrize("page", ["evidence_edit", "evidence_delete", "evidence_download"])
def test_a_guessed_evidence_id_is_404(client, reviewer, page):
    client.force_login(reviewer)
    assert client.get(reverse(page, args=[999999])).status_code == 404
