"""Fine-tuning jobs through the SDK: create, run to success, events, checkpoints, results.csv, deploy, chat."""

from __future__ import annotations

import csv
import io
import time

import openai
import pytest

from shared_rules.datasets import billed_training_tokens, validate_training_jsonl
from tests.engine.conftest import preference_jsonl, training_jsonl, upload_training_file

TERMINAL = ("succeeded", "failed", "cancelled")


def wait_for(sdk, job_id: str, statuses=TERMINAL, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = sdk.fine_tuning.jobs.retrieve(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.03)
    raise AssertionError(f"job {job_id} stayed {job.status}")


@pytest.fixture(scope="module")
def training_file(sdk):
    return upload_training_file(sdk, training_jsonl(10))


@pytest.fixture(scope="module")
def finished_job(sdk, training_file):
    validation = upload_training_file(sdk, training_jsonl(10), "valid.jsonl")
    job = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file.id,
                                         validation_file=validation.id, suffix="rivers", seed=42,
                                         hyperparameters={"n_epochs": 2, "batch_size": 2})
    assert job.status == "pending" and job.fine_tuned_model is None
    return wait_for(sdk, job.id)


def test_job_runs_to_success_with_a_fine_tuned_model_name(finished_job):
    job = finished_job
    assert job.status == "succeeded" and job.error is None
    hex_id = job.id.removeprefix("ftjob-")
    assert job.fine_tuned_model == f"gpt-4o-mini-2024-07-18.ft-{hex_id}-rivers"
    assert job.model == "gpt-4o-mini-2024-07-18" and job.seed == 42
    assert job.hyperparameters.n_epochs == 2 and job.hyperparameters.batch_size == 2
    assert job.finished_at >= job.created_at


def test_trained_tokens_are_the_billed_tokens_of_the_data_times_epochs(finished_job):
    report = validate_training_jsonl(training_jsonl(10).splitlines(), "gpt-4o-mini-2024-07-18")
    assert finished_job.trained_tokens == billed_training_tokens(report.example_tokens, "gpt-4o-mini", 2)


def test_events_page_newest_first_with_metrics_per_step(sdk, finished_job):
    first = sdk.fine_tuning.jobs.list_events(finished_job.id, limit=3)
    assert len(first.data) == 3 and first.has_more
    assert first.data[0].message == "Job succeeded."
    second = sdk.fine_tuning.jobs.list_events(finished_job.id, limit=3, after=first.data[-1].id)
    assert not {e.id for e in first.data} & {e.id for e in second.data}
    everything = list(sdk.fine_tuning.jobs.list_events(finished_job.id, limit=100))
    metrics = [e for e in reversed(everything) if e.type == "metrics"]
    assert [e.data["step"] for e in metrics] == list(range(1, 11))  # 10 examples / batch 2 x 2 epochs
    losses = [e.data["train_loss"] for e in metrics]
    assert losses[-1] < losses[0]
    messages = [e.message for e in reversed(everything)]
    assert messages[0].startswith("Job enqueued") and "Job started." in messages


def test_one_checkpoint_per_epoch(sdk, finished_job):
    checkpoints = sdk.fine_tuning.jobs.checkpoints.list(finished_job.id).data
    assert [c.step_number for c in checkpoints] == [10, 5]
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{finished_job.fine_tuned_model}:ckpt-step-10"
    assert checkpoints[0].metrics.full_valid_loss is not None


def test_results_csv_has_a_row_per_step_and_full_values_at_epoch_ends(sdk, finished_job):
    (result_id,) = finished_job.result_files
    assert sdk.files.retrieve(result_id).purpose == "fine-tune-results"
    rows = list(csv.DictReader(io.StringIO(sdk.files.content(result_id).text)))
    assert list(rows[0]) == ["step", "train_loss", "train_mean_token_accuracy", "valid_loss",
                             "valid_mean_token_accuracy", "full_valid_loss", "full_valid_mean_token_accuracy"]
    assert [int(r["step"]) for r in rows] == list(range(1, 11))
    assert all(r["valid_loss"] for r in rows)
    assert [r["step"] for r in rows if r["full_valid_loss"]] == ["5", "10"]


