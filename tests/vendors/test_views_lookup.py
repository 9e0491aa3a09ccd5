"""The vendor picker's suggestions (/vendors/lookup/): what they hold, in which order, how
many, for whom, and at a cost that does not grow with the number of vendors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.vendors.factories import VendorFactory
from vendors.models import VendorStatus

ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]


def suggest(client, q) -> dict:
    response = client.get(reverse("vendor_lookup"), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def names(client, q) -> list[str]:
    return [result["name"] for result in suggest(client, q)["results"]]


def test_it_answers_each_match_with_its_status_and_whether_it_is_retired(client, reviewer):
    approved = VendorFactory(name="Quillnote AI", status=VendorStatus.APPROVED_WITH_CONDITIONS)
    retired = VendorFactory(name="Quillpad", status=VendorStatus.RETIRED)
    VendorFactory(name="Larkspur Language Cloud")
    client.force_login(reviewer)

    assert suggest(client, "quill") == {
        "results": [
            {"id": approved.pk, "name": "Quillnote AI", "status": "Approved with conditions",
             "retired": False},
            {"id": retired.pk, "name": "Quillpad", "status": "Retired", "retired": True},
        ],
        "more": False,
    }  # fmt: skip


def test_names_that_start_with_the_text_come_first_then_a_to_z_ignoring_case(client, reviewer):
    for name in ["Big Quill Co", "Quillnote AI", "aquilla Data", "quill Pad", "Nothing here"]:
        VendorFactory(name=name)
    client.force_login(reviewer)

    assert names(client, "QUILL") == ["quill Pad", "Quillnote AI", "aquilla Data", "Big Quill Co"]


def test_it_suggests_at_most_twenty_and_says_when_there_are_more(client, reviewer):
    for i in range(20):
        VendorFactory(name=f"Vendor {i:02d}")
    client.force_login(reviewer)

    exactly = suggest(client, "vendor")
    VendorFactory(name="Vendor 20")
    beyond = suggest(client, "vendor")

    assert (len(exactly["results"]), exactly["more"]) == (20, False)
    assert (len(beyond["results"]), beyond["more"]) == (20, True)
    assert [r["name"] for r in beyond["results"]][-1] == "Vendor 19"


@pytest.mark.parametrize("q", ["", "   ", None])
def test_a_blank_text_suggests_nothing(client, reviewer, q):
    VendorFactory(name="Quillnote AI")
    client.force_login(reviewer)
    response = client.get(reverse("vendor_lookup"), {} if q is None else {"q": q})
    assert response.json() == {"results": [], "more": False}


def test_wildcards_in_the_text_are_taken_literally(client, reviewer):
    VendorFactory(name="100% Private AI")
    VendorFactory(name="1000 Models")
    client.force_login(reviewer)
    assert names(client, "100%") == ["100% Private AI"]
    assert names(client, "_") == []


def test_the_text_is_matched_with_its_spaces_collapsed(client, reviewer):
    VendorFactory(name="Larkspur Language Cloud")
    client.force_login(reviewer)
    assert names(client, "  language   cloud ") == ["Larkspur Language Cloud"]


@pytest.mark.parametrize("who", ROLES)
def test_every_signed_in_user_may_ask_as_on_can_we_use(client, users_by_role, who):
    # "Can we use it?" is open to users without a role, and its picker asks here.
    VendorFactory(name="Quillnote AI")
    client.force_login(users_by_role[who])
    assert names(client, "quill") == ["Quillnote AI"]


def test_an_anonymous_request_gets_401_json_not_a_redirect(client, db):
    response = client.get(reverse("vendor_lookup"), {"q": "quill"})
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"


def test_it_only_answers_get(client, reviewer):
    client.force_login(reviewer)
    assert client.post(reverse("vendor_lookup"), {"q": "quill"}).status_code == 405


def count_queries(client, q) -> int:
    with CaptureQueriesContext(connection) as queries:
        suggest(client, q)
    return len(queries)


def test_it_makes_the_same_queries_for_few_and_many_vendors(client, reviewer):
    VendorFactory.create_batch(3)
    client.force_login(reviewer)
    few = count_queries(client, "vendor")
    VendorFactory.create_batch(60)
    many = count_queries(client, "vendor")
    # The session, the user, and the suggestions.
    assert few == many == 3
