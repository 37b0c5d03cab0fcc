"""The console's pages: Admins change things through forms that keep input and say what is wrong; Developers and
Viewers read, never see a secret and never see an edit control."""

from __future__ import annotations

import logging

import pytest

from studio.audit.models import AuditEvent
from studio.resources import operations, sync
from studio.resources.models import Operation, Resource

SECRET = "sk-live-7f3a9c1e5b2d4a6f8e0c1b3d5f7a9e2c"


@pytest.fixture
def synced(engine, engine_resource):
    resource = engine_resource()
    sync.resource_sync(resource)
    return resource


def test_an_admin_adds_a_resource_whose_key_is_never_shown_again(client_as, admin_user):
    client = client_as(admin_user)
    response = client.post("/deployments/resources/new/", {
        "name": "Contoso", "kind": "azure_openai", "endpoint": "https://contoso.openai.azure.com/",
        "api_style": "dated", "api_version": "2024-10-21", "auth": "api_key", "api_key": SECRET,
        "entra_mode": "default", "arm_endpoint": "https://management.azure.com"})
    resource = Resource.objects.get(name="Contoso")
    assert response.status_code == 302 and resource.get_api_key() == SECRET
    assert SECRET not in resource.api_key_encrypted and resource.api_key_last4 == SECRET[-4:]
    pages = ("/deployments/", f"/deployments/resources/{resource.pk}/", f"/deployments/resources/{resource.pk}/edit/",
             "/audit/")
    for url in pages:
        body = client.get(url).content.decode()
        assert SECRET not in body and SECRET[:-4] not in body, url
    edit = client.get(f"/deployments/resources/{resource.pk}/edit/").content.decode()
    assert f"ending in …{SECRET[-4:]}" in edit
    event = AuditEvent.objects.get(action="resource.create")
    assert event.after["api_key_set"] is True and SECRET not in str(event.after)


def test_editing_without_a_new_key_keeps_the_stored_one(client_as, admin_user, engine_resource):
    resource = engine_resource(api_key=SECRET)
    client_as(admin_user).post(f"/deployments/resources/{resource.pk}/edit/", {
        "name": "Renamed", "kind": "local_engine", "endpoint": resource.endpoint, "api_style": "dated",
        "api_version": "2024-10-21", "auth": "api_key", "api_key": "", "entra_mode": "default",
        "arm_endpoint": resource.arm_endpoint, "subscription_id": resource.subscription_id,
        "resource_group": resource.resource_group, "account_name": resource.account_name,
        "allow_http_loopback": "on"})
    resource.refresh_from_db()
    assert resource.name == "Renamed" and resource.get_api_key() == SECRET
    change = AuditEvent.objects.get(action="resource.update")
    assert ("name", "Engine", "Renamed") in change.changes()


