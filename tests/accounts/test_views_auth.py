import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_login_page_renders_the_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"Log in to Clearance" in response.content


def test_a_reviewer_logs_in_and_lands_on_the_dashboard(client, reviewer):
    response = client.post(
        reverse("login"), {"username": "reviewer", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "Riley Reviewer" in response.content.decode()
    assert "Security reviewer" in response.content.decode()


def test_a_wrong_password_is_refused_and_keeps_the_username(client, reviewer):
    response = client.post(reverse("login"), {"username": "reviewer", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert 'value="reviewer"' in response.content.decode()


def test_logout_ends_the_session(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_change_works_and_rejects_a_weak_password(client, reviewer):
    client.force_login(reviewer)
    weak = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert weak.status_code == 200
    assert "too short" in weak.content.decode()
    strong = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a much longer passphrase 42",
            "new_password2": "a much longer passphrase 42",
        },
    )
    assert strong.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.check_password("a much longer passphrase 42")


@pytest.mark.parametrize("who", ["reviewer", "lead", "procurement", "admin"])
def test_every_role_sees_the_dashboard_and_its_navigation(client, users_by_role, who):
    client.force_login(users_by_role[who])
    page = client.get(reverse("dashboard")).content.decode()
    for item in ("Dashboard", "Vendors", "Assessments", "Incidents", "Usage"):
        assert f">{item}</a>" in page
    assert "Version 0.1.0" in page


def test_a_user_without_a_role_gets_a_styled_403_with_the_reason(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot do this" in page
    assert "An administrator can change your role" in page


def test_an_unknown_page_gets_a_styled_404(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_500_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


def test_pages_load_nothing_from_another_host(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    for attribute in ('src="http', 'href="http', 'src="//', 'href="//'):
        assert attribute not in page


def test_administrators_reach_the_django_admin(client, administrator, reviewer):
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
    client.force_login(reviewer)
    assert client.get("/admin/").status_code == 302
