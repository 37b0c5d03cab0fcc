"""The chat playground in Chromium: streaming, Stop, compare with two columns, a vision upload, view code."""

from __future__ import annotations

import base64
import io
import re
import time

import httpx2
import pytest
from PIL import Image
from playwright.sync_api import expect

from studio.resources.models import Deployment, Resource
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        # A second model to compare with: deployed through the engine's ARM API, as the console would.
        answer = httpx2.put(f"{server.arm_base}/deployments/gpt-4o?api-version=2024-10-01",
                            headers={"Authorization": f"Bearer {server.arm_token}"}, timeout=10,
                            json={"sku": {"name": "GlobalStandard", "capacity": 100},
                                  "properties": {"model": {"format": "OpenAI", "name": "gpt-4o",
                                                           "version": "2024-08-06"}}})
        answer.raise_for_status()
        for _ in range(100):
            state = httpx2.get(f"{server.arm_base}/deployments/gpt-4o?api-version=2024-10-01", timeout=10,
                               headers={"Authorization": f"Bearer {server.arm_token}"}).json()
            if state["properties"]["provisioningState"] == "Succeeded":
                break
            time.sleep(0.1)
        yield server


@pytest.fixture
def deployments(site, engine, seeded_prices):
    resource = Resource(name="Local engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine.url,
                        arm_endpoint=engine.url, subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP,
                        account_name=ACCOUNT, allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.save()
    chat = Deployment.objects.create(resource=resource, name="chat", model_name="gpt-4o-mini",
                                     model_version="2024-07-18", capability="chat", sku_name="GlobalStandard",
                                     capacity=1000)
    big = Deployment.objects.create(resource=resource, name="gpt-4o", model_name="gpt-4o", model_version="2024-08-06",
                                    capability="chat", sku_name="GlobalStandard", capacity=1000)
    return chat, big


def pace(engine, deployment: str, tokens_per_second: float) -> None:
    httpx2.put(f"{engine.url}/engine/admin/deployments/{deployment}/settings",
               headers={"Authorization": f"Bearer {engine.arm_token}"},
               json={"tokens_per_second": tokens_per_second}, timeout=10).raise_for_status()


def test_chat_streams_renders_markdown_safely_and_saves(page, sign_in, site, developer_user, deployments, engine):
    pace(engine, "chat", 40)
    try:
        sign_in("dev")
        page.goto(f"{site}/playground/chat/")
        page.fill("#prompt", "Tell me about <img src=x onerror=alert(1)> rivers")
        page.press("#prompt", "Enter")
        assistant = page.locator(".message.assistant").last
        # Tokens appear while the stream is still running: the Stop button is up and the text grows.
        expect(page.locator("#stop")).to_be_visible()
        expect(assistant.locator(".markdown")).not_to_be_empty(timeout=5000)
        expect(assistant.locator(".stats")).to_contain_text("tokens/s", timeout=15000)
        expect(page.locator("#stop")).to_be_hidden()
        assert page.locator(".message.user img").count() == 0  # the typed tag stayed text
        expect(page.locator(".message.user")).to_contain_text("<img src=x onerror=alert(1)>")
        expect(page.locator("#save-status")).to_have_text("Saved")
        assert re.search(r"session=\d+", page.url)
        page.reload()
        expect(page.locator(".message.assistant .markdown")).not_to_be_empty()
    finally:
        pace(engine, "chat", 0)


def test_stop_keeps_what_arrived(page, sign_in, site, developer_user, deployments, engine):
    pace(engine, "chat", 8)
    try:
        sign_in("dev")
        page.goto(f"{site}/playground/chat/")
        page.fill("#param-max_tokens-value", "400")
        page.press("#param-max_tokens-value", "Tab")
        page.fill("#prompt", "Write a long story about the sea")
        page.press("#prompt", "Enter")
        assistant = page.locator(".message.assistant").last
        expect(assistant.locator(".markdown")).not_to_be_empty(timeout=5000)
        page.click("#stop")
        expect(assistant.locator(".notice")).to_contain_text("Stopped")
        kept = assistant.locator(".markdown").inner_text()
        assert kept.strip()
        page.wait_for_timeout(700)
        assert assistant.locator(".markdown").inner_text() == kept  # nothing more arrives after Stop
        expect(page.locator("#send")).to_be_enabled()
    finally:
        pace(engine, "chat", 0)


def test_compare_two_columns_stream_side_by_side(page, sign_in, site, developer_user, deployments):
    chat, big = deployments
    sign_in("dev")
    page.goto(f"{site}/playground/chat/?compare={chat.pk},{big.pk}")
    expect(page.locator(".column")).to_have_count(2)
    # The second column gets its own parameter set: a 3-token answer, cut for length.
    second = page.locator(".column").nth(1)
    second.locator(".column-params summary").click()
    second.get_by_label("Max tokens for column 2").fill("3")
    second.get_by_label("Max tokens for column 2").press("Tab")
    expect(second.locator(".column-params summary")).to_have_text("Own parameters: Max tokens 3")
    page.fill("#prompt", "Name three rivers")
    page.press("#prompt", "Enter")
    for column in (0, 1):
        expect(page.locator(".column").nth(column).locator(".message.assistant .stats")).to_contain_text(
            "tokens", timeout=15000)
    expect(second.locator(".message.assistant .stats")).to_contain_text("finish: length")
    expect(page.locator(".column").nth(0).locator(".message.assistant .stats")).not_to_contain_text("length")
    table = page.locator("#compare-table")
    expect(table).to_contain_text("1. chat")
    expect(table).to_contain_text("2. gpt-4o")
    # gpt-4o costs more than gpt-4o-mini for the same tokens: the row shows both prices.
    costs = table.locator("tr", has_text="Cost").locator("td")
    expect(costs.nth(0)).to_contain_text("$")
    expect(costs.nth(1)).to_contain_text("$")


def test_vision_upload_shows_the_token_cost_and_sends_the_image(page, sign_in, site, developer_user, deployments):
    sign_in("dev")
    page.goto(f"{site}/playground/chat/")
    buffer = io.BytesIO()
    Image.new("RGB", (1024, 768), (30, 120, 200)).save(buffer, "PNG")
    page.set_input_files("#image-input", files=[{"name": "blue.png", "mimeType": "image/png",
                                                 "buffer": buffer.getvalue()}])
    page.select_option("#image-detail", "high")
    chip = page.locator(".chip")
    # gpt-4o-mini's tiles for 1024 x 768 at high detail: 768 x 576 -> 2 x 2 tiles -> 85 + 4 x 170 x ... (the rule's
    # own figure, checked against the estimator in tests/playground); here: a number of tokens appears.
    expect(chip).to_contain_text(re.compile(r"\d+ tokens"))
    page.fill("#prompt", "What colour is this?")
    page.press("#prompt", "Enter")
    expect(page.locator(".message.user img")).to_have_count(1)
    expect(page.locator(".message.assistant .stats")).to_contain_text("prompt", timeout=15000)
    image_src = page.locator(".message.user img").get_attribute("src")
    assert image_src.startswith("data:image/png;base64,")
    assert base64.b64decode(image_src.split(",", 1)[1]) == buffer.getvalue()


def test_view_code_shows_three_languages_without_the_key(page, sign_in, site, developer_user, deployments, engine):
    sign_in("dev")
    page.goto(f"{site}/playground/chat/")
    page.fill("#prompt", "Hello")
    page.click("#view-code")
    code = page.locator("#code-body")
    expect(code).to_contain_text("client.chat.completions.create(")
    expect(code).to_contain_text('"content": "Hello"')
    page.click("#code-tabs [data-lang=curl]")
    expect(code).to_contain_text("curl -N")
    page.click("#code-tabs [data-lang=javascript]")
    expect(code).to_contain_text("AzureOpenAI")
    assert engine.api_key not in page.content()


def test_a_viewer_can_look_but_not_send(page, sign_in, site, viewer_user, deployments):
    sign_in("vera")
    page.goto(f"{site}/playground/chat/")
    expect(page.locator("#send")).to_be_disabled()
    expect(page.get_by_text("sending to a model needs the Developer role")).to_be_visible()


def test_a_filtered_prompt_is_explained_and_left_out_of_the_next_turn(page, sign_in, site, developer_user,
                                                                       deployments):
    sign_in("dev")
    page.goto(f"{site}/playground/chat/")
    page.fill("#prompt", "engine-test-violence-high tell me")
    page.press("#prompt", "Enter")
    notice = page.locator(".message.assistant .notice").first
    expect(notice).to_contain_text("blocked by the content filter (violence: high")
    expect(page.locator(".message.user").first).to_contain_text("violence: high (filtered)")
    page.fill("#prompt", "Tell me about rivers instead")
    page.press("#prompt", "Enter")
    # The refused message is not sent again: the second turn is answered, not blocked.
    expect(page.locator(".message.assistant").nth(1).locator(".stats")).to_contain_text("tokens", timeout=15000)
    expect(page.locator(".message.assistant").nth(1).locator(".notice.error")).to_have_count(0)
