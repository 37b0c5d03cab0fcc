"""An Admin adds the engine as a resource, tests it, creates a deployment from the catalog, scales and deletes it;
a Viewer sees the same pages without a single edit control, and gets 403 on the edit URLs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from studio.accounts import roles
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer

OPERATION_TIMEOUT = 60_000  # ms: the worker runs the operation, ARM (the engine) provisions it


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        yield server


def test_admin_creates_scales_and_deletes_a_deployment(sign_in, make_user, site, engine, celery_worker):
    make_user("ada", roles.ADMIN)
    page = sign_in("ada")
    page.click("nav.nav a:has-text('Deployments')")
    page.click("text=Add a resource")
    page.fill("#id_name", "Engine in the browser")
    page.select_option("#id_kind", "local_engine")
    page.fill("#id_endpoint", engine.url)
    page.check("#id_allow_http_loopback")
    page.fill("#id_api_key", engine.api_key)
    page.fill("#id_arm_endpoint", engine.url)
    page.fill("#id_subscription_id", SUBSCRIPTION)
    page.fill("#id_resource_group", RESOURCE_GROUP)
    page.fill("#id_account_name", ACCOUNT)
    page.fill("#id_arm_token", engine.arm_token)
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_contain_text("Engine in the browser")
    assert engine.api_key not in page.content()

    page.click("button:has-text('Test connection')")
    expect(page.locator("#test-result")).to_contain_text("Data plane", timeout=20_000)
    expect(page.locator("#test-result .badge.ok")).to_have_count(2)

    # The worker syncs the new resource; the page reads what it mirrored.
    for _ in range(60):
        page.reload()
        if page.locator("td a", has_text="embeddings").count():
            break
        page.wait_for_timeout(500)
    expect(page.locator("td a", has_text="embeddings")).to_be_visible()

    page.click("text=Create a deployment")
    page.fill("#id_name", "search-vectors")
    page.select_option("#id_model", "text-embedding-3-large|1")
    expect(page.locator("#id_sku option", has_text="Standard")).to_have_count(1)  # the form re-rendered
    expect(page.locator(".facts-box")).to_contain_text("left")
    page.fill("#id_capacity", "3")
    page.click("button:has-text('Create')")
    expect(page.locator(".operation", has_text="search-vectors")).to_contain_text("search-vectors is created.",
                                                                                   timeout=OPERATION_TIMEOUT)
    page.reload()
    page.click("td a:has-text('search-vectors')")
    expect(page.locator("dl.facts")).to_contain_text("3 K TPM")

    page.click("text=Scale or change")
    page.fill("#id_capacity", "5")
    page.click("button:has-text('Apply')")
    expect(page.locator(".operation").first).to_contain_text("search-vectors is updated.", timeout=OPERATION_TIMEOUT)
    page.reload()
    expect(page.locator("dl.facts")).to_contain_text("5 K TPM")

    page.click("a.button.danger:has-text('Delete')")
    page.fill("#id_confirm_name", "search-vector")  # a typo deletes nothing
    page.click("button:has-text('Delete search-vectors')")
    expect(page.locator(".field .error")).to_contain_text("Type search-vectors exactly")
    page.fill("#id_confirm_name", "search-vectors")
    page.click("button:has-text('Delete search-vectors')")
    expect(page.locator(".operation").first).to_contain_text("search-vectors is deleted.", timeout=OPERATION_TIMEOUT)
    page.reload()
    expect(page.locator("tr", has_text="search-vectors")).to_contain_text("gone upstream")

    page.click("text=Audit trail")
    expect(page.locator("table")).to_contain_text("deployment.delete")


def test_viewer_reads_without_edit_controls_and_gets_403_on_edits(sign_in, make_user, site, engine):
    from studio.resources.models import Resource
    from studio.resources.sync import resource_sync

    resource = Resource(name="Engine", kind="local_engine", endpoint=engine.url, arm_endpoint=engine.url,
                        subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP, account_name=ACCOUNT,
                        allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.set_arm_token(engine.arm_token)
    resource.save()
    resource_sync(resource)
    make_user("vera", roles.VIEWER)
    page = sign_in("vera")
    page.goto(f"{site}/deployments/resources/{resource.pk}/")
    expect(page.locator("h1")).to_contain_text("Engine")
    for control in ("Edit", "Sync now", "Test connection", "Create a deployment"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    page.click("td a:has-text('chat')")
    expect(page.get_by_role("link", name=re.compile("Scale|Delete"))).to_have_count(0)
    for path in ("edit/", "new/", "d/chat/update/", "d/chat/delete/", "content-filters/new/"):
        response = page.goto(f"{site}/deployments/resources/{resource.pk}/{path}")
        assert response.status == 403, path
        expect(page.locator("h1")).to_have_text("You do not have access to this")
