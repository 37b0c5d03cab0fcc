"""Fine-tuning fixtures: training files, a synced engine resource, datasets and jobs built as the pages build them."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from finetune import conf, datasets, monitoring, services
from finetune.models import FineTuningSettings, Job
from studio.resources import sync
from tests.resources.conftest import engine, engine_resource  # noqa: F401 - fixtures shared with the console's tests


def training_jsonl(examples: int = 12, extra: str = "") -> bytes:
    lines = [json.dumps({"messages": [
        {"role": "system", "content": "You answer about rivers."},
        {"role": "user", "content": f"Tell me fact number {i} about rivers. {extra}".strip()},
        {"role": "assistant", "content": f"Fact {i}: rivers carry water from high ground to the sea."},
    ]}) for i in range(examples)]
    return ("\n".join(lines) + "\n").encode()


def upload(data: bytes, name: str = "rivers.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/jsonl")


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.STUDIO_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(conf, "POLL_SECONDS", 0)
    monkeypatch.setattr(conf, "FILE_POLL_SECONDS", 0)


@pytest.fixture
def make_dataset(db, developer_user):
    def make(data: bytes | None = None, name: str = "rivers.jsonl", model: str = "gpt-4o-mini", user=None,
             method: str = "supervised"):
        dataset, _ = datasets.dataset_upload(upload(data or training_jsonl(), name), user or developer_user,
                                             model=model, method=method)
        return dataset

    return make


def ensure_prices() -> None:
    """The seed prices, again when a transactional test's flush emptied what the data migrations wrote."""
    from importlib import import_module

    from django.apps import apps

    from studio.estimator.models import Price

    if not Price.objects.exists():
        import_module("studio.estimator.migrations.0002_seed_prices").seed(apps, None)
        import_module("studio.estimator.migrations.0005_seed_prices_2026").forward(apps, None)


@pytest.fixture
def synced_resource(engine_resource):  # noqa: F811 - the fixture imported above
    ensure_prices()

    def make(name: str = "Engine", **fields):
        resource = engine_resource(name, **fields)
        sync.resource_sync(resource)
        return resource

    return make


@pytest.fixture
def request_job(developer_user):
    """A job requested as the submission form does; the threshold decides whether it waits for approval."""

    def make(resource, dataset, *, user=None, threshold: str = "1000", model: str = "gpt-4o-mini",
             hyperparameters: dict | None = None, validation=None, suffix: str = "rivers", method: str = "supervised",
             beta: float | None = None) -> Job:
        FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": threshold})
        choice = next(c for c in services.base_models(resource) if c.entry.name == model)
        return services.job_request(
            resource=resource, choice=choice, method=method, training_type="Standard", training=dataset,
            validation=validation, hyperparameters=hyperparameters or {"n_epochs": 2, "batch_size": 4}, beta=beta,
            seed=7, suffix=suffix, notes="first try", user=user or developer_user)

    return make


def poll_until_finished(job: Job, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        Job.objects.filter(pk=job.pk).update(next_poll_at=None, poll_lease_until=None)
        job = monitoring.job_poll(job.pk) or Job.objects.get(pk=job.pk)
        if job.state != Job.State.SUBMITTED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} stayed {job.upstream_status}")
