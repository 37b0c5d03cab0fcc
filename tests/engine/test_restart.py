"""The engine as a process: clean SIGTERM shutdown, and jobs that survive a SIGKILL mid-run."""

from __future__ import annotations

import io
import json
import signal
import time

import httpx2
from openai import AzureOpenAI

from tests.engine.conftest import training_jsonl
from tests.engine_server import API_VERSION, EngineServer


def client_for(server: EngineServer) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=server.url, api_key=server.api_key, api_version=API_VERSION, max_retries=0)


def upload_processed_training_file(sdk: AzureOpenAI):
    """Ten valid examples, uploaded and past their `pending` validation."""
    upload = sdk.files.create(file=("t.jsonl", io.BytesIO(training_jsonl(10))), purpose="fine-tune")
    while sdk.files.retrieve(upload.id).status == "pending":
        time.sleep(0.02)
    return upload


def metric_steps(sdk: AzureOpenAI, job_id: str) -> list[int]:
    events = sdk.fine_tuning.jobs.list_events(job_id, limit=100).data
    return [e.data["step"] for e in reversed(events) if e.type == "metrics"]


def test_sigkilled_engine_resumes_its_running_job_from_the_stored_step():
    server = EngineServer(env={"ENGINE_JOB_STEP_SECONDS": "0.05"})
    try:
        server.start()
        sdk = client_for(server)
        upload = upload_processed_training_file(sdk)
        job = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=upload.id,
                                             hyperparameters={"n_epochs": 3, "batch_size": 1})  # 30 steps
        deadline = time.monotonic() + 20
        while len(metric_steps(sdk, job.id)) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        server.start()  # same port and data dir
        sdk = client_for(server)
        assert sdk.fine_tuning.jobs.list().data[0].id == job.id
        resumed = sdk.fine_tuning.jobs.retrieve(job.id)
        assert resumed.status == "running"
        while resumed.status == "running" and time.monotonic() < deadline + 20:
            time.sleep(0.05)
            resumed = sdk.fine_tuning.jobs.retrieve(job.id)
        assert resumed.status == "succeeded"
        assert metric_steps(sdk, job.id) == list(range(1, 31))  # nothing lost, nothing repeated
        messages = [e.message for e in sdk.fine_tuning.jobs.list_events(job.id, limit=100).data]
        assert any(m.startswith("Engine restarted; job resumed at step ") for m in messages)
        assert sdk.files.retrieve(upload.id).status == "processed"
        assert sdk.models.retrieve(resumed.fine_tuned_model).id == resumed.fine_tuned_model
    finally:
        server.close()


def test_sigterm_stops_the_engine_cleanly(fresh_engine):
    process = fresh_engine.process
    assert httpx2.get(f"{fresh_engine.url}/engine/health").json()["status"] == "ok"
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert "engine stopped" in fresh_engine.log_text()


def test_keys_and_deployments_persist_across_restarts(fresh_engine):
    key = fresh_engine.api_key
    fresh_engine.create_deployment("kept", "gpt-35-turbo", "0125", capacity=5)
    fresh_engine.arm("DELETE", "/deployments/embeddings")  # a seeded deployment stays deleted
    fresh_engine.restart()
    assert fresh_engine.api_key == key
    names = {d["name"] for d in fresh_engine.arm("GET", "/deployments").json()["value"]}
    assert names == {"chat", "kept"}


def test_a_job_that_cannot_resume_fails_with_a_clear_event():
    server = EngineServer(env={"ENGINE_JOB_STEP_SECONDS": "0.2"})
    try:
        server.start()
        sdk = client_for(server)
        upload = upload_processed_training_file(sdk)
        job = sdk.fine_tuning.jobs.create(model="gpt-35-turbo", training_file=upload.id)
        deadline = time.monotonic() + 20
        while sdk.fine_tuning.jobs.retrieve(job.id).status != "running" and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        config_path = server.data_dir / "config.json"
        config = json.loads(config_path.read_text())
        config["models"] = [m for m in config["models"] if m["name"] != "gpt-35-turbo"]
        config_path.write_text(json.dumps(config))
        server.start()
        sdk = client_for(server)
        failed = sdk.fine_tuning.jobs.retrieve(job.id)
        assert failed.status == "failed" and failed.error.code == "internal_error"
        assert "no longer in its catalog" in failed.error.message
        latest = sdk.fine_tuning.jobs.list_events(job.id, limit=2).data
        assert latest[0].message == "Job failed." and "cannot resume" in latest[1].message
    finally:
        server.close()
