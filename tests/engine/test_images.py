"""DALL-E 3 images: validation, a real PNG by URL or base64, filter results and the blocked-prompt shape."""

from __future__ import annotations

import base64
import io

import httpx2
import pytest
from PIL import Image

from engine.db import Database
from engine.images import ImageStore


def test_url_points_at_a_real_png_served_by_the_engine(sdk, engine):
    answer = sdk.images.generate(model="dalle", prompt="A lighthouse at dusk", size="1792x1024")
    item = answer.data[0]
    assert item.url.startswith(engine.url + "/engine/images/")
    assert "A lighthouse at dusk" in item.revised_prompt
    assert item.model_extra["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert item.model_extra["prompt_filter_results"]["jailbreak"]["detected"] is False
    picture = httpx2.get(item.url)  # no key needed, like Azure's SAS link
    assert picture.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(picture.content))
    assert image.format == "PNG" and image.size == (1792, 1024)


def test_b64_json_is_deterministic_for_the_same_prompt(sdk):
    first = sdk.images.generate(model="dalle", prompt="A red kite", response_format="b64_json")
    second = sdk.images.generate(model="dalle", prompt="A red kite", response_format="b64_json")
    other = sdk.images.generate(model="dalle", prompt="A blue kite", response_format="b64_json")
    assert first.data[0].b64_json == second.data[0].b64_json != other.data[0].b64_json
    image = Image.open(io.BytesIO(base64.b64decode(first.data[0].b64_json)))
    assert image.size == (1024, 1024)


@pytest.mark.parametrize(("body", "param"), [
    ({"prompt": "x", "n": 2}, "n"), ({"prompt": "x", "size": "512x512"}, "size"), ({"prompt": ""}, "prompt"),
    ({"prompt": "x" * 4001}, "prompt"), ({"prompt": "x", "quality": "ultra"}, "quality"),
    ({"prompt": "x", "style": "cubist"}, "style"), ({"prompt": "x", "response_format": "gif"}, "response_format"),
])
def test_invalid_image_requests_are_400(post, body, param):
    response = post("dalle", "images/generations", body)
    assert response.status_code == 400 and response.json()["error"]["param"] == param


def test_blocked_image_prompt_uses_the_dalle_error_shape(post):
    response = post("dalle", "images/generations", {"prompt": "A scene of engine-test-violence-high"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "content_policy_violation" and error["type"] == "invalid_request_error"
    assert error["inner_error"]["code"] == "ResponsibleAIPolicyViolation"
    assert error["inner_error"]["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    assert "revised_prompt" in error["inner_error"]


def test_unknown_image_link_is_404(http):
    assert http.get("/engine/images/0123456789abcdef.png").status_code == 404


def test_image_links_expire(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    lasting, expired = ImageStore(db, tmp_path / "a", 3600), ImageStore(db, tmp_path / "b", -1)
    assert lasting.read(lasting.save(b"png")) == b"png"
    stale = expired.save(b"old")
    assert expired.read(stale) is None
    assert expired.purge_expired() == 1 and not (tmp_path / "b" / f"{stale}.png").exists()
    db.close()