def test_without_validation_file_valid_columns_stay_blank(sdk, training_file):
    job = wait_for(sdk, sdk.fine_tuning.jobs.create(
        model="gpt-35-turbo-0125", training_file=training_file.id, hyperparameters={"n_epochs": 1}).id)
    assert job.status == "succeeded" and job.fine_tuned_model.startswith("gpt-35-turbo-0125.ft-")
    rows = list(csv.DictReader(io.StringIO(sdk.files.content(job.result_files[0]).text)))
    assert all(r["valid_loss"] == "" and r["full_valid_loss"] == "" for r in rows)


def test_fine_tuned_model_is_listed_deployable_and_answers(sdk, engine, finished_job):
    name = finished_job.fine_tuned_model
    listed = sdk.models.retrieve(name).model_extra
    assert listed["fine_tune"] == finished_job.id and listed["model"] == "gpt-4o-mini-2024-07-18"
    catalog = {(m["name"], m["version"]) for m in engine.arm("GET", "/models").json()["value"]}
    assert (name, "1") in catalog
    engine.create_deployment("tuned", name, "1", sku="Standard", capacity=10)
    try:
        answer = sdk.chat.completions.create(model="tuned", messages=[{"role": "user", "content": "Hi"}])
        assert answer.model == name and answer.choices[0].message.content
    finally:
        engine.delete_deployment("tuned")


def test_a_checkpoint_is_listed_and_deployable_like_the_final_model(sdk, engine, finished_job):
    first = sdk.fine_tuning.jobs.checkpoints.list(finished_job.id).data[-1].fine_tuned_model_checkpoint
    assert first == f"{finished_job.fine_tuned_model}:ckpt-step-5"
    assert sdk.models.retrieve(first).model_extra["fine_tune"] == finished_job.id
    engine.create_deployment("tuned-ckpt", first, "1", sku="Standard", capacity=10)
    try:
        answer = sdk.chat.completions.create(model="tuned-ckpt", messages=[{"role": "user", "content": "Hi"}])
        assert answer.model == first and answer.choices[0].message.content
    finally:
        engine.delete_deployment("tuned-ckpt")


def test_jobs_list_pages_newest_first(sdk, training_file):
    ids = [sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file.id).id for _ in range(3)]
    page = sdk.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in page.data] == ids[::-1][:2] and page.has_more
    following = sdk.fine_tuning.jobs.list(limit=1, after=page.data[-1].id)
    assert following.data[0].id == ids[0]
    for job_id in ids:
        wait_for(sdk, job_id)


def test_cancel_stops_a_running_job_and_cannot_repeat(sdk, training_file):
    job = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file.id,
                                         hyperparameters={"n_epochs": 50, "batch_size": 1})
    wait_for(sdk, job.id, ("running",))
    cancelled = sdk.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert sdk.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert sdk.fine_tuning.jobs.list_events(job.id, limit=1).data[0].message == "Job cancelled."
    with pytest.raises(openai.BadRequestError) as again:
        sdk.fine_tuning.jobs.cancel(job.id)
    assert again.value.body["code"] == "unexpectedEntityState"


def test_delete_removes_a_job(sdk, engine, http, training_file):
    job = wait_for(sdk, sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file.id).id)
    response = http.delete(f"/openai/fine_tuning/jobs/{job.id}", params={"api-version": "2024-10-21"},
                           headers=engine.api_headers)
    assert response.status_code == 204
    with pytest.raises(openai.NotFoundError):
        sdk.fine_tuning.jobs.retrieve(job.id)


def test_training_data_with_the_failure_trigger_fails_with_a_clear_error(sdk):
    poisoned = upload_training_file(sdk, training_jsonl(10, extra="engine-test-fail-training"))
    job = wait_for(sdk, sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=poisoned.id).id)
    assert job.status == "failed" and job.fine_tuned_model is None
    assert job.error.code == "training_failed" and "failure trigger" in job.error.message
    events = sdk.fine_tuning.jobs.list_events(job.id, limit=2).data
    assert [e.level for e in events] == ["error", "error"]


