"""Datasets: keep an uploaded file once per content hash, check it with the estimator's background validation,
show its report and first examples, delete it when no job uses it."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from finetune.models import Dataset
from shared_rules import dataset_shapes as shapes
from shared_rules import datasets as rules
from shared_rules.datasets import LEGACY_MODELS
from shared_rules.errors import EstimatorError
from shared_rules.tokens import base_model_name
from studio.core.queue import enqueue_on_commit
from studio.estimator import dataset_estimates, uploads
from studio.estimator.models import BackgroundValidation
from studio.estimator.validations import _claim, _ProgressWriter, run_dataset_validation

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


def format_for(model: str, method: str = "supervised") -> str:
    if method == "dpo":
        return Dataset.Format.PREFERENCE
    base = base_model_name(model)
    if any(base == m or base.startswith(m + "-") for m in LEGACY_MODELS):
        return Dataset.Format.PROMPT_COMPLETION
    return Dataset.Format.CHAT


def dataset_upload(upload, user, *, model: str = DEFAULT_CHECK_MODEL,
                   method: str = "supervised") -> tuple[Dataset, bool]:
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
                content_hash=digest, name=upload.name[:255], format=format_for(model, method), checked_for=model,
                file_path=path, size=upload.size, validation=validation, uploaded_by=user)
            big = upload.size > settings.STUDIO_INLINE_DATASET_BYTES
            if big:
                from finetune.tasks import check_dataset  # the task module imports this one

                enqueue_on_commit(check_dataset, str(validation.pk))
    except IntegrityError:  # the same file uploaded at the same moment by someone else
        uploads.remove_upload(path)
        return Dataset.objects.get(content_hash=digest), False
    if not big:
        dataset_check(validation.pk)  # small: checked while the page waits, by the same code a worker runs
    dataset.refresh_from_db()
    return dataset, True


def dataset_check(validation_id) -> None:
    """Check one dataset's file: the estimator's validation (then a pass for its shape), or for preference files
    the same rules over the pairs turned into chat examples, in one pass."""
    dataset = Dataset.objects.filter(validation_id=validation_id).first()
    if dataset is None:
        return
    if dataset.format != Dataset.Format.PREFERENCE:
        run_dataset_validation(validation_id)
        dataset.validation.refresh_from_db()
        if dataset.validation.status == BackgroundValidation.Status.DONE:
            with open(dataset.file_path, "rb") as file:
                profile = shapes.chat_shape(file).as_dict()
            Dataset.objects.filter(pk=dataset.pk).update(profile=profile)
    else:
        _check_preferences(dataset, validation_id)
    _keep_headline(dataset)


def _keep_headline(dataset: Dataset) -> None:
    validation = BackgroundValidation.objects.get(pk=dataset.validation_id)
    if not validation.finished:
        return  # another run has the check (a duplicate delivery): it writes the headline when it ends
    if validation.status == BackgroundValidation.Status.FAILED:
        Dataset.objects.filter(pk=dataset.pk).update(check_state=Dataset.CheckState.FAILED)
        return
    report = validation.result["report"]
    errors = len(report["errors"]) + report["errors_not_listed"]
    state = (Dataset.CheckState.BROKEN if errors else Dataset.CheckState.TOO_FEW
             if report["examples"] < rules.MIN_EXAMPLES else Dataset.CheckState.USABLE)
    Dataset.objects.filter(pk=dataset.pk).update(check_state=state, examples=report["examples"],
                                                 error_count=errors, warnings=report["warnings"])


def _check_preferences(dataset: Dataset, validation_id) -> None:
    validation = _claim(validation_id)
    if validation is None:
        return
    progress = _ProgressWriter(validation)
    fields: dict = {"status": BackgroundValidation.Status.DONE}
    try:
        with open(dataset.file_path, "rb") as file:
            report, shape = shapes.validate_preference_jsonl(file, validation.options["model"],
                                                             max_bytes=settings.STUDIO_MAX_DATASET_BYTES,
                                                             progress=progress)
        previews = _preference_previews(dataset.file_path, {e.line for e in report.errors})
        fields.update(result=dataset_estimates.report_to_json(report, previews), lines_read=progress.lines,
                      bytes_read=progress.size)
        Dataset.objects.filter(pk=dataset.pk).update(profile=shape.as_dict())
    except EstimatorError as error:
        fields.update(status=BackgroundValidation.Status.FAILED, error=str(error))
    except FileNotFoundError:
        fields.update(status=BackgroundValidation.Status.FAILED, error="the uploaded file is gone; upload it again")
    fields["finished_at"] = timezone.now()
    BackgroundValidation.objects.filter(pk=validation.pk).update(**fields)


def _preference_previews(path: str, broken: set[int]) -> list:
    previews = []
    with open(path, "rb") as file:
        for line_no, raw in enumerate(file, start=1):
            if len(previews) >= dataset_estimates.PREVIEWS:
                break
            if line_no in broken or not raw.strip():
                continue
            try:
                example = json.loads(raw.decode("utf-8-sig"))
                turns = [(m["role"], dataset_estimates._text_of(m.get("content")))
                         for m in example["input"]["messages"]]
                turns.append(("preferred", dataset_estimates._text_of(example["preferred_output"][0].get("content"))))
                turns.append(("not preferred",
                              dataset_estimates._text_of(example["non_preferred_output"][0].get("content"))))
            except (ValueError, KeyError, TypeError, AttributeError, IndexError):
                continue
            previews.append(dataset_estimates.Preview(line_no, [(r, t[:dataset_estimates.PREVIEW_CHARS])
                                                                for r, t in turns]))
    return previews


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
