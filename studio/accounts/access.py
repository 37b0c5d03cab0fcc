"""View decorators that state who may open a view; the role-walk test reads the marks they leave."""

from __future__ import annotations

from functools import wraps
from inspect import iscoroutinefunction

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware

from studio.accounts import api_tokens, roles
from studio.core.ttl_cache import TTLCache

# The level a view asks for, by the mark it carries; "signed_in" needs an account but no role.
LEVELS = {"viewer": roles.VIEW, "developer": roles.USE, "admin": roles.MANAGE}


def _user_may(request, permission: str) -> bool:
    return request.user.is_authenticated and request.user.has_perm(permission)


def _requires(level: str):
    permission = LEVELS[level]

    def decorator(view):
        if iscoroutinefunction(view):
            @wraps(view)
            async def wrapped(request, *args, **kwargs):
                # One thread hop for the user, the session behind it and the role's permissions together.
                if not await sync_to_async(_user_may)(request, permission):
                    raise PermissionDenied(f"This page needs the {level.title()} role or higher.")
                return await view(request, *args, **kwargs)
        else:
            @wraps(view)
            def wrapped(request, *args, **kwargs):
                # Anonymous users never get here: LoginRequiredMiddleware sends them to the login page first.
                if not request.user.has_perm(permission):
                    raise PermissionDenied(f"This page needs the {level.title()} role or higher.")
                return view(request, *args, **kwargs)

        wrapped.studio_access = level
        return wrapped

    return decorator


def checked_in_view(level: str):
    """Marks an async view that checks `user_may(request.user, level)` itself, inside the one thread hop it makes
    for its own database work (the streaming relay: every hop before the first token is time the user sees).
    The role walk proves the check is there."""
    LEVELS[level]  # a typo in the level fails at import

    def decorator(view):
        view.studio_access = level
        return view

    return decorator


# The relay asks on every stream; a role change reaches a process's relay within these seconds.
_RECENT_ROLES: TTLCache[bool] = TTLCache(seconds=5.0)


def forget_recent_roles(**_) -> None:
    _RECENT_ROLES.clear()


def user_may_recently(user, level: str) -> bool | None:
    """What user_may said within the last seconds, or None when it has not been asked (no database)."""
    return _RECENT_ROLES.peek((user.pk, level)) if user.is_authenticated and user.is_active else None


def user_may(user, level: str) -> bool:
    """Synchronous: may touch the database for the user's permissions (remembered a few seconds per process)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return _RECENT_ROLES.get((user.pk, level), lambda: user.has_perm(LEVELS[level]))


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


def json_error(status: int, code: str, message: str, param: str | None = None, *,
               headers: dict[str, str] | None = None) -> JsonResponse:
    """The JSON APIs' error shape, as Azure OpenAI answers: {"error": {"code", "message", "param"}}."""
    body = {"error": {"code": code, "message": message, "param": param}}
    return JsonResponse(body, status=status, headers=headers)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def csrf_failure(request) -> str | None:
    """Django's own CSRF check, run by hand: the reason it fails, or None when the request passes."""
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def api_developer(view):
    """A JSON API for Developers, by browser session or `Authorization: Bearer <token>` (see api_tokens).

    Refusals are JSON, never a redirect: 401 without a valid session or token, 403 without the Developer role.
    CSRF is checked for session callers only: a browser never attaches a bearer token on its own, so a token
    proves the caller meant the request.
    """
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                return json_error(401, "invalid_auth", "send the token as 'Authorization: Bearer <token>'",
                                  headers={"WWW-Authenticate": "Bearer"})
            user = api_tokens.user_for_token(raw.strip())
            if user is None:
                return json_error(401, "invalid_token", "the token is unknown or revoked; issue a new one on your "
                                  "profile page", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            request.user = user
        elif request.user.is_authenticated:
            try:
                reason = csrf_failure(request)  # reads a form-encoded body to find the token
            except RequestDataTooBig:
                return json_error(413, "too_large", "the body is over the size limit")
            if reason:
                return json_error(403, "csrf_failed", f"CSRF check failed ({reason}): a browser session must send "
                                  "the X-CSRFToken header; scripts should use a bearer token instead")
        else:
            return json_error(401, "unauthenticated", "sign in, or send 'Authorization: Bearer <token>' with a token "
                              "from your profile page", headers={"WWW-Authenticate": "Bearer"})
        if not request.user.has_perm(LEVELS["developer"]):
            return json_error(403, "forbidden", "this API needs the Developer role or higher")
        return view(request, *args, **kwargs)

    wrapped = login_not_required(wrapped)
    wrapped.csrf_exempt = True  # checked above, for session callers only
    wrapped.studio_access = "api_developer"
    return wrapped
