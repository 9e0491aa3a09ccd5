"""For the tests that run two sweeps at once: real transactions, one connection per thread.

They need PostgreSQL (row locks, concurrent inserts; SQLite serialises writers), and empty the
database afterwards, as every transactional test does; `role_groups_put_back` then restores
the role groups the migrations created, for the tests that come later."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts.roles import Role

# Skipped before any fixture is set up (no database is emptied for nothing).
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Two concurrent sweeps need PostgreSQL (row locks, concurrent inserts); SQLite "
    "serialises writers. Run with DATABASE_URL=postgres://...",
)


@pytest.fixture
def role_groups_put_back(django_db_blocker):
    """Use it with @pytest.mark.usefixtures: set up before the test's own fixtures, so torn
    down after `transactional_db` has emptied the database."""
    yield
    with django_db_blocker.unblock():
        for role in Role:
            Group.objects.get_or_create(name=role.value)
