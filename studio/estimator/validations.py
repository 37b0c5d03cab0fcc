"""Background checks of uploaded files: start one (store the file, queue the task) and run one (in the worker)."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from shared_rules.errors import EstimatorError
from studio.estimator import dataset_estimates, uploads
from studio.estimator.models import BackgroundValidation

PROGRESS_SECONDS = 0.5  # how often a running check writes its progress; polling reads it every second


def start_dataset_validation(upload, owner, *, model: str, epochs: int | None,
                             deployment_type: str) -> BackgroundValidation:
    """Keep the upload privately and queue its check; the page then polls the row."""
    path = uploads.store_upload(upload, owner.pk)
    validation = BackgroundValidation.objects.create(
        owner=owner, file_name=upload.name[:255], file_path=str(path), file_size=upload.size,
        options={"model": model, "epochs": epochs, "deployment_type": deployment_type},
    )
    transaction.on_commit(lambda: _enqueue(validation))
    return validation


def _enqueue(validation: BackgroundValidation) -> None:
    from studio.estimator.tasks import validate_dataset  # the task module imports this one

    try:
        validate_dataset.delay(str(validation.pk))
    except OperationalError:  # the broker (Redis) is unreachable: say so on the page rather than wait forever
        BackgroundValidation.objects.filter(pk=validation.pk).update(
            status=BackgroundValidation.Status.FAILED, finished_at=timezone.now(),
            error="the background queue (Redis) cannot be reached: the check was not started; try again when "
                  "Studio's worker is running")
        uploads.remove_upload(validation.file_path)
        validation.refresh_from_db()


def _claim(validation_id: uuid.UUID | str) -> BackgroundValidation | None:
    """The row, marked running, or None when it is gone or finished (a task delivered twice does nothing)."""
    with transaction.atomic():
        validation = BackgroundValidation.objects.select_for_update().filter(pk=validation_id).first()
        if validation is None or validation.finished:
            return None
        validation.status = BackgroundValidation.Status.RUNNING
        validation.started_at = timezone.now()
        validation.save(update_fields=["status", "started_at"])
    return validation


class _ProgressWriter:
    """Writes the validator's progress to the row, at most every PROGRESS_SECONDS; remembers the last figures."""

    def __init__(self, validation: BackgroundValidation) -> None:
        self.pk = validation.pk
        self.lines = self.size = 0
        self.written_at = 0.0

    def __call__(self, lines: int, size: int) -> None:
        self.lines, self.size = lines, size
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_SECONDS:
            self.written_at = now
            BackgroundValidation.objects.filter(pk=self.pk).update(lines_read=lines, bytes_read=size)


def run_dataset_validation(validation_id: uuid.UUID | str) -> None:
    """Check the stored file line by line, writing progress as it goes, then keep the report."""
    validation = _claim(validation_id)
    if validation is None:
        return
    fields: dict = {"status": BackgroundValidation.Status.DONE}
    progress = _ProgressWriter(validation)
    try:
        with open(validation.file_path, "rb") as file:
            report, previews = dataset_estimates.validate_file(
                file, validation.options["model"], max_bytes=settings.STUDIO_MAX_DATASET_BYTES, progress=progress,
            )
        fields.update(result=dataset_estimates.report_to_json(report, previews), lines_read=progress.lines,
                      bytes_read=progress.size)
    except EstimatorError as e:
        fields.update(status=BackgroundValidation.Status.FAILED, error=str(e))
    except FileNotFoundError:
        fields.update(status=BackgroundValidation.Status.FAILED, error="the uploaded file is gone; upload it again")
    fields["finished_at"] = timezone.now()
    BackgroundValidation.objects.filter(pk=validation.pk).update(**fields)
    if not validation.keep_file:
        uploads.remove_upload(validation.file_path)


def dataset_estimate_of(validation: BackgroundValidation) -> dataset_estimates.DatasetEstimate:
    """The finished check, priced with today's prices."""
    report, previews = dataset_estimates.report_from_json(validation.result)
    options = validation.options
    return dataset_estimates.price_dataset(report, options["model"], epochs=options["epochs"],
                                           deployment_type=options["deployment_type"], previews=previews)
