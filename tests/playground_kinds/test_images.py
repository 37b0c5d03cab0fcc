"""Images against the engine over real HTTP: stored by Studio, served to the right people, refusals explained."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from django.test import Client

from playground.kinds import images
from playground.kinds.common import CallRefused
from playground.models import PlaygroundSession, StoredImage
from studio.accounts import roles
from studio.usage.models import UsageRecord
from tests.playground_kinds.conftest import post_json


def _generate(client, deployment, **fields):
    return post_json(client, "/playground/images/generate/",
                     {"deployment": deployment.pk, "prompt": "A watercolour of a lighthouse at dawn", **fields})


def test_an_image_is_stored_and_still_shows_after_the_engine_store_is_wiped(kinds, developer, engine):
    answer = _generate(developer, kinds["painter"], size="1792x1024", quality="hd", style="natural")
    assert answer.status_code == 200, answer.content
    [image] = answer.json()["images"]
    assert image["revised_prompt"] and image["options"] == {"size": "1792x1024", "quality": "hd", "style": "natural"}
    first = developer.get(image["url"])
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    png = b"".join(first.streaming_content)
    assert png.startswith(b"\x89PNG")

    # The engine's own copy (what its temporary URL served) is gone; Studio's is not.
    shutil.rmtree(engine.data_dir / "images")
    (engine.data_dir / "images").mkdir()
    again = developer.get(image["url"])
    assert again.status_code == 200 and b"".join(again.streaming_content) == png
    download = developer.get(image["download"])
    assert download["Content-Disposition"].startswith("attachment")

    stored = StoredImage.objects.get(pk=image["id"])
    assert "playground/images/" in stored.path and stored.byte_size == len(png)


def test_each_image_is_recorded_and_priced_by_size_and_quality(kinds, developer, flushed_usage):
    answer = _generate(developer, kinds["painter"], size="1024x1024", quality="standard")
    assert answer.json()["images"][0]["cost"] == "0.04400000"
    [record] = flushed_usage()
    assert record.kind == UsageRecord.Kind.IMAGES and record.images == 1 and record.cost == Decimal("0.044")
    assert record.upstream_request_id and "lighthouse" not in str(vars(record))


def test_images_of_a_private_session_are_the_owners_alone(kinds, developer, developer_user, make_user):
    session = PlaygroundSession.objects.create(owner=developer_user, kind="images", title="Lighthouses")
    answer = _generate(developer, kinds["painter"], session=session.pk)
    url = answer.json()["images"][0]["url"]
    assert StoredImage.objects.get().session == session

    other = Client()
    other.force_login(make_user("otto", roles.DEVELOPER))
    assert other.get(url).status_code == 403
    assert other.get(f"/playground/images/?session={session.pk}").status_code == 403
    session.share()
    session.save()
    assert other.get(url).status_code == 200
    page = other.get(f"/playground/images/?session={session.pk}")
    assert page.status_code == 200 and b"read only" in page.content


def test_a_content_policy_refusal_says_which_category_and_what_to_change(kinds, developer, flushed_usage):
    answer = _generate(developer, kinds["painter"], prompt="engine-test-violence-high in the harbour")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "content_policy_violation"
    [category] = error["explained"]["categories"]
    assert category["category"] == "violence" and category["severity"] == "high"
    assert "weapons" in category["advice"]
    assert not StoredImage.objects.exists()
    [record] = flushed_usage()
    assert record.status == UsageRecord.Status.FILTERED and record.http_status == 400


def test_options_follow_the_model():
    assert images.options_for("dall-e-3")["styles"] == ["vivid", "natural"]
    gpt = images.options_for("gpt-image-1")
    assert gpt["gpt_image"] and gpt["sizes"] == ["1024x1024", "1024x1536", "1536x1024"] and not gpt["styles"]
    body = images.image_body("gpt-image-1", {"prompt": "a fox", "output_format": "webp", "output_compression": "70",
                                             "background": "transparent"})
    assert body == {"prompt": "a fox", "n": 1, "size": "1024x1024", "quality": "low", "background": "transparent",
                    "output_format": "webp", "output_compression": 70}
    with pytest.raises(CallRefused, match="transparent"):
        images.image_body("gpt-image-1", {"prompt": "a fox", "output_format": "jpeg", "background": "transparent"})
    with pytest.raises(CallRefused, match="size"):
        images.image_body("dall-e-3", {"prompt": "a fox", "size": "1024x1536"})


def test_a_bad_request_keeps_its_reason_and_a_viewer_cannot_generate(kinds, developer, client_as, viewer_user):
    empty = _generate(developer, kinds["painter"], prompt="  ")
    assert empty.status_code == 400 and empty.json()["error"]["param"] == "prompt"
    viewer = client_as(viewer_user)
    assert viewer.get("/playground/images/").status_code == 200
    assert _generate(viewer, kinds["painter"]).status_code == 403
