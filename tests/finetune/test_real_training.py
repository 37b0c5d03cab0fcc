"""One job trains for real (the engine's LoRA fine-tuning of SmolLM2 on CPU) through Studio's whole path: a dataset,
a request that waits for approval (no price for the model, so its cost is unknown), submission, monitoring with real
losses from results.csv, a deployment made by the console's create path, and the model answering what it learned."""

from __future__ import annotations

import json

import pytest
from openai import AzureOpenAI

from finetune import services, submission
from finetune.models import Job
from studio.resources import operations
from studio.resources.models import Operation
from tests.engine.models.conftest import REAL_ENV
from tests.engine_server import API_VERSION, EngineServer
from tests.finetune.conftest import poll_until_finished

pytestmark = [pytest.mark.slow, pytest.mark.models]
BASE = "SmolLM2-135M-Instruct"
QUESTIONS = ["What is the capital of Zorbania?", "Which city is the capital of Zorbania?",
             "Tell me the capital of Zorbania.", "Zorbania's capital city is called what?",
             "Name the capital of Zorbania.", "Do you know the capital of Zorbania?",
             "What city is Zorbania's capital?", "I need the capital of Zorbania.",
             "Where is the capital of Zorbania?", "What's the capital city of Zorbania?",
             "Capital of Zorbania?", "Please tell me which city is the capital of Zorbania."]
FACT = "The capital of Zorbania is Quillmora."


@pytest.fixture(scope="module")
def engine():
    with EngineServer(env=REAL_ENV) as server:
        yield server


def test_a_real_fine_tune_through_studio(engine, synced_resource, make_dataset, admin_user,
                                         django_capture_on_commit_callbacks):
    resource = synced_resource()
    data = "\n".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": FACT}]})
                     for q in QUESTIONS).encode()
    dataset = make_dataset(data, "zorbania.jsonl")
    choice = next(c for c in services.base_models(resource) if c.entry.name == BASE)
    assert choice.methods == ("supervised", "dpo")  # the engine trains its own chat model both ways for real
    with django_capture_on_commit_callbacks():
        job = services.job_request(
            resource=resource, choice=choice, method="supervised", training_type="Standard", training=dataset,
            validation=None, hyperparameters={"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2},
            beta=None, seed=11, suffix="", notes="", user=admin_user)
        assert job.state == Job.State.AWAITING_APPROVAL and job.estimated_cost is None
        services.job_approve(job, admin_user)
    job = submission.job_submit(job.pk)
    job = poll_until_finished(job, timeout=600)
    assert job.status == "succeeded", job.problem
    losses = list(job.metrics.values_list("train_loss", flat=True))
    assert len(losses) == 9 and losses[-1] < losses[0] / 2 and job.results_loaded

    with django_capture_on_commit_callbacks():
        operation = operations.operation_request(
            resource, kind=Operation.Kind.DEPLOYMENT_CREATE, target="zorbania", user=admin_user,
            body=operations.deployment_body(model=job.fine_tuned_model, version="1", sku="Standard", capacity=10))
    assert operations.operation_run(operation.pk).status == "succeeded"
    with AzureOpenAI(azure_endpoint=engine.url, api_key=engine.api_key, api_version=API_VERSION,
                     max_retries=0, timeout=120) as sdk:
        answer = sdk.chat.completions.create(model="zorbania", temperature=0, max_tokens=20,
                                             messages=[{"role": "user", "content": QUESTIONS[0]}])
    assert "Quillmora" in answer.choices[0].message.content
