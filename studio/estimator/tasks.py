"""Background work of the estimator: checking big dataset files while the page shows progress."""

from celery import shared_task

from studio.estimator.validations import run_dataset_validation


@shared_task
def validate_dataset(validation_id: str) -> None:
    """Check one stored upload; a second delivery finds the row finished (or running) and does nothing new."""
    run_dataset_validation(validation_id)
