"""View code (every client style, never the key), the image-token figure, and the usage pages."""

from __future__ import annotations

import json

import pytest

from studio.resources.models import Deployment, Resource
from studio.usage.records import usage_record

BODY = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 50, "temperature": 0.3, "stream": True}
KEY = "sk-very-secret-key-1234567890"


@pytest.fixture
def make_deployment(db):
    def make(kind="azure_openai", api_style="dated", auth="api_key", name="gpt4o"):
        resource = Resource(name=f"r-{kind}-{api_style}-{auth}", kind=kind, api_style=api_style, auth=auth,
                            endpoint="https://contoso.openai.azure.com" if kind != "openai_compatible"
                            else "https://llm.example.com/v1")
        if auth == "api_key":
            resource.set_api_key(KEY)
        resource.save()
        return Deployment.objects.create(resource=resource, name=name, model_name="gpt-4o",
                                         model_version="2024-08-06", capability="chat", sku_name="GlobalStandard")
    return make


def code(client, deployment, body=BODY, operation="chat/completions"):
    answer = client.post("/playground/code/", data=json.dumps(
        {"deployment": deployment.pk, "operation": operation, "body": body}), content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_dated_azure_with_a_key(client, viewer_user, make_deployment):
    client.force_login(viewer_user)  # viewing code sends nothing: Viewers may
    samples = code(client, make_deployment())
    assert "AzureOpenAI(" in samples["python"] and 'api_version="2024-10-21"' in samples["python"]
    assert 'os.environ["AZURE_OPENAI_API_KEY"]' in samples["python"]
    assert "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21" in samples["curl"]
    assert '"api-key: $AZURE_OPENAI_API_KEY"' in samples["curl"] and "curl -N" in samples["curl"]
    assert "new AzureOpenAI(" in samples["javascript"] and "process.env.AZURE_OPENAI_API_KEY" in samples["javascript"]
    assert all(KEY not in text for text in samples.values())
    # The Python sample is real Python that the SDK would accept: it compiles, with the body's values as written.
    compile(samples["python"], "sample.py", "exec")
    assert "temperature=0.3" in samples["python"] and "stream=True" in samples["python"]


def test_entra_id_gets_a_token_provider(client, developer_user, make_deployment):
    client.force_login(developer_user)
    samples = code(client, make_deployment(auth="entra_id"))
    assert "get_bearer_token_provider" in samples["python"] and "azure_ad_token_provider=token_provider" in \
        samples["python"]
    assert "az account get-access-token" in samples["curl"]
    assert "getBearerTokenProvider" in samples["javascript"]


def test_v1_and_compatible_endpoints_use_the_plain_client(client, developer_user, make_deployment):
    client.force_login(developer_user)
    v1 = code(client, make_deployment(api_style="v1"))
    assert 'base_url="https://contoso.openai.azure.com/openai/v1/"' in v1["python"]
    assert '"model": "gpt4o"' in v1["curl"] and "api-version" not in v1["curl"]
    compatible = code(client, make_deployment(kind="openai_compatible", name="llama"))
    assert 'os.environ["OPENAI_API_KEY"]' in compatible["python"]
    assert "https://llm.example.com/v1/chat/completions" in compatible["curl"]
    assert all(KEY not in text for text in (*v1.values(), *compatible.values()))


def test_view_code_refuses_a_bad_body(client, developer_user, make_deployment):
    client.force_login(developer_user)
    answer = client.post("/playground/code/", data=json.dumps(
        {"deployment": make_deployment().pk, "body": {"messages": [], "temperature": 9}}),
        content_type="application/json")
    assert answer.status_code == 400 and "temperature" in answer.json()["error"]["message"]


@pytest.mark.parametrize(("width", "height", "detail"), [(1024, 1024, "high"), (4000, 3000, "auto"),
                                                         (512, 512, "low"), (800, 6000, "high")])
def test_the_vision_token_figure_equals_the_estimators(client, developer_user, make_deployment, width, height,
                                                       detail):
    client.force_login(developer_user)
    deployment = make_deployment()
    ours = client.post("/playground/image-cost/", data=json.dumps(
        {"deployment": deployment.pk, "width": width, "height": height, "detail": detail}),
        content_type="application/json").json()
    estimator = client.post("/api/v1/estimate", data=json.dumps({
        "model": "gpt-4o-2024-08-06",
        "messages": [{"role": "user", "content": [{"type": "image_size", "width": width, "height": height,
                                                   "detail": detail}]}]}),
        content_type="application/json", HTTP_X_CSRFTOKEN="x").json()
    assert ours["tokens"] == estimator["images"][0]["tokens"] > 0


def test_an_impossible_image_is_a_clear_error(client, developer_user, make_deployment):
    client.force_login(developer_user)
    answer = client.post("/playground/image-cost/", data=json.dumps(
        {"deployment": make_deployment().pk, "width": 0, "height": 10}), content_type="application/json")
    assert answer.status_code == 400 and "width" in answer.json()["error"]["message"]


def test_my_usage_and_the_deployment_panel(client, make_user, developer_user, make_deployment):
    deployment = make_deployment()
    base = {"resource_id": deployment.resource_id, "deployment_id": deployment.pk, "resource_name": "r",
            "deployment_name": deployment.name, "model": "gpt-4o-2024-08-06", "kind": "chat"}
    usage_record(user_id=developer_user.pk, prompt_tokens=100, completion_tokens=20, cost="0.0005", latency_ms=900,
                 first_token_ms=300, upstream_request_id="req-1", **base)
    usage_record(user_id=developer_user.pk, status="rate_limited", http_status=429, **base)
    other = make_user("omar", "Developer")
    usage_record(user_id=other.pk, prompt_tokens=5000, completion_tokens=0, cost="0.0125", **base)
    client.force_login(developer_user)
    page = client.get("/usage/")
    assert page.context["summary"]["calls"] == 2 and page.context["summary"]["tokens"] == 120
    assert page.context["summary"]["failed"] == 1 and "req-1" in page.content.decode()
    assert client.get("/usage/?scope=team").context["team"] is False  # only Admins see the team
    admin = make_user("ada", "Admin")
    client.force_login(admin)
    team = client.get("/usage/?scope=team")
    assert team.context["summary"]["calls"] == 3 and {r["user__username"] for r in team.context["by_user"]} == {
        "dev", "omar"}
    panel = client.get(f"/deployments/resources/{deployment.resource_id}/d/{deployment.name}/")
    assert panel.context["summary"]["calls"] == 3 and "omar" in panel.content.decode()
