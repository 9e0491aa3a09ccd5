"""Demo users for `seed_demo`. Never run with DEBUG off (the command refuses)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import Role

DEMO_PASSWORD = "clearance-demo"  # noqa: S105 - printed in the README; demo only

DEMO_USERS = [
    # username, first name, last name, role (None: administrator)
    ("reviewer", "Riley", "Reviewer", Role.REVIEWER),
    ("lead", "Lee", "Lead", Role.LEAD),
    ("procurement", "Pat", "Procurement", Role.PROCUREMENT),
    ("admin", "Ada", "Admin", None),
]


def seed(stdout) -> None:
    """Create or refresh the demo users; idempotent."""
    User = get_user_model()
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.is_staff = role is None
        user.is_superuser = role is None
        user.save()
        if role is not None:
            user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
        stdout.write(f"  {'created' if created else 'kept   '} {username:<12} {DEMO_PASSWORD}")
