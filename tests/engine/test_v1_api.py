"""Azure's v1 API at /openai/v1/: the plain OpenAI client and AzureOpenAI make the same calls with the same results."""

from __future__ import annotations

import json

import pytest
from openai import BadRequestError, NotFoundError, OpenAI

from tests.engine.conftest import training_jsonl, upload_training_file


@pytest.fixture(scope="module")
def v1(engine) -> OpenAI:
    return OpenAI(base_url=f"{engine.url}/openai/v1/", api_key=engine.api_key, max_retries=0)


@pytest.fixture(params=["v1", "dated"])
def client(request, v1, sdk):
    """Both client styles: OpenAI on /openai/v1/, and AzureOpenAI, which always calls the dated deployment routes
    (it puts /deployments/{model} into the path itself), so the same calls reach the same handlers either way."""
    return v1 if request.param == "v1" else sdk


def test_chat_names_the_deployment_in_model(client):
    raw = client.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Say hello."}], seed=3, max_tokens=20)
    answer = raw.parse()
    assert answer.object == "chat.completion" and answer.model == "gpt-4o-mini"
    assert answer.choices[0].message.content
    assert answer.usage.prompt_tokens == 10 and 0 < answer.usage.completion_tokens <= 20
    assert raw.headers["x-engine-backend"] == "simulated"


def test_same_answer_as_the_dated_route_for_the_same_seed(v1, sdk):
    messages = [{"role": "user", "content": "Tell me about rivers."}]
    v1_answer = v1.chat.completions.create(model="chat", messages=messages, seed=42)
    dated = sdk.chat.completions.create(model="chat", messages=messages, seed=42)
    assert v1_answer.choices[0].message.content == dated.choices[0].message.content


def test_chat_streams(client):
    stream = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "Hi"}], seed=1,
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and chunks[-1].usage.completion_tokens > 0


def test_completions_and_embeddings(client):
    completion = client.completions.create(model="instruct", prompt="Once upon a time", max_tokens=5, seed=1)
    assert completion.object == "text_completion" and completion.usage.completion_tokens <= 5
    vectors = client.embeddings.create(model="embeddings", input=["a river", "a mountain"])
    assert len(vectors.data) == 2 and len(vectors.data[0].embedding) == 1536


def test_models_list_and_retrieve(client):
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini-2024-07-18" in ids
    assert client.models.retrieve("gpt-4o-mini-2024-07-18").id == "gpt-4o-mini-2024-07-18"


def test_files_and_fine_tuning_jobs(client):
    file = upload_training_file(client, training_jsonl())
    assert file.status == "processed" and client.files.retrieve(file.id).filename == "train.jsonl"
    assert file.id in [f.id for f in client.files.list()]
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=file.id)
    assert client.fine_tuning.jobs.retrieve(job.id).model == "gpt-4o-mini-2024-07-18"
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status in ("cancelled", "succeeded", "failed")
    assert job.id in [j.id for j in client.fine_tuning.jobs.list()]


def test_missing_model_is_400_and_unknown_deployment_404(v1, http, engine):
    response = http.post("/openai/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]},
                         headers=engine.api_headers)
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "you must provide a model parameter",
                                        "type": "invalid_request_error", "param": "model", "code": None}
    with pytest.raises(NotFoundError) as caught:
        v1.chat.completions.create(model="no-such-deployment", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.body["code"] == "DeploymentNotFound"


def test_a_dated_api_version_is_refused_on_v1(http, engine):
    response = http.post("/openai/v1/embeddings", params={"api-version": "2024-10-21"},
                         json={"model": "embeddings", "input": "x"}, headers=engine.api_headers)
    assert response.status_code == 400
    assert json.loads(response.text)["error"]["code"] == "BadRequest"


def test_bad_input_gets_the_same_400_as_the_dated_route(v1):
    with pytest.raises(BadRequestError) as caught:
        v1.chat.completions.create(model="chat", messages=[], seed=1)
    assert caught.value.body["code"] == "empty_array"
