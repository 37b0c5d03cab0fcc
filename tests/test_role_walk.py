"""Every URL of the site, for anonymous visitors and each role: allowed where it should be, refused where not.

The walk reads each view's `studio_access` mark (left by the decorators in studio/accounts/access.py) and then
checks that the server really behaves that way; a new view without a mark fails the first test.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from studio.accounts import roles

LEVEL_ORDER = ["public", "signed_in", "viewer", "developer", "admin"]
# JSON APIs (session or bearer token) answer with JSON, never a redirect: 401 to anonymous callers, 403 to roles
# below the level; the level they need, by mark.
API_LEVELS = {"api_developer": "developer"}
ROLE_LEVEL = {None: "signed_in", roles.VIEWER: "viewer", roles.DEVELOPER: "developer", roles.ADMIN: "admin"}
DUMMY_VALUES = {"int": "987654", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _url_for(route: str, pattern: URLPattern) -> str:
    url = "/" + route
    for name, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__.removesuffix("Converter").lower()
        url = url.replace(f"<{kind}:{name}>", DUMMY_VALUES.get(kind, "x")).replace(f"<{name}>", "x")
    return url


ALL_PATTERNS = sorted(_walk(get_resolver().url_patterns), key=lambda item: item[0])


def test_every_view_states_who_may_open_it():
    unmarked = [route for route, pattern in ALL_PATTERNS if not hasattr(pattern.callback, "studio_access")]
    assert unmarked == [], f"views without an access decorator from studio.accounts.access: {unmarked}"


def test_the_walk_sees_the_site():
    routes = {route for route, _ in ALL_PATTERNS}
    assert {"", "accounts/login/", "accounts/users/", "deployments/", "playground/", "estimator/",
            "api/v1/estimate"} <= routes


# What each role may do on the estimator, stated here so a changed mark fails a test (README, roles table): it
# changes nothing stored, so Viewers use every mode; only the price table's and the model registry's edits need an
# Admin. The JSON API keeps the Developer mark (api_developer: a bearer token is issued to Developers).
ESTIMATOR_LEVELS = {
    "estimator/": "viewer", "estimator/chat/": "viewer", "estimator/chat/message/": "viewer",
    "estimator/image/": "viewer", "estimator/cost/": "viewer", "estimator/dataset/": "viewer",
    "estimator/dataset/checks/<uuid:validation_id>/": "viewer", "estimator/prices/": "viewer",
    "estimator/prices/new/": "admin", "estimator/prices/<int:price_id>/edit/": "admin",
    "estimator/models/": "viewer", "estimator/models/new/": "admin", "estimator/models/<int:model_id>/edit/": "admin",
    "api/v1/estimate": "api_developer",
}


def test_the_estimator_is_open_to_viewers_and_its_price_edits_to_admins():
    marks = {route: pattern.callback.studio_access for route, pattern in ALL_PATTERNS
             if route.startswith(("estimator/", "api/v1/estimate"))}
    assert marks == ESTIMATOR_LEVELS


@pytest.mark.parametrize("role", [None, roles.VIEWER, roles.DEVELOPER, roles.ADMIN], ids=lambda r: r or "no-role")
@pytest.mark.parametrize(("route", "pattern"), ALL_PATTERNS, ids=[route or "home" for route, _ in ALL_PATTERNS])
def test_signed_in_users_are_let_in_or_refused_by_their_role(client, make_user, route, pattern, role):
    level = pattern.callback.studio_access
    needed = API_LEVELS.get(level, level)
    user = make_user("walker", role)
    client.force_login(user)
    url = _url_for(route, pattern)
    allowed = LEVEL_ORDER.index(ROLE_LEVEL[role]) >= LEVEL_ORDER.index(needed) or level == "public"
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if allowed:
            assert response.status_code not in (401, 403), f"{method.upper()} {url} refused a {role} (needs {level})"
        else:
            assert response.status_code == 403, f"{method.upper()} {url} let a {role} in (needs {level})"
            if level in API_LEVELS:
                assert response["Content-Type"] == "application/json", f"{url} refused a {role} without JSON"


@pytest.mark.parametrize(("route", "pattern"), ALL_PATTERNS, ids=[route or "home" for route, _ in ALL_PATTERNS])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, route, pattern):
    url = _url_for(route, pattern)
    response = client.get(url)
    if pattern.callback.studio_access == "public":
        assert not (response.status_code == 302 and response["Location"].startswith("/accounts/login/"))
    elif pattern.callback.studio_access in API_LEVELS:
        assert response.status_code == 401, f"GET {url} answered {response.status_code} to an anonymous caller"
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "unauthenticated"
        assert client.post(url, "{}", content_type="application/json").status_code == 401
    else:
        assert response.status_code == 302, f"GET {url} answered {response.status_code} to an anonymous visitor"
        assert response["Location"].startswith("/accounts/login/?next=")