def test_a_bad_form_keeps_the_input_and_says_what_to_fix(client_as, admin_user):
    response = client_as(admin_user).post("/deployments/resources/new/", {
        "name": "Half", "kind": "azure_openai", "endpoint": "https://half.openai.azure.com", "api_style": "dated",
        "api_version": "yesterday", "auth": "api_key", "entra_mode": "client_secret", "subscription_id": "not-a-guid",
        "resource_group": "rg"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Use a dated version" in body and "is a GUID" in body and "Paste one of the resource" in body
    assert 'value="https://half.openai.azure.com"' in body and SECRET not in body


def test_the_create_form_offers_the_catalog_and_the_remaining_quota(client_as, admin_user, synced):
    client = client_as(admin_user)
    page = client.get(f"/deployments/resources/{synced.pk}/new/").content.decode()
    assert "gpt-4o-mini 2024-07-18 (default)" in page and "Choose a model first" in page
    chosen = client.get(f"/deployments/resources/{synced.pk}/new/", {"model": "gpt-4o-mini|2024-07-18"},
                        headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in chosen and "GlobalStandard" in chosen and "left" in chosen and "Quota OpenAI." in chosen


def test_a_retired_model_cannot_be_chosen(client_as, admin_user, synced):
    from datetime import timedelta

    from django.utils import timezone

    synced.catalog.filter(name="gpt-4o-mini").update(inference_retires_at=timezone.now() - timedelta(days=1))
    response = client_as(admin_user).post(f"/deployments/resources/{synced.pk}/new/", {
        "name": "old", "model": "gpt-4o-mini|2024-07-18", "sku": "GlobalStandard", "capacity": "2",
        "upgrade": "NoAutoUpgrade"})
    body = response.content.decode()
    assert "is retired; choose a newer version" in body
    assert f"retired {(timezone.now() - timedelta(days=1)):%d %b %Y}" in body  # the picker says so too


def test_the_create_form_refuses_what_the_catalog_does_not_allow(client_as, admin_user, synced):
    response = client_as(admin_user).post(f"/deployments/resources/{synced.pk}/new/", {
        "name": "chat", "model": "gpt-4o-mini|2024-07-18", "sku": "GlobalStandard", "capacity": "99999999",
        "upgrade": "NoAutoUpgrade"})
    body = response.content.decode()
    assert "already has a deployment named chat" in body and "Choose from 1 to" in body
    assert not Operation.objects.exists()


def test_a_valid_create_queues_an_operation_and_records_it(client_as, admin_user, synced,
                                                          django_capture_on_commit_callbacks):
    synced.catalog.update(inference_retires_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as(admin_user).post(f"/deployments/resources/{synced.pk}/new/", {
            "name": "faq", "model": "gpt-4o-mini|2024-07-18", "sku": "GlobalStandard", "capacity": "2",
            "upgrade": "OnceNewDefaultVersionAvailable"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    operation = Operation.objects.get(target="faq")
    assert response.status_code == 302 and f"#operation-{operation.pk}" in response["Location"]
    assert operation.body["sku"] == {"name": "GlobalStandard", "capacity": 2} and len(callbacks) == 1
    assert AuditEvent.objects.filter(action="deployment.create", target_name="faq", outcome="requested").exists()


def test_the_operation_partial_stops_polling_when_finished(client_as, viewer_user, synced, admin_user):
    operation = operations.operation_request(synced, kind=Operation.Kind.DEPLOYMENT_UPDATE, target="chat",
                                             body={"sku": {"name": "GlobalStandard", "capacity": 30}}, user=admin_user)
    client = client_as(viewer_user)
    url = f"/deployments/resources/{synced.pk}/operations/{operation.pk}/"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    operations.operation_run(operation.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286 and "chat is updated." in done.content.decode()


def test_deleting_needs_the_name_typed(client_as, admin_user, synced):
    client = client_as(admin_user)
    url = f"/deployments/resources/{synced.pk}/d/chat/delete/"
    wrong = client.post(url, {"confirm_name": "chta"})
    assert "Type chat exactly" in wrong.content.decode() and not Operation.objects.exists()


def test_viewers_see_no_edit_controls_and_no_secret(client_as, viewer_user, synced):
    client = client_as(viewer_user)
    for url in ("/deployments/", f"/deployments/resources/{synced.pk}/", f"/deployments/resources/{synced.pk}/d/chat/",
                f"/deployments/resources/{synced.pk}/content-filters/", f"/deployments/resources/{synced.pk}/quota/"):
        body = client.get(url).content.decode()
        for control in ("Add a resource", "Create a deployment", ">Edit<", "Scale or change", ">Delete<",
                        "Test connection", "Sync now", "New content filter"):
            assert control not in body, (url, control)
        assert synced.get_api_key() not in body and synced.get_arm_token() not in body


@pytest.mark.parametrize("path", ["resources/new/", "resources/{pk}/edit/", "resources/{pk}/new/",
                                  "resources/{pk}/d/chat/update/", "resources/{pk}/d/chat/delete/",
                                  "resources/{pk}/content-filters/new/", "resources/{pk}/blocklists/new/",
                                  "resources/{pk}/test/", "resources/{pk}/sync/", "resources/{pk}/delete/"])
def test_developers_and_viewers_get_403_on_every_edit_url(client_as, developer_user, viewer_user, synced, path):
    url = "/deployments/" + path.format(pk=synced.pk)
    for user in (developer_user, viewer_user):
        client = client_as(user)
        assert client.get(url).status_code in (403, 405)
        assert client.post(url).status_code == 403


def test_the_deployment_page_warns_of_a_retirement_within_90_days(client_as, viewer_user, synced):
    from datetime import timedelta

    from django.utils import timezone

    synced.catalog.filter(name="gpt-4o-mini").update(inference_retires_at=timezone.now() + timedelta(days=30))
    body = client_as(viewer_user).get(f"/deployments/resources/{synced.pk}/d/chat/").content.decode()
    assert "retires on" in body and "Try in playground" in body and "Usage through Studio" in body


def test_quota_bars_and_content_filters_show_what_arm_said(client_as, viewer_user, synced):
    client = client_as(viewer_user)
    quota = client.get(f"/deployments/resources/{synced.pk}/quota/").content.decode()
    assert "OpenAI.GlobalStandard.gpt-4o-mini" in quota and 'role="meter"' in quota
    filters = client.get(f"/deployments/resources/{synced.pk}/content-filters/").content.decode()
    assert "Microsoft.DefaultV2" in filters and "<code>chat</code>" in filters


def test_a_content_filter_is_saved_through_arm_and_assigned(client_as, admin_user, synced):
    form = {"name": "strict", "base_policy_name": "Microsoft.DefaultV2", "mode": "Default", "jailbreak": "on",
            "protected_material": "on"}
    for category in ("Hate", "Sexual", "Violence", "Selfharm"):
        for source in ("Prompt", "Completion"):
            form[f"{category}_{source}_enabled"] = "on"
            form[f"{category}_{source}_threshold"] = "Low"
    client_as(admin_user).post(f"/deployments/resources/{synced.pk}/content-filters/new/", form)
    operation = Operation.objects.get(kind=Operation.Kind.POLICY_SAVE, target="strict")
    assert operations.operation_run(operation.pk).status == "succeeded", operation.message
    policy = synced.content_filters.get(name="strict")
    assert {f["severityThreshold"] for f in policy.content_filters if f.get("severityThreshold")} == {"Low"}
    assign = operations.operation_request(synced, kind=Operation.Kind.DEPLOYMENT_UPDATE, target="chat",
                                          body={"properties": {"raiPolicyName": "strict"}}, user=admin_user)
    assert operations.operation_run(assign.pk).status == "succeeded"
    assert synced.deployments.get(name="chat").rai_policy_name == "strict"


def test_the_audit_trail_filters_and_cannot_be_edited(client_as, viewer_user, admin_user, synced):
    from studio.audit.services import audit_record

    audit_record(actor=admin_user, action="deployment.update", target_type="deployment", target_name="chat",
                 resource_name=synced.name, before={"capacity": 1}, after={"capacity": 2, "api_key": SECRET})
    audit_record(actor=viewer_user, action="resource.update", target_type="resource", target_name="other")
    client = client_as(viewer_user)
    page = client.get("/audit/", {"actor": admin_user.username}).content.decode()
    assert "deployment.update" in page and ">other<" not in page and SECRET not in page
    event = AuditEvent.objects.get(target_name="chat")
    assert event.after["api_key"] == "[redacted]"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(target_name="x")
    with pytest.raises(TypeError):
        event.delete()


def test_no_log_line_carries_a_saved_key(caplog, engine, engine_resource, admin_user, client_as):
    caplog.set_level(logging.DEBUG)
    resource = engine_resource(api_key=SECRET)
    from studio.upstream import probe

    probe.probe(resource)  # a wrong key: the engine refuses it, and the refusal is logged by nobody with the key
    sync.resource_sync(resource)
    client_as(admin_user).post(f"/deployments/resources/{resource.pk}/test/")
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert caplog.records and SECRET not in logged and SECRET[:-4] not in logged


def test_an_unreachable_queue_gives_a_message_not_a_500(client_as, admin_user, synced):
    from studio.celery import app

    # A broker URL nothing answers, with fresh connection and producer pools; all three are put back after.
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app._pool = app.amqp._producer_pool = None
    try:
        response = client_as(admin_user).post(f"/deployments/resources/{synced.pk}/sync/", follow=True)
    finally:
        if app._pool is not None and app._pool is not saved[1]:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    assert response.status_code == 200
    assert "background queue (Redis) cannot be reached" in response.content.decode()
