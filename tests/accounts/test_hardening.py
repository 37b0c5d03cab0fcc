"""What a tester found in accounts: lockouts a stranger could cause, forgeable addresses, markup in usernames,
roles that did not change, tokens that outlived a demotion, and a token issued twice by a refresh."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from studio.accounts import api_tokens, roles
from studio.accounts.models import ApiToken
from tests.conftest import PASSWORD

User = get_user_model()


def _sign_in(address: str, username: str, password: str, **headers) -> Client:
    client = Client(REMOTE_ADDR=address, **headers)
    client.response = client.post("/accounts/login/", {"username": username, "password": password})
    return client


# --- throttling ------------------------------------------------------------------------------------------------
def test_a_stranger_cannot_lock_out_a_user_who_signs_in_from_elsewhere(developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 3
    for _ in range(5):
        _sign_in("203.0.113.9", "dev", "guess")
    stranger = _sign_in("203.0.113.9", "dev", PASSWORD)
    assert stranger.response.status_code == 200 and "paused" in stranger.response.content.decode()
    real_user = _sign_in("198.51.100.4", "dev", PASSWORD)
    assert real_user.response.status_code == 302


def test_one_address_guessing_many_usernames_is_stopped(make_user, settings):
    settings.STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES = 4
    make_user("victim", roles.VIEWER)
    for name in ("a1", "a2", "a3", "a4"):
        _sign_in("203.0.113.7", name, "guess")
    blocked = _sign_in("203.0.113.7", "victim", PASSWORD)
    assert "signing in to any account from your address is paused" in blocked.response.content.decode()
    assert _sign_in("192.0.2.1", "victim", PASSWORD).response.status_code == 302


def test_a_forged_forwarded_header_changes_nothing_without_trusted_proxies(developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 2
    for n in range(3):  # the attacker rotates a header Studio must not believe
        _sign_in("203.0.113.9", "dev", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert "paused" in _sign_in("203.0.113.9", "dev", PASSWORD,
                                HTTP_X_FORWARDED_FOR="10.9.9.9").response.content.decode()


def test_behind_one_trusted_proxy_the_address_it_saw_counts(developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 2
    settings.STUDIO_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    for _ in range(2):  # the client forges a left-most entry; the proxy appends the real one
        _sign_in(proxy, "dev", "guess", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.50")
    assert "paused" in _sign_in(proxy, "dev", PASSWORD,
                                HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.50").response.content.decode()
    other = _sign_in(proxy, "dev", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert other.response.status_code == 302


def test_an_admin_sees_a_lock_and_lifts_it(client_as, admin_user, developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 2
    for _ in range(2):
        _sign_in("203.0.113.9", "dev", "guess")
    page = client_as(admin_user).get("/accounts/users/").content.decode()
    assert "Paused sign-ins" in page and "203.0.113.9" in page
    response = client_as(admin_user).post("/accounts/sign-in-locks/lift/",
                                          {"username": "dev", "ip_address": "203.0.113.9"}, follow=True)
    assert "is lifted" in response.content.decode()
    assert _sign_in("203.0.113.9", "dev", PASSWORD).response.status_code == 302


def test_lifting_a_lock_needs_an_admin(client_as, developer_user):
    response = client_as(developer_user).post("/accounts/sign-in-locks/lift/", {"username": "dev", "ip_address": "x"})
    assert response.status_code == 403


def test_access_requests_are_rate_limited_per_address(db, settings):
    settings.STUDIO_ACCESS_REQUESTS_PER_HOUR = 3
    client = Client(REMOTE_ADDR="203.0.113.20")
    statuses = [client.post("/accounts/request-access/", {
        "username": f"person{n}", "email": f"p{n}@example.com", "intended_use": "testing",
        "password1": "a long unusual passphrase", "password2": "a long unusual passphrase"}).status_code
        for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert User.objects.filter(username__startswith="person").count() == 3
    elsewhere = Client(REMOTE_ADDR="198.51.100.20").post("/accounts/request-access/", {
        "username": "someone", "email": "s@example.com", "intended_use": "x",
        "password1": "a long unusual passphrase", "password2": "a long unusual passphrase"})
    assert elsewhere.status_code == 302


# --- usernames ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["<script>alert(1)</script>", "a b", "x", "-dash", "ümlaut", "a" * 151, "a\n"])
def test_usernames_outside_the_safe_set_are_refused_on_invite_and_request(client_as, admin_user, username):
    invite = client_as(admin_user).post("/accounts/users/", {"username": username, "email": "u@example.com",
                                                             "role": roles.VIEWER})
    request = Client().post("/accounts/request-access/", {
        "username": username, "email": "u@example.com", "intended_use": "x",
        "password1": "a long unusual passphrase", "password2": "a long unusual passphrase"})
    for response in (invite, request):
        assert response.status_code == 200
        assert "letters, digits and . _ @ + -" in response.content.decode() or "at most 150" in \
            response.content.decode()
    assert not User.objects.filter(username=username).exists()


def test_a_safe_username_is_accepted(client_as, admin_user):
    client_as(admin_user).post("/accounts/users/", {"username": "ada.lovelace+ml@corp", "email": "a@example.com",
                                                    "role": roles.VIEWER})
    assert User.objects.filter(username="ada.lovelace+ml@corp").exists()


# --- roles --------------------------------------------------------------------------------------------------------
def test_lowering_a_superuser_lifts_the_flag_and_says_so(client_as, admin_user, make_user):
    root = User.objects.create_superuser("root", password=PASSWORD)
    response = client_as(admin_user).post(f"/accounts/users/{root.pk}/role/", {"role": roles.VIEWER}, follow=True)
    root.refresh_from_db()
    assert not root.is_superuser and roles.role_of(root) == roles.VIEWER
    assert "root is now a Viewer (their superuser flag is lifted" in response.content.decode()


def test_the_last_admin_cannot_be_lowered_even_if_superuser(client_as, db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    roles.set_role(root, roles.ADMIN)
    response = client_as(root).post(f"/accounts/users/{root.pk}/role/", {"role": roles.VIEWER}, follow=True)
    root.refresh_from_db()
    assert root.is_superuser and roles.role_of(root) == roles.ADMIN
    assert "at least one Admin" in response.content.decode()


def test_messages_say_an_admin(client_as, admin_user, viewer_user):
    response = client_as(admin_user).post(f"/accounts/users/{viewer_user.pk}/role/", {"role": roles.ADMIN},
                                          follow=True)
    assert "is now an Admin." in response.content.decode()


def _own_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lowering_a_role_ends_sessions_and_api_tokens(client_as, admin_user, developer_user):
    developer_client = _own_client(developer_user)
    api_tokens.issue(developer_user, "script")
    client_as(admin_user).post(f"/accounts/users/{developer_user.pk}/role/", {"role": roles.VIEWER})
    assert not ApiToken.objects.filter(user=developer_user, revoked_at__isnull=True).exists()
    assert developer_client.get("/").status_code == 302  # signed out


# --- deactivation and reset links -----------------------------------------------------------------------------------
def test_deactivating_ends_sessions_tokens_and_sign_in(client_as, admin_user, developer_user):
    developer_client = _own_client(developer_user)
    token, raw = api_tokens.issue(developer_user, "script")
    response = client_as(admin_user).post(f"/accounts/users/{developer_user.pk}/deactivate/", follow=True)
    assert "dev is deactivated" in response.content.decode()
    assert developer_client.get("/").status_code == 302
    assert not Session.objects.filter(session_key=developer_client.session.session_key).exists()
    assert Client().post("/api/v1/estimate", {"model": "gpt-4o", "text": "x"}, content_type="application/json",
                         headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert _sign_in("192.0.2.3", "dev", PASSWORD).response.status_code == 200

    client_as(admin_user).post(f"/accounts/users/{developer_user.pk}/reactivate/")
    assert _sign_in("192.0.2.3", "dev", PASSWORD).response.status_code == 302


def test_an_admin_cannot_deactivate_themselves(client_as, admin_user):
    client_as(admin_user).post(f"/accounts/users/{admin_user.pk}/deactivate/")
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_an_admin_hands_out_a_one_time_password_reset_link(client_as, admin_user, developer_user):
    page = client_as(admin_user).post(f"/accounts/users/{developer_user.pk}/reset-link/")
    assert page["Cache-Control"].startswith("max-age=0")
    link = page.content.decode().split("/accounts/set-password/")[1].split("<")[0]
    client = Client()
    form = client.get(f"/accounts/set-password/{link}", follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "another long passphrase",
                                             "new_password2": "another long passphrase"})
    developer_user.refresh_from_db()
    assert developer_user.check_password("another long passphrase")
    assert Client().get(f"/accounts/set-password/{link}", follow=True).context["validlink"] is False


def test_reset_links_and_deactivation_need_an_admin(client_as, developer_user, viewer_user):
    for path in ("reset-link", "deactivate"):
        assert client_as(developer_user).post(f"/accounts/users/{viewer_user.pk}/{path}/").status_code == 403


# --- profile ----------------------------------------------------------------------------------------------------
def test_making_a_token_redirects_and_shows_it_once(client_as, developer_user):
    client = client_as(developer_user)
    response = client.post("/accounts/profile/tokens/", {"name": "laptop"})
    assert response.status_code == 302
    shown = client.get(response["Location"].split("#")[0])
    raw = ApiToken.objects.get(user=developer_user)
    assert shown["Cache-Control"].startswith("max-age=0")
    body = shown.content.decode()
    assert "Copy it now" in body and raw.prefix in body
    refreshed = client.get("/accounts/profile/").content.decode()
    assert "Copy it now" not in refreshed
    assert ApiToken.objects.filter(user=developer_user).count() == 1
