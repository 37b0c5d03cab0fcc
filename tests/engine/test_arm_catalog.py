"""The 2026 catalog (simulated): ARM account and regional models, the data plane's /openai/models, deployability."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine.config import CATALOG_2026
from engine.serving import serving_backend
from tests.engine.conftest import wait_succeeded

RESEARCHED = datetime(2026, 11, 30, tzinfo=UTC)  # the date of shared/reference/models-and-prices-2026.md
ENTRIES = json.loads(CATALOG_2026.read_text())["models"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e['name']}-{e['version']}")
def test_every_2026_entry_is_deployable_and_its_lifecycle_agrees_with_its_dates(entry):
    assert entry["skus"], "a model nobody can deploy does not belong in the catalog"
    for sku in entry["skus"]:
        cap = sku["capacity"]
        assert cap["minimum"] <= cap["default"] <= cap["maximum"]
        assert (cap["default"] - cap["minimum"]) % cap["step"] == 0
        assert 0 < sku["quota"] <= cap["maximum"]
    retires = entry["deprecation"].get("inference")
    if retires and datetime.fromisoformat(retires.replace("Z", "+00:00")) < RESEARCHED:
        assert entry["lifecycle"] == "Deprecated", "a model past its retirement date is not shown as current"


def test_account_models_carry_the_2026_models_in_arm_shapes(engine):
    models = {(m["name"], m["version"]): m for m in engine.arm("GET", "/models").json()["value"]}
    mini = models[("gpt-5.4-mini", "2026-03-17")]
    assert mini["lifecycleStatus"] == "GenerallyAvailable" and mini["isDefaultVersion"] is True
    assert mini["deprecation"] == {"inference": "2027-03-18T00:00:00Z"}
    assert mini["capabilities"]["chatCompletion"] == "true" and mini["capabilities"]["maxContextToken"] == "400000"
    assert mini["capabilities"]["responses"] == "true"
    assert mini["engine"] == {"backend": "simulated", "simulated": True}
    ptu = next(s for s in mini["skus"] if s["name"] == "GlobalProvisionedManaged")
    assert ptu["capacity"] == {"minimum": 15, "maximum": 1000, "step": 5, "default": 15}
    assert mini["maxCapacity"] == max(s["capacity"]["maximum"] for s in mini["skus"]) >= 15000
    tuned = models[("gpt-4.1", "2025-04-14")]
    assert tuned["lifecycleStatus"] == "Deprecated" and tuned["capabilities"]["fineTune"] == "true"
    assert tuned["deprecation"] == {"inference": "2026-10-14T00:00:00Z", "fineTune": "2027-04-14T00:00:00Z"}
    assert "fineTune" not in models[("gpt-5.4", "2026-03-05")]["capabilities"]
    assert models[("dall-e-3", "3.0")]["lifecycleStatus"] == "Deprecated"  # retired 2026-03-04


def test_the_data_plane_lists_them_with_unix_deprecations(sdk):
    models = {m.id: m.model_extra for m in sdk.models.list()}
    gpt6 = models["gpt-6-sol-2026-09-22"]
    assert gpt6["capabilities"]["chat_completion"] is True
    assert gpt6["deprecation"]["inference"] == int(datetime(2028, 3, 11, tzinfo=UTC).timestamp())
    assert gpt6["engine"] == {"backend": "simulated", "simulated": True}
    assert models["gpt-image-2-2026-04-21"]["capabilities"]["chat_completion"] is False


def test_a_gpt_5_deployment_answers_and_counts_its_tokens(engine, post):
    engine.create_deployment("five", "gpt-5", sku="GlobalStandard", capacity=5, wait=False)
    try:
        wait_succeeded(engine, "five")
        answer = post("five", "chat/completions", {"messages": [{"role": "user", "content": "Hello there"}],
                                                   "max_tokens": 20})
        assert answer.status_code == 200, answer.text
        assert answer.json()["model"] == "gpt-5"
        assert answer.json()["usage"]["prompt_tokens"] > 0
    finally:
        engine.delete_deployment("five")


def test_a_responses_only_model_deploys_but_refuses_chat_completions(engine, post):
    engine.create_deployment("pro", "gpt-5-pro", sku="GlobalStandard", capacity=1, wait=False)
    try:
        wait_succeeded(engine, "pro")
        refused = post("pro", "chat/completions", {"messages": [{"role": "user", "content": "hi"}]})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "OperationNotSupported"
    finally:
        engine.delete_deployment("pro")


def test_the_serving_hook_decides_the_backend_and_defaults_to_simulated():
    assert serving_backend("gpt-5", "2025-08-07", None, "simulated") == "simulated"
    assert serving_backend("gpt-4o-mini.ft-abc", "1", "gpt-4o-mini", "") == "simulated"
