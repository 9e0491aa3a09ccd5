import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.access import has_role, role_label, role_required, roles_of
from accounts.roles import EDIT, READ, SIGN_OFF, Role


@role_required(EDIT)
def edit_view(request):
    return HttpResponse("edited")


def call(view, user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return view(request)


@pytest.mark.parametrize(
    ("who", "rule", "allowed"),
    [
        ("reviewer", READ, True),
        ("reviewer", EDIT, True),
        ("reviewer", SIGN_OFF, False),
        ("lead", EDIT, True),
        ("lead", SIGN_OFF, True),
        ("procurement", READ, True),
        ("procurement", EDIT, False),
        ("procurement", SIGN_OFF, False),
        ("admin", SIGN_OFF, True),
        ("outsider", READ, False),
    ],
)
def test_each_role_holds_exactly_its_rights(users_by_role, who, rule, allowed):
    assert has_role(users_by_role[who], rule) is allowed


def test_a_role_it_may_not_use_gets_403_with_the_reason(procurement):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="security leads, security reviewers"):
        call(edit_view, procurement)


def test_a_role_it_may_use_reaches_the_view(reviewer):
    assert call(edit_view, reviewer).content == b"edited"


def test_anonymous_is_sent_to_login():
    from django.contrib.auth.models import AnonymousUser

    response = call(edit_view, AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/somewhere/")


def test_an_inactive_user_holds_no_role(reviewer):
    reviewer.is_active = False
    assert not has_role(reviewer, READ)


def test_roles_are_read_with_one_query_per_request(reviewer, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert roles_of(reviewer) == {Role.REVIEWER}
        assert has_role(reviewer, EDIT)
        assert role_label(reviewer) == "Security reviewer"


def test_role_labels_name_the_strongest_role(users_by_role):
    assert role_label(users_by_role["lead"]) == "Security lead"
    assert role_label(users_by_role["procurement"]) == "Procurement"
    assert role_label(users_by_role["admin"]) == "Administrator"
    assert role_label(users_by_role["outsider"]) == "No role"
