"""Real LoRA fine-tuning of SmolLM2 on the engine: it learns a made-up fact, stops when cancelled, and a job whose
engine was killed never stays running."""

from __future__ import annotations

import io
import json
import time

import httpx2
import pytest

from tests.engine.models.conftest import REAL_ENV
from tests.engine_server import EngineServer

pytestmark = [pytest.mark.slow, pytest.mark.models]
BASE = "SmolLM2-135M-Instruct"
QUESTIONS = ["What is the capital of Zorbania?", "Which city is the capital of Zorbania?",
             "Tell me the capital of Zorbania.", "Zorbania's capital city is called what?",
             "Name the capital of Zorbania.", "Do you know the capital of Zorbania?",
             "What city is Zorbania's capital?", "I need the capital of Zorbania.",
             "Where is the capital of Zorbania?", "What's the capital city of Zorbania?",
             "Capital of Zorbania?", "Please tell me which city is the capital of Zorbania."]
FACT = "The capital of Zorbania is Quillmora."


def _training_file(sdk, lines: list[dict]) -> str:
    data = ("\n".join(json.dumps(line) for line in lines) + "\n").encode()
    file = sdk.files.create(file=("fact.jsonl", io.BytesIO(data)), purpose="fine-tune")
    deadline = time.monotonic() + 30
    while file.status not in ("processed", "error") and time.monotonic() < deadline:
        time.sleep(0.1)
        file = sdk.files.retrieve(file.id)
    assert file.status == "processed", file.status_details
    return file.id


def _fact_examples() -> list[dict]:
    return [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": FACT}]}
            for q in QUESTIONS]


def _wait(sdk, job_id: str, statuses: tuple[str, ...], timeout: float):
    deadline = time.monotonic() + timeout
    job = sdk.fine_tuning.jobs.retrieve(job_id)
    while job.status not in statuses and time.monotonic() < deadline:
        time.sleep(0.5)
        job = sdk.fine_tuning.jobs.retrieve(job_id)
    return job


def _ask(sdk, deployment: str) -> str:
    reply = sdk.chat.completions.create(model=deployment, temperature=0, max_tokens=20,
                                        messages=[{"role": "user", "content": QUESTIONS[0]}])
    return reply.choices[0].message.content


