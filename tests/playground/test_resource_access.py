"""A resource an Admin restricts to the people listed: others do not see its deployments and cannot call them, in
the chat stream (Django's view and the fast path under uvicorn), the other playgrounds, view code and fine-tuning;
listed people and Admins can."""

from __future__ import annotations

import time

import pytest

from finetune.forms import JobForm
from studio.accounts import roles
from studio.resources.models import Resource
from tests.playground.streaming import stream
from tests.playground.test_relay_endpoint import post_stream, signed_in

BODY = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}


def restrict(resource: Resource, *members) -> None:
    resource.access = Resource.Access.LISTED
    resource.save()
    resource.members.set(members)


@pytest.mark.django_db(transaction=True)
def test_only_listed_people_and_admins_stream_to_a_restricted_resource(chat_deployment, developer_user, make_user,
                                                                     admin_user):
    other = make_user("otto", roles.DEVELOPER)
    restrict(chat_deployment.resource, developer_user)
    refused = stream(other, chat_deployment, BODY)
    assert refused.status == 403 and refused.body["error"]["code"] == "forbidden"
    assert "Only the people an Admin lists on the resource Engine" in refused.body["error"]["message"]
    assert stream(developer_user, chat_deployment, BODY).status == 200
    assert stream(admin_user, chat_deployment, BODY).status == 200  # an Admin need not be listed
    chat_deployment.resource.members.add(other)  # applies to the next call at once in this process
    assert stream(other, chat_deployment, BODY).status == 200


@pytest.mark.django_db(transaction=True)
def test_the_pages_list_only_usable_deployments(chat_deployment, developer_user, make_user, client_as):
    other = make_user("otto", roles.DEVELOPER)
    restrict(chat_deployment.resource, developer_user)
    for user, sees in ((developer_user, True), (other, False)):
        client = client_as(user)
        chat = client.get("/playground/chat/").context["page_data"]
        assert any(d["id"] == chat_deployment.pk for d in chat["deployments"]) is sees
        code = client.post("/playground/code/", {"deployment": chat_deployment.pk, "body": BODY},
                           content_type="application/json")
        assert code.status_code == (200 if sees else 404)
        form = JobForm(user=user)
        assert (chat_deployment.resource in form.fields["resource"].queryset) is sees
        chosen = JobForm({"resource": chat_deployment.resource.pk}, user=user)
        assert (chosen.resource is not None) is sees


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_checks_each_person_against_the_remembered_deployment(web_server, chat_deployment,
                                                                           developer_user, make_user):
    make_user("otto", roles.DEVELOPER)
    restrict(chat_deployment.resource, developer_user)
    listed, other = signed_in(web_server, "dev"), signed_in(web_server, "otto")
    for _ in range(2):  # the second call is served from what the first left in the web process's memory
        assert post_stream(listed, chat_deployment, BODY).status_code == 200
        answer = post_stream(other, chat_deployment, BODY)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    chat_deployment.resource.members.add(*type(developer_user).objects.filter(username="otto"))
    deadline = time.monotonic() + 8  # another process: it applies within the web process's few seconds
    while post_stream(other, chat_deployment, BODY).status_code != 200:
        assert time.monotonic() < deadline, "the new member was never let in"
        time.sleep(0.5)


def test_an_admin_lists_the_people_on_the_resource_form_and_the_change_is_audited(client_as, admin_user,
                                                                                   developer_user):
    from studio.audit.models import AuditEvent

    data = {"name": "Contoso", "kind": "azure_openai", "endpoint": "https://contoso.openai.azure.com/",
            "api_style": "dated", "api_version": "2024-10-21", "auth": "api_key", "api_key": "k" * 32,
            "entra_mode": "default", "arm_endpoint": "https://management.azure.com", "access": "listed",
            "members": [developer_user.pk]}
    client = client_as(admin_user)
    answer = client.post("/deployments/resources/new/", data)
    assert answer.status_code == 302
    resource = Resource.objects.get(name="Contoso")
    assert resource.access == "listed" and list(resource.members.all()) == [developer_user]
    event = AuditEvent.objects.get(action="resource.create")
    assert event.after["access"] == "listed" and event.after["members"] == [developer_user.username]
    form = client.get(f"/deployments/resources/{resource.pk}/edit/").content.decode()
    assert "Only the people listed, and Admins" in form and developer_user.username in form
