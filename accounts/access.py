"""The access layer every view goes through.

    @role_required(EDIT)          # reviewers and leads; procurement gets 403
    def vendor_edit(request, pk): ...

Anonymous users are sent to the login page; a signed-in user without one of the roles gets
403 with the reason. Object-level rules (404 for objects a user may not see) live in each
app's `_get_<object>_for_user` helper, which calls `has_role` for the role part.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.roles import ROLE_LABELS, Role

_CACHE_ATTRIBUTE = "_clearance_roles"


def roles_of(user) -> frozenset[Role]:
    """The user's Clearance roles, read once per user object (one query per request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def has_role(user, allowed: Iterable[Role]) -> bool:
    """True when the user holds one of the allowed roles; administrators hold them all."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(roles_of(user) & frozenset(allowed))


def role_label(user) -> str:
    """How the user's role reads in the page header ("Security lead", "Administrator")."""
    if user.is_superuser:
        return "Administrator"
    roles = roles_of(user)
    # The most powerful role first: a lead who is also a reviewer is shown as a lead.
    for role in (Role.LEAD, Role.REVIEWER, Role.PROCUREMENT):
        if role in roles:
            return ROLE_LABELS[role]
    return "No role"


def check_role(user, allowed: Iterable[Role]) -> None:
    """Raise PermissionDenied (403) unless the user holds one of the allowed roles."""
    if not has_role(user, allowed):
        names = ", ".join(sorted(ROLE_LABELS[r].lower() + "s" for r in allowed))
        raise PermissionDenied(f"This page is for {names}.")


def role_required(allowed: Iterable[Role]) -> Callable:
    """Decorator: log in first, then hold one of the allowed roles (else 403)."""
    allowed = frozenset(allowed)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check_role(request.user, allowed)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _session_expired(message: str):
    from django.http import JsonResponse

    return JsonResponse({"error": "session_expired", "message": message}, status=401)


def api_login_required(view: Callable) -> Callable:
    """For endpoints called by page scripts that every signed-in user may call, as the vendor
    picker on "Can we use it?", which users without a role may ask: an anonymous request
    answers 401 with JSON instead of a redirect to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _session_expired("Your session has expired. Log in again.")
        return view(request, *args, **kwargs)

    return wrapper


def api_role_required(allowed: Iterable[Role]) -> Callable:
    """Like role_required, for endpoints called by page scripts (autosave): an expired
    session answers 401 with JSON instead of a redirect to the login page, so the script can
    keep the unsaved answer and say what happened."""
    from django.http import JsonResponse

    allowed = frozenset(allowed)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _session_expired("Your session has expired. Log in again to save.")
            if not has_role(request.user, allowed):
                return JsonResponse(
                    {"error": "forbidden", "message": "Your role cannot change this."}, status=403
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
