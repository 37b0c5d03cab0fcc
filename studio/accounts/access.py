"""View decorators that state who may open a view; the role-walk test reads the marks they leave."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied

from studio.accounts import roles

# The level a view asks for, by the mark it carries; "signed_in" needs an account but no role.
LEVELS = {"viewer": roles.VIEW, "developer": roles.USE, "admin": roles.MANAGE}


def _requires(level: str):
    permission = LEVELS[level]

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            # Anonymous users never get here: LoginRequiredMiddleware sends them to the login page first.
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"This page needs the {level.title()} role or higher.")
            return view(request, *args, **kwargs)

        wrapped.studio_access = level
        return wrapped

    return decorator


viewer_required = _requires("viewer")
developer_required = _requires("developer")
admin_required = _requires("admin")


def signed_in(view):
    """Any signed-in account, with or without a role (the access-request status page)."""
    view.studio_access = "signed_in"
    return view


def public(view):
    """No account needed (login, request access, set password, health check)."""
    view = login_not_required(view)
    view.studio_access = "public"
    return view
