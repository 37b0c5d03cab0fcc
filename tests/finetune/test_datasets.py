"""Datasets: uploaded once per content, checked line by line (in a worker when big), previewed, deleted when unused."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from finetune import datasets
from finetune.models import Dataset
from tests.finetune.conftest import training_jsonl, upload

BROKEN = training_jsonl(12).replace(b"Fact 3:", b"Fact 3:\"").splitlines()
BROKEN.insert(5, b'{"messages": [{"role": "user", "content": "no answer"}]}')
BROKEN_FILE = b"\n".join(BROKEN) + b"\n"


def test_a_valid_file_is_kept_with_its_statistics(make_dataset):
    dataset = make_dataset()
    assert dataset.usable and dataset.examples == 12 and dataset.error_count == 0
    assert dataset.format == Dataset.Format.CHAT and len(dataset.content_hash) == 64
    assert dataset.summary["example_tokens"] and min(dataset.summary["example_tokens"]) > 10


def test_the_same_bytes_uploaded_twice_are_one_dataset(make_dataset, admin_user):
    first = make_dataset(name="a.jsonl")
    again, created = datasets.dataset_upload(upload(training_jsonl(), "b.jsonl"), admin_user)
    assert again.pk == first.pk and not created and Dataset.objects.count() == 1


def test_broken_lines_are_listed_by_number_and_block_training(client_as, developer_user):
    client = client_as(developer_user)
    response = client.post("/fine-tuning/datasets/upload/", {"file": upload(BROKEN_FILE, "broken.jsonl"),
                                                             "model": "gpt-4o-mini"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="line-errors"' in page
    assert "<td class=\"num\">4</td>" in page and "invalid JSON" in page  # the quote broke line 4
    assert "<td class=\"num\">6</td>" in page and "no assistant message" in page
    dataset = Dataset.objects.get()
    assert dataset.error_count == 2 and not dataset.usable
    assert "must be fixed" in page


def image_lines(n: int = 10) -> bytes:
    return "\n".join(json.dumps({"messages": [
        {"role": "user", "content": [{"type": "text", "text": f"What is in picture {i}?"},
                                     {"type": "image_url", "image_url": {"url": f"https://example.com/{i}.png"}}]},
        {"role": "assistant", "content": "A river."}]}) for i in range(n)).encode()


def test_a_file_with_warnings_is_usable_its_warnings_shown(make_dataset, client_as, viewer_user):
    dataset = make_dataset(image_lines(), "images.jsonl")
    assert dataset.usable and any("can't be fetched offline" in w for w in dataset.warnings)
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "once its warnings are acknowledged" in page


def test_a_big_file_is_checked_by_a_worker_while_the_page_shows_progress(settings, client_as, developer_user,
                                                                         django_capture_on_commit_callbacks):
    settings.STUDIO_INLINE_DATASET_BYTES = 100
    client = client_as(developer_user)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/fine-tuning/datasets/upload/", {"file": upload(training_jsonl(40), "big.jsonl"),
                                                                 "model": "gpt-4o-mini"})
    dataset = Dataset.objects.get()
    assert response.status_code == 302 and len(queued) == 1 and not dataset.checked
    waiting = client.get(f"/fine-tuning/datasets/{dataset.pk}/", HTTP_HX_REQUEST="true")
    assert waiting.status_code == 200 and "every 1s" in waiting.content.decode()
    datasets.dataset_check(dataset.validation.pk)  # what the worker's task runs
    done = client.get(f"/fine-tuning/datasets/{dataset.pk}/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and "40" in done.content.decode()
    dataset.refresh_from_db()
    assert dataset.usable and dataset.examples == 40
    assert dataset.validation.keep_file  # the file stays for the job that will upload it


def test_the_preview_shows_the_first_examples_as_conversations(make_dataset, client_as, viewer_user):
    dataset = make_dataset()
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "First examples" in page and "Tell me fact number 0 about rivers." in page


def test_model_output_in_a_preview_is_escaped(make_dataset, client_as, viewer_user):
    lines = [json.dumps({"messages": [{"role": "user", "content": "hi"},
                                      {"role": "assistant", "content": f"<script>alert({i})</script>"}]})
             for i in range(10)]
    dataset = make_dataset(("\n".join(lines)).encode(), "xss.jsonl")
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "<script>alert(0)" not in page and "&lt;script&gt;alert(0)" in page


def test_a_prompt_completion_file_is_checked_for_babbage(make_dataset):
    lines = [json.dumps({"prompt": f"Q{i} ->", "completion": f" A{i}"}) for i in range(10)]
    dataset = make_dataset("\n".join(lines).encode(), "legacy.jsonl", model="babbage-002")
    assert dataset.format == Dataset.Format.PROMPT_COMPLETION and dataset.usable


def test_a_file_over_the_limit_is_refused_and_the_limit_is_shown(settings, client_as, developer_user):
    settings.STUDIO_MAX_DATASET_BYTES = 1024 * 1024
    client = client_as(developer_user)
    form = client.get("/fine-tuning/datasets/").content.decode()
    assert 'data-max-bytes="1048576"' in form and "Up to 1 MB" in form
    big = SimpleUploadedFile("big.jsonl", b"x" * (1024 * 1024 + 1))
    response = client.post("/fine-tuning/datasets/upload/", {"file": big, "model": "gpt-4o-mini"})
    assert response.status_code == 400 and "the limit is 1,048,576" in response.content.decode()
    assert not Dataset.objects.exists()


def test_a_dataset_is_deleted_with_its_file(make_dataset, client_as, developer_user):
    from pathlib import Path

    dataset = make_dataset()
    path = Path(dataset.file_path)
    assert path.exists()
    response = client_as(developer_user).post(f"/fine-tuning/datasets/{dataset.pk}/delete/")
    assert response.status_code == 302 and not Dataset.objects.exists() and not path.exists()


def test_a_dataset_a_job_uses_is_not_deleted(make_dataset, synced_resource, request_job, client_as, developer_user,
                                             django_capture_on_commit_callbacks):
    dataset = make_dataset()
    with django_capture_on_commit_callbacks():
        request_job(synced_resource(), dataset)
    response = client_as(developer_user).post(f"/fine-tuning/datasets/{dataset.pk}/delete/", follow=True)
    assert "used by a fine-tuning job" in response.content.decode() and Dataset.objects.filter(pk=dataset.pk).exists()
    with pytest.raises(datasets.DatasetInUse):
        datasets.dataset_delete(dataset)


def test_viewers_see_datasets_but_cannot_upload(client_as, viewer_user):
    client = client_as(viewer_user)
    assert client.get("/fine-tuning/datasets/").status_code == 200
    response = client.post("/fine-tuning/datasets/upload/", {"file": upload(training_jsonl()), "model": "gpt-4o-mini"})
    assert response.status_code == 403 and not Dataset.objects.exists()


def test_the_shape_counts_messages_and_the_turns_that_will_be_learned(make_dataset, client_as, viewer_user):
    lines = [json.dumps({"messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0},
        {"role": "user", "content": f"Fact {i}?"}, {"role": "assistant", "content": "Rivers flow.", "weight": 1},
    ] + ([{"role": "user", "content": "More?"}, {"role": "assistant", "content": "Yes."}] if i % 2 else [])})
        for i in range(10)]
    dataset = make_dataset("\n".join(lines).encode(), "weights.jsonl")
    assert dataset.profile == {"examples": 10, "assistant_turns": 25, "learned_turns": 15, "messages_min": 4,
                               "messages_max": 6, "messages_mean": 5.0}
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "<strong>15</strong> will be learned" in page


def preference_lines(n: int = 10, broken: dict[int, str] | None = None) -> bytes:
    lines = [json.dumps({"input": {"messages": [{"role": "user", "content": f"Name river {i}."}]},
                         "preferred_output": [{"role": "assistant", "content": "The Danube."}],
                         "non_preferred_output": [{"role": "assistant", "content": "A lake."}]}) for i in range(n)]
    for index, text in (broken or {}).items():
        lines[index] = text
    return "\n".join(lines).encode()


def test_preference_pairs_for_dpo_are_checked_and_counted(make_dataset, client_as, viewer_user):
    dataset = make_dataset(preference_lines(), "pairs.jsonl", model="gpt-4o", method="dpo")
    assert dataset.format == Dataset.Format.PREFERENCE and dataset.usable and dataset.examples == 10
    assert dataset.profile["learned_turns"] == 20 and min(dataset.summary["example_tokens"]) > 10
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "not preferred" in page and "The Danube." in page


def test_broken_preference_lines_are_listed_by_number(make_dataset):
    broken = {2: json.dumps({"input": {"messages": [{"role": "user", "content": "x"}]},
                             "preferred_output": [{"role": "assistant", "content": "y"}]}),
              4: "{not json", 6: json.dumps({"messages": [{"role": "user", "content": "chat, not pairs"}]})}
    dataset = make_dataset(preference_lines(12, broken), "pairs.jsonl", model="gpt-4o", method="dpo")
    errors = {e["line"]: e["reason"] for e in dataset.summary["errors"]}
    assert sorted(errors) == [3, 5, 7] and 'missing "non_preferred_output"' in errors[3]
    assert "invalid JSON" in errors[5] and 'missing "input"' in errors[7]
    assert dataset.examples == 9 and not dataset.usable


def test_too_few_examples_cannot_train(make_dataset, client_as, viewer_user):
    dataset = make_dataset(training_jsonl(5), "five.jsonl")
    assert dataset.check_state == Dataset.CheckState.TOO_FEW and not dataset.usable and dataset.examples == 5
    page = client_as(viewer_user).get(f"/fine-tuning/datasets/{dataset.pk}/").content.decode()
    assert "needs at least 10 valid examples; this file has 5" in page
