import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.roles import Role


def test_it_creates_the_demo_users_with_their_roles(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    User = get_user_model()
    assert User.objects.get(username="reviewer").groups.get().name == Role.REVIEWER
    assert User.objects.get(username="lead").groups.get().name == Role.LEAD
    assert User.objects.get(username="procurement").groups.get().name == Role.PROCUREMENT
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)


def test_running_it_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = get_user_model().objects.count()
    call_command("seed_demo")
    assert get_user_model().objects.count() == count


def test_it_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(username="reviewer").exists()
