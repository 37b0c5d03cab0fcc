"""The models page: every registry model with its tokenizer and price (or why there is none); Admins add models."""

import pytest

from shared_rules.models import REGISTRY
from shared_rules.price_seed import NOT_PUBLISHED
from studio.estimator.models import CustomModel
from studio.estimator.selectors import priced_models

NEW_MODEL = {"name": "gpt-5.9-nova", "family": "gpt-5", "kind": "chat", "encoding": "o200k_base",
             "tokenizer_published": "on", "context": "400000", "max_output": "128000", "image_rule": "patch",
             "tile_base": "", "tile_tokens": "", "patch_multiplier": "1.5", "patch_budget": "1536", "status": "ga",
             "retires_on": "", "successor": "", "source": "Azure models page, 2026-12-01"}


def test_every_registry_model_has_a_tokenizer_and_a_price_or_a_not_published_note(db):
    priced = priced_models()
    for model in REGISTRY.models:
        assert model.encoding or model.kind in ("image", "transcription", "speech"), model.name
        assert model.name in priced or model.name in NOT_PUBLISHED, f"{model.name} has no price and no note"


def test_the_page_shows_each_model_with_its_facts_and_the_not_published_notes(client_as, viewer_user):
    body = client_as(viewer_user).get("/estimator/models/").content.decode()
    assert '<tr id="model-gpt-5.4-mini">' in body and "patches × 1.62" in body
    assert "approximate: not published" in body  # GPT-6's tokenizer
    assert "not published: open weights" in body  # gpt-oss-120b has no price, and says why
    assert body.index("<h2>Current models</h2>") < body.index("<h2>Retired</h2>")
    assert "Add a model" not in body


def test_an_admin_adds_a_model_and_the_estimator_counts_it_at_once(client_as, admin_user):
    client = client_as(admin_user)
    assert client.post("/estimator/models/new/", NEW_MODEL).status_code == 302
    added = CustomModel.objects.get(name="gpt-5.9-nova")
    assert added.created_by == admin_user
    answer = client.post("/api/v1/estimate", {"model": "gpt-5.9-nova-2026-12-01", "messages": [
        {"role": "user", "content": [{"type": "image_size", "width": 1024, "height": 1024, "detail": "high"}]}]},
        content_type="application/json").json()
    assert answer["model"] == "gpt-5.9-nova-2026-12-01" and answer["image_tokens"] == 1536  # 1,024 x 1.5
    assert answer["model_notes"] == []  # in the registry now
    assert "gpt-5.9-nova" in client.get("/estimator/").content.decode()  # in the picker


def test_an_admin_model_with_an_unpublished_tokenizer_says_its_count_is_approximate(client_as, admin_user):
    client = client_as(admin_user)
    client.post("/estimator/models/new/", {**NEW_MODEL, "name": "gpt-7-ra", "family": "gpt-7",
                                           "tokenizer_published": ""})
    answer = client.post("/api/v1/estimate", {"model": "gpt-7-ra", "text": "hello world"},
                         content_type="application/json").json()
    assert answer["prompt_tokens"] == 2 and answer["approximate"] is True
    assert "gpt-7-ra's tokenizer is not published" in answer["notes"][0]


@pytest.mark.parametrize(
    "change, field, message",
    [({"name": "GPT 5!"}, "name", "Lower-case letters"),
     ({"max_output": "500000"}, "max_output", "at most the context"),
     ({"patch_multiplier": ""}, "patch_multiplier", "The patch rule needs this."),
     ({"tile_base": "85"}, "tile_base", "Leave this empty: it belongs to the tile rule."),
     ({"encoding": "p50k_base"}, "encoding", "Select a valid choice"),
     ({"status": "retired"}, "retires_on", "A retired model needs its retirement date."),
     ({"patch_multiplier": "0"}, "patch_multiplier", "greater than or equal to 0.001"),
     ({"source": ""}, "source", "This field is required.")],
)
def test_an_added_model_is_checked_like_the_shipped_ones(client_as, admin_user, change, field, message):
    body = client_as(admin_user).post("/estimator/models/new/", {**NEW_MODEL, **change}).content.decode()
    assert message in body and not CustomModel.objects.exists()


def test_only_admins_add_or_change_models(client_as, developer_user, viewer_user, admin_user):
    for user in (developer_user, viewer_user):
        assert client_as(user).post("/estimator/models/new/", NEW_MODEL).status_code == 403
    client_as(admin_user).post("/estimator/models/new/", NEW_MODEL)
    model = CustomModel.objects.get()
    assert client_as(developer_user).post(f"/estimator/models/{model.pk}/edit/", NEW_MODEL).status_code == 403


def test_an_admin_changes_a_model(client_as, admin_user):
    client = client_as(admin_user)
    client.post("/estimator/models/new/", NEW_MODEL)
    model = CustomModel.objects.get()
    assert client.post(f"/estimator/models/{model.pk}/edit/", {**NEW_MODEL, "context": "1000000"}).status_code == 302
    model.refresh_from_db()
    assert model.context == 1_000_000
