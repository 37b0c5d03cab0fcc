"""API tokens: issued on the profile page and shown once, stored as a hash, revoked; and how the API checks them."""

import hashlib

import pytest
from django.test import Client

from studio.accounts import api_tokens
from studio.accounts.models import ApiToken

URL = "/api/v1/estimate"
BODY = '{"model": "gpt-4o", "text": "hello world"}'


def call(token=None, client=None, **headers):
    client = client or Client(enforce_csrf_checks=True)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(URL, BODY, content_type="application/json", headers=headers)


def test_a_token_is_stored_as_its_sha256_and_a_short_prefix(developer_user):
    token, raw = api_tokens.issue(developer_user, "ci script")
    token.refresh_from_db()
    assert raw.startswith("stu_") and len(raw) > 40
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert raw not in {token.name, token.prefix, token.token_hash}


def test_a_developer_issues_a_token_on_the_profile_page_and_sees_it_once(client_as, developer_user):
    client = client_as(developer_user)
    redirect = client.post("/accounts/profile/tokens/", {"name": "laptop"})
    response = client.get(redirect["Location"].split("#")[0])  # post/redirect/get: a refresh issues nothing
    body = response.content.decode()
    token = ApiToken.objects.get(user=developer_user)
    raw = body.split('id="new-token">')[1].split("<")[0]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert "no-store" in response["Cache-Control"]
    later = client.get("/accounts/profile/").content.decode()
    assert raw not in later
    assert f"{token.prefix}…" in later and "laptop" in later


def test_issuing_without_a_name_keeps_the_page_and_says_what_to_fix(client_as, developer_user):
    body = client_as(developer_user).post("/accounts/profile/tokens/", {"name": ""}).content.decode()
    assert "This field is required" in body
    assert not ApiToken.objects.exists()


def test_a_viewer_cannot_issue_a_token(client_as, viewer_user):
    assert client_as(viewer_user).post("/accounts/profile/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_valid_token_works_without_a_session_or_csrf_token(developer_user):
    _, raw = api_tokens.issue(developer_user, "ci")
    response = call(raw)
    assert response.status_code == 200
    assert response.json()["prompt_tokens"] == 2


def test_using_a_token_records_when(developer_user):
    token, raw = api_tokens.issue(developer_user, "ci")
    call(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer stu_wrong", "Bearer nonsense", "Basic ZGV2OnB3", "Bearer", "Bearer  "])
def test_a_wrong_or_malformed_token_is_401(developer_user, header):
    api_tokens.issue(developer_user, "ci")
    response = Client().post(URL, BODY, content_type="application/json", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("invalid_token", "invalid_auth")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(client_as, developer_user):
    token, raw = api_tokens.issue(developer_user, "ci")
    client_as(developer_user).post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert call(raw).status_code == 401


def test_revoking_twice_keeps_the_first_time(developer_user):
    token, _ = api_tokens.issue(developer_user, "ci")
    first = api_tokens.revoke(token).revoked_at
    assert api_tokens.revoke(token).revoked_at == first


def test_nobody_revokes_another_users_token(client_as, developer_user, make_user):
    token, raw = api_tokens.issue(developer_user, "ci")
    other = make_user("mallory", "Admin")
    assert client_as(other).post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert call(raw).status_code == 200


def test_a_token_of_a_disabled_account_is_401(developer_user):
    _, raw = api_tokens.issue(developer_user, "ci")
    developer_user.is_active = False
    developer_user.save()
    assert call(raw).status_code == 401


def test_a_viewer_token_is_403(viewer_user):
    _, raw = api_tokens.issue(viewer_user, "old")
    response = call(raw)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_no_session_and_no_token_is_401_json(db):
    response = call()
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_session_post_without_the_csrf_token_is_refused(developer_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(developer_user)
    response = call(client=client)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_a_session_post_with_the_csrf_token_is_let_in(developer_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(developer_user)
    client.get("/estimator/")  # the page sets the CSRF cookie, as a browser's first visit does
    response = call(client=client, **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 200


def test_a_bearer_token_wins_over_a_session_of_someone_else(developer_user, viewer_user):
    _, raw = api_tokens.issue(viewer_user, "old")
    client = Client(enforce_csrf_checks=True)
    client.force_login(developer_user)
    assert call(raw, client=client).status_code == 403
