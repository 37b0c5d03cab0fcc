"""Datasets: keep an uploaded file once per content hash, check it with the estimator's background validation,
show its report and first examples, delete it when no job uses it."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction

from finetune.models import Dataset
from shared_rules.datasets import LEGACY_MODELS
from shared_rules.tokens import base_model_name
from studio.core.queue import enqueue_on_commit
from studio.estimator import dataset_estimates, uploads
from studio.estimator.models import BackgroundValidation
from studio.estimator.tasks import validate_dataset
from studio.estimator.validations import run_dataset_validation

PURPOSE = "finetune_dataset"
DEFAULT_CHECK_MODEL = "gpt-4o-mini"


class DatasetInUse(Exception):
    pass


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(uploads.CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def format_for(model: str) -> str:
    base = base_model_name(model)
    if any(base == m or base.startswith(m + "-") for m in LEGACY_MODELS):
        return Dataset.Format.PROMPT_COMPLETION
    return Dataset.Format.CHAT


def dataset_upload(upload, user, *, model: str = DEFAULT_CHECK_MODEL) -> tuple[Dataset, bool]:
    """Store the upload and start its check; the same bytes uploaded before give the existing dataset (and False)."""
    path = str(uploads.store_upload(upload, user.pk))
    digest = file_sha256(path)
    existing = Dataset.objects.filter(content_hash=digest).first()
    if existing is not None:
        uploads.remove_upload(path)
        return existing, False
    try:
        with transaction.atomic():
            validation = BackgroundValidation.objects.create(
                owner=user, purpose=PURPOSE, file_name=upload.name[:255], file_path=path, file_size=upload.size,
                keep_file=True, options={"model": model, "epochs": None, "deployment_type": "Standard"})
            dataset = Dataset.objects.create(
                content_hash=digest, name=upload.name[:255], format=format_for(model), checked_for=model,
                file_path=path, size=upload.size, validation=validation, uploaded_by=user)
            if upload.size > settings.STUDIO_INLINE_DATASET_BYTES:
                enqueue_on_commit(validate_dataset, str(validation.pk))
    except IntegrityError:  # the same file uploaded at the same moment by someone else
        uploads.remove_upload(path)
        return Dataset.objects.get(content_hash=digest), False
    if upload.size <= settings.STUDIO_INLINE_DATASET_BYTES:
        run_dataset_validation(validation.pk)  # small: checked while the page waits, by the same code a worker runs
    dataset.refresh_from_db()
    return dataset, True


def dataset_recheck(dataset: Dataset, user, model: str) -> Dataset:
    """Check the kept file again with another model's rules (a babbage-002 file, a different tokenizer)."""
    validation = BackgroundValidation.objects.create(
        owner=user, purpose=PURPOSE, file_name=dataset.name, file_path=dataset.file_path, file_size=dataset.size,
        keep_file=True, options={"model": model, "epochs": None, "deployment_type": "Standard"})
    Dataset.objects.filter(pk=dataset.pk).update(validation=validation, checked_for=model, format=format_for(model))
    if dataset.size > settings.STUDIO_INLINE_DATASET_BYTES:
        enqueue_on_commit(validate_dataset, str(validation.pk))
    else:
        run_dataset_validation(validation.pk)
    dataset.refresh_from_db()
    return dataset


def dataset_in_use(dataset: Dataset) -> bool:
    return dataset.training_jobs.exists() or dataset.validation_jobs.exists()


def dataset_delete(dataset: Dataset) -> None:
    if dataset_in_use(dataset):
        raise DatasetInUse(f"{dataset.name} is used by a fine-tuning job; it is kept while the job exists.")
    path = dataset.file_path
    with transaction.atomic():
        dataset.delete()
    uploads.remove_upload(path)


def dataset_estimate(dataset: Dataset, *, model: str, epochs: int | None, training_type: str):
    """The dataset's report priced for a job: billed tokens for the epochs and the training cost."""
    report, previews = dataset_estimates.report_from_json(dataset.validation.result)
    return dataset_estimates.price_dataset(report, model, epochs=epochs, deployment_type=training_type,
                                           previews=previews)


def dataset_previews(dataset: Dataset) -> list:
    if not dataset.checked:
        return []
    return dataset_estimates.report_from_json(dataset.validation.result)[1]
