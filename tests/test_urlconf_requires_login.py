"""Every page requires login: walk the whole URLconf and request each URL anonymously.

Views added by later issues are covered automatically; a new public URL must be listed in
PUBLIC with a reason.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter

PUBLIC = {
    "login": "the login page itself",
    "logout": "logging out is harmless and POST-only",
    "admin:login": "the admin's own login page",
    "admin:logout": "logging out is harmless and POST-only",
    # Django's admin shortcut redirects to an object's own URL, which then requires login.
    "admin:view_on_site": "a redirect to the object's page, which checks access itself",
}

# Endpoints called by page scripts answer 401 (JSON) instead of redirecting, so the script
# can keep the unsaved answer (or what was typed) and tell the user to log in again.
SCRIPT_ENDPOINTS = {"answer_autosave", "vendor_lookup"}

SAMPLE_BY_CONVERTER = {
    IntConverter: "1",
    SlugConverter: "sample-slug",
    UUIDConverter: str(uuid.UUID(int=1)),
    PathConverter: "sample/path",
}


def _sample_value(converter) -> str:
    for kind, value in SAMPLE_BY_CONVERTER.items():
        if isinstance(converter, kind):
            return value
    return "sample"


def _walk(patterns, prefix="", namespace=""):
    """Yield (name, url) for every concrete URL in the URLconf, with sample arguments."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + _render(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<unnamed>"
            yield name, prefix + _render(entry.pattern)


def _render(pattern) -> str:
    """Turn a route or regex pattern into a concrete path with sample arguments."""
    converters = getattr(pattern, "converters", {})
    route = str(pattern)
    if hasattr(pattern, "_route"):
        import re

        def substitute(match):
            return _sample_value(converters[match.group("name")])

        return re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", substitute, route)
    # Regex patterns (the admin's): strip anchors and fill groups with a sample.
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = re.sub(r"\([^)]*\)", "1", route)
    return route.replace("\\", "")


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_pages_of_every_app():
    names = {name for name, _ in ALL_URLS}
    assert {"dashboard", "login", "password_change", "admin:index"} <= names


@pytest.mark.parametrize(("name", "path"), [u for u in ALL_URLS if u[0] not in PUBLIC])
def test_anonymous_visitor_is_sent_to_login(client, db, name, path):
    response = client.get("/" + path)
    if name in SCRIPT_ENDPOINTS:
        assert response.status_code == 401, f"{name} answered {response.status_code}"
        assert response.json()["error"] == "session_expired"
        return
    assert response.status_code == 302, f"{name} (/{path}) answered {response.status_code}"
    location = response["Location"]
    assert location.startswith("/accounts/login/") or location.startswith("/admin/login/"), (
        f"{name} (/{path}) redirected to {location}, not to a login page"
    )


@pytest.mark.parametrize(("name", "path"), [u for u in ALL_URLS if u[0] not in PUBLIC])
def test_anonymous_post_is_refused_too(client, db, name, path):
    response = client.post("/" + path, {})
    assert response.status_code in (302, 401, 403, 405), (
        f"{name} (/{path}) accepted an anonymous POST"
    )
    if response.status_code == 302:
        assert "login" in response["Location"]