def test_prompt_completion_data_trains_babbage(sdk):
    lines = b"".join(b'{"prompt": "Q%d ->", "completion": " A%d"}\n' % (i, i) for i in range(10))
    data_file = upload_training_file(sdk, lines)
    assert data_file.status == "processed"
    job = wait_for(sdk, sdk.fine_tuning.jobs.create(model="babbage-002", training_file=data_file.id).id)
    assert job.status == "succeeded" and job.fine_tuned_model.startswith("babbage-002.ft-")
    with pytest.raises(openai.BadRequestError) as mismatch:
        sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=data_file.id)
    assert mismatch.value.body["target"] == "training_file"


@pytest.mark.parametrize(("overrides", "target"), [
    ({"model": "text-embedding-3-small"}, "model"),
    ({"model": "gpt-9"}, "model"),
    ({"training_file": "file-missing"}, "training_file"),
    ({"hyperparameters": {"n_epochs": 0}}, "hyperparameters.n_epochs"),
    ({"hyperparameters": {"batch_size": 1000}}, "hyperparameters.batch_size"),
    ({"hyperparameters": {"learning_rate_multiplier": -1.5}}, "hyperparameters.learning_rate_multiplier"),
    ({"suffix": "has spaces"}, "suffix"),
    ({"suffix": "x" * 41}, "suffix"),
    ({"seed": -5}, "seed"),
    ({"method": {"type": "reinforcement"}}, "method.type"),
    ({"method": "dpo"}, "method.type"),
    ({"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 99}}}},
     "hyperparameters.n_epochs"),
    ({"method": {"type": "supervised", "supervised": {"hyperparameters": {"beta": 0.1}}}}, "hyperparameters.beta"),
    ({"hyperparameters": "fast", "method": {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 1}}}},
     "hyperparameters"),
    ({"method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0}}}},
     "method.dpo.hyperparameters.beta"),
])
def test_invalid_create_requests_are_400_invalid_payload(http, engine, training_file, overrides, target):
    body = {"model": "gpt-4o-mini", "training_file": training_file.id, **overrides}
    response = http.post("/openai/fine_tuning/jobs", params={"api-version": "2024-10-21"}, json=body,
                         headers=engine.api_headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidPayload" and response.json()["error"]["target"] == target


def test_a_file_that_failed_validation_cannot_start_a_job(sdk):
    broken = upload_training_file(sdk, training_jsonl(3))
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=broken.id)
    assert refused.value.body["code"] == "unexpectedEntityState"


def test_a_dpo_job_trains_on_preference_pairs_and_says_so(sdk, training_file):
    pairs = upload_training_file(sdk, preference_jsonl(10), "pairs.jsonl")
    assert pairs.status == "processed"
    job = sdk.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=pairs.id,
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.25, "n_epochs": 1}}})
    assert job.method.type == "dpo" and job.method.dpo.hyperparameters.beta == 0.25
    job = wait_for(sdk, job.id)
    assert job.status == "succeeded" and job.hyperparameters.n_epochs == 1
    assert job.method.dpo.hyperparameters.n_epochs == 1
    # Pairs and chat examples are not interchangeable: each method names the lines it needs.
    with pytest.raises(openai.BadRequestError) as chat_for_dpo:
        sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file.id, method={"type": "dpo"})
    assert chat_for_dpo.value.body["target"] == "training_file"
    assert "preferred_output" in chat_for_dpo.value.body["message"]
    with pytest.raises(openai.BadRequestError) as pairs_for_supervised:
        sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=pairs.id)
    assert pairs_for_supervised.value.body["target"] == "training_file"
    with pytest.raises(openai.BadRequestError) as beta:
        sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=pairs.id,
                                    method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 5}}})
    assert beta.value.body["target"] == "method.dpo.hyperparameters.beta"


def test_a_supervised_job_reports_its_method(finished_job):
    assert finished_job.method.type == "supervised"
    assert finished_job.method.supervised.hyperparameters.batch_size == 2


def test_a_broken_preference_pair_is_named_by_line(sdk):
    lines = preference_jsonl(10).splitlines(keepends=True)
    lines[3] = b'{"input": {"messages": [{"role": "user", "content": "x"}]}, "preferred_output": []}\n'
    broken = upload_training_file(sdk, b"".join(lines), "pairs.jsonl")
    assert broken.status == "error"
    assert "line 4" in broken.status_details and "non_preferred_output" in broken.status_details
