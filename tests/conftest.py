import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls from it. Must be set before Django starts.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from accounts.roles import Role  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    """Playwright cannot download browsers here: launch Debian's Chromium instead."""
    if browser_name not in (None, "chromium"):
        return browser_type_launch_args
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `apt-get install chromium` (CI installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True, scope="session")
def _private_media_is_throwaway(django_test_environment):
    """Uploads made by tests go to var/test-media, emptied after the run."""
    yield
    from django.conf import settings

    if Path(settings.MEDIA_ROOT).name == "test-media":
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def reviewer(db):
    return UserFactory(
        username="reviewer", first_name="Riley", last_name="Reviewer", role=Role.REVIEWER
    )


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", first_name="Lee", last_name="Lead", role=Role.LEAD)


@pytest.fixture
def procurement(db):
    return UserFactory(
        username="procurement", first_name="Pat", last_name="Buyer", role=Role.PROCUREMENT
    )


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    """Signed in, but in no role group."""
    return UserFactory(username="outsider")


@pytest.fixture
def users_by_role(reviewer, lead, procurement, administrator, outsider):
    return {
        "reviewer": reviewer,
        "lead": lead,
        "procurement": procurement,
        "admin": administrator,
        "outsider": outsider,
    }


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Transactional tests (live_server, concurrency) flush the database, and post_migrate
    recreates content types with new ids; the manager's cache would keep the old ones and
    audit entries would point at rows that no longer exist."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