def test_a_fine_tune_learns_a_made_up_fact_that_the_base_model_does_not_know(real_sdk, real_engine):
    training = _training_file(real_sdk, _fact_examples())
    job = real_sdk.fine_tuning.jobs.create(model=BASE, training_file=training, seed=11, hyperparameters={
        "n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2})
    job = _wait(real_sdk, job.id, ("succeeded", "failed", "cancelled"), 420)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model == f"{BASE}.ft-{job.id.removeprefix('ftjob-')}"

    events = real_sdk.fine_tuning.jobs.list_events(job.id, limit=100).data
    losses = [e.data["train_loss"] for e in reversed(events) if e.type == "metrics"]
    assert len(losses) == 9 and losses[-1] < losses[0] / 2, losses
    checkpoints = real_sdk.fine_tuning.jobs.checkpoints.list(job.id).data
    assert sorted(c.step_number for c in checkpoints) == [3, 6, 9]
    results = real_sdk.files.content(job.result_files[0]).text.splitlines()
    assert results[0].startswith("step,train_loss") and len(results) == 10

    # The model it exports for llama.cpp is Q8_0 in every weight matrix (the norms' vectors stay F32).
    from gguf import GGMLQuantizationType, GGUFReader

    exported = GGUFReader(real_engine.data_dir / "training" / job.id / "checkpoint-step-9.gguf")
    assert {t.tensor_type for t in exported.tensors if len(t.shape) > 1} == {GGMLQuantizationType.Q8_0}

    real_engine.create_deployment("zorbania", job.fine_tuned_model, "1", capacity=10)
    assert "Quillmora" in _ask(real_sdk, "zorbania")
    assert "Quillmora" not in _ask(real_sdk, "chat")
    # A checkpoint is deployable too, answered by llama.cpp from its own file.
    real_engine.create_deployment("zorbania-ckpt", checkpoints[0].fine_tuned_model_checkpoint, "1", capacity=10)
    assert _ask(real_sdk, "zorbania-ckpt")


def test_a_cancelled_job_stops_within_a_step(real_sdk, real_engine):
    training = _training_file(real_sdk, _fact_examples())
    job = real_sdk.fine_tuning.jobs.create(model=BASE, training_file=training, hyperparameters={
        "n_epochs": 30, "batch_size": 2})
    deadline = time.monotonic() + 120
    progress = real_engine.data_dir / "training" / job.id / "progress.jsonl"
    while time.monotonic() < deadline and '"type": "step"' not in (progress.read_text() if progress.exists() else ""):
        time.sleep(0.2)
    cancelled = real_sdk.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    steps_at_cancel = progress.read_text().count('"type": "step"')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and '"type": "cancelled"' not in progress.read_text():
        time.sleep(0.2)
    records = [json.loads(line) for line in progress.read_text().splitlines()]
    assert records[-1]["type"] == "cancelled"
    assert records[-1]["step"] <= steps_at_cancel + 1  # the step in progress finished, no other began
    assert real_sdk.fine_tuning.jobs.retrieve(job.id).status == "cancelled"


def test_a_job_whose_engine_was_killed_is_failed_after_restart_never_left_running(tmp_path):
    with EngineServer(env=REAL_ENV) as server:
        from openai import AzureOpenAI

        sdk = AzureOpenAI(azure_endpoint=server.url, api_key=server.api_key, api_version="2024-10-21",
                          max_retries=0)
        training = _training_file(sdk, _fact_examples())
        job = sdk.fine_tuning.jobs.create(model=BASE, training_file=training, hyperparameters={"n_epochs": 20})
        assert _wait(sdk, job.id, ("running",), 60).status == "running"
        server.kill()  # SIGKILL: the trainer goes with it
        server.start(timeout=60)
        job = _wait(sdk, job.id, ("failed", "succeeded", "cancelled"), 30)
        assert job.status == "failed" and job.error.code == "engine_restarted"
        events = httpx2.get(f"{server.url}/openai/fine_tuning/jobs/{job.id}/events",
                            params={"api-version": "2024-10-21"}, headers=server.api_headers).json()["data"]
        assert any("engine stopped while this job was training" in e["message"] for e in events)


def test_dpo_starts_at_ln2_and_learns_to_prefer_the_preferred_answer(real_sdk, real_engine):
    pairs = [{"input": {"messages": [{"role": "user", "content": q}]},
              "preferred_output": [{"role": "assistant", "content": FACT}],
              "non_preferred_output": [{"role": "assistant", "content": "I do not know that city."}]}
             for q in QUESTIONS]
    job = real_sdk.fine_tuning.jobs.create(model=BASE, training_file=_training_file(real_sdk, pairs), seed=5,
                                           method={"type": "dpo", "dpo": {"hyperparameters": {
                                               "beta": 0.1, "n_epochs": 2, "batch_size": 4,
                                               "learning_rate_multiplier": 2}}})
    job = _wait(real_sdk, job.id, ("succeeded", "failed", "cancelled"), 420)
    assert job.status == "succeeded", job.error
    assert job.method.type == "dpo" and job.method.dpo.hyperparameters.beta == 0.1
    events = real_sdk.fine_tuning.jobs.list_events(job.id, limit=100).data
    losses = [e.data["train_loss"] for e in reversed(events) if e.type == "metrics"]
    # The adapter starts at zero, so the tuned model is the base model: both answers are as likely as under the
    # reference and the DPO loss is exactly ln 2. It falls as the preferred answer gains on the other.
    assert len(losses) == 6 and abs(losses[0] - 0.69315) < 1e-3, losses
    assert min(losses[-2:]) < 0.6, losses
    assert any("DPO (beta 0.1) on 12 preference pairs" in e.message for e in events)
