"""Generated values thrown at every form outside the estimator (accounts, the deployments console): the answer is
always a page or a redirect, or a 4xx with a message; never a 5xx. (The estimator's parsers have their own.)"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.accounts import roles
from studio.resources.models import Resource

# Text as people and attackers type it: any Unicode (lone surrogates excluded: no browser can send them in a form),
# markup, very long values, control characters.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\x00", "a" * 5000,
                     "https://169.254.169.254/", "http://127.0.0.1:1", "{{ 7*7 }}", "%s%s%n", "[" * 500]),
)
FORM = st.dictionaries(st.sampled_from([
    "name", "kind", "endpoint", "api_style", "api_version", "auth", "api_key", "entra_mode", "tenant_id",
    "client_id", "client_secret", "certificate", "arm_endpoint", "subscription_id", "resource_group",
    "account_name", "location", "arm_token", "allow_http_loopback", "model", "sku", "capacity", "rai_policy",
    "upgrade", "confirm_name", "items", "description", "base_policy_name", "mode", "blocklists", "username",
    "password", "email", "intended_use", "password1", "password2", "role", "reason", "ip_address",
    "Hate_Prompt_enabled", "Hate_Prompt_threshold", "model_name", "capability",
]), TEXT, max_size=12)
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def admin_client(make_user):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("fuzzy", roles.ADMIN))
    return client


@pytest.fixture
def resource(db):
    resource = Resource.objects.create(name="Fuzz", endpoint="https://fuzz.openai.azure.com",
                                       subscription_id="00000000-0000-0000-0000-000000000000",
                                       resource_group="rg", account_name="acct")
    resource.deployments.create(name="chat", model_name="gpt-4o", sku_name="Standard", capacity=1)
    return resource


def _assert_answered(response, url):
    assert response.status_code < 500, f"{url} answered {response.status_code}"


@FUZZ
@given(data=FORM)
def test_sign_in_and_access_requests_never_fail(db, data):
    client = Client(raise_request_exception=False)
    for url in ("/accounts/login/", "/accounts/request-access/"):
        _assert_answered(client.post(url, data), url)


@FUZZ
@given(data=FORM)
def test_admin_forms_never_fail(admin_client, resource, data):
    base = f"/deployments/resources/{resource.pk}"
    for url in ("/accounts/users/", "/accounts/users/1/role/", "/accounts/sign-in-locks/lift/",
                "/deployments/resources/new/", f"{base}/edit/", f"{base}/new/", f"{base}/d/chat/update/",
                f"{base}/d/chat/delete/", f"{base}/content-filters/new/", f"{base}/blocklists/new/",
                f"{base}/delete/", "/accounts/profile/tokens/"):
        _assert_answered(admin_client.post(url, data), url)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["actor", "resource", "action", "target", "page", "model", "sku"]),
                             TEXT, max_size=5))
def test_query_strings_never_fail(admin_client, resource, query):
    for url in ("/audit/", f"/deployments/resources/{resource.pk}/new/", "/deployments/"):
        _assert_answered(admin_client.get(url, query), url)
