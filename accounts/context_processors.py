from django.conf import settings

from accounts import access
from accounts.roles import EDIT, READ, SIGN_OFF


def clearance(request):
    """What base.html needs on every page: version, the user's role and what it may do."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "clearance_version": settings.CLEARANCE_VERSION,
        "user_role_label": access.role_label(user) if signed_in else "",
        "user_can_read": signed_in and access.has_role(user, READ),
        "user_can_edit": signed_in and access.has_role(user, EDIT),
        "user_can_sign_off": signed_in and access.has_role(user, SIGN_OFF),
    }
