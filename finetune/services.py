"""The team workflow: a job is requested (with its estimated cost), approved or declined by an Admin when its cost is
over the threshold, handed to a worker, and cancelled by its submitter or an Admin. Views and tasks call these."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from finetune import datasets
from finetune.models import Dataset, FineTuningSettings, Job
from finetune.notifications import notify, notify_admins
from finetune.statuses import is_terminal
from shared_rules.errors import EstimatorError
from shared_rules.models import REGISTRY
from studio.accounts import roles
from studio.audit.services import audit_record
from studio.core.queue import enqueue_on_commit
from studio.resources.models import CatalogModel, Resource
from studio.upstream import finetuning as upstream


class NotAllowed(Exception):
    """The change does not fit the job's state or the user's role; the message says why."""


@dataclass(frozen=True)
class BaseModelChoice:
    """A fine-tunable model of a resource's catalog, with what it supports."""

    entry: CatalogModel
    methods: tuple[str, ...]
    training_types: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.entry.name}|{self.entry.version}"

    @property
    def upstream_name(self) -> str:
        """The id a job is created with: name and version, as Azure spells it (gpt-4o-mini-2024-07-18)."""
        version = self.entry.version
        dated = len(version) >= 4 and version[:1].isdigit()  # 2024-07-18, 0125; not babbage-002's "2"
        return f"{self.entry.name}-{version}" if dated else self.entry.name

    @property
    def label(self) -> str:
        methods = ", ".join(Job.Method(m).label.split(" (")[0] for m in self.methods)
        label = f"{self.entry.name} {self.entry.version} ({methods})"
        retires = self.entry.fine_tune_retires_at
        if retires:
            label += f", fine-tuning {'retired' if retires < timezone.now() else 'retires'} {retires:%d %b %Y}"
        return label


TRAINING_TYPES = {"Standard": Job.TrainingType.STANDARD, "GlobalStandard": Job.TrainingType.GLOBAL,
                  "Developer": Job.TrainingType.DEVELOPER}


def base_models(resource: Resource) -> list[BaseModelChoice]:
    """The resource's fine-tunable catalog entries; methods and training types from the model registry."""
    choices = []
    for entry in resource.catalog.all():
        # A model past its fine-tuning retirement date is still offered, labelled: the service has the last word.
        if not entry.is_fine_tunable or entry.base_model:
            continue
        info = REGISTRY.find(entry.name)
        tuning = info.fine_tuning if info else None
        if tuning:
            known = tuning.methods
        elif resource.kind == Resource.Kind.LOCAL_ENGINE and entry.capabilities.get("chatCompletion") == "true":
            known = ("supervised", "dpo")  # the engine's own chat models (SmolLM2) train both ways for real
        else:
            known = ("supervised",)
        methods = tuple(m for m in known if m in Job.Method.values)
        types = tuple(t for t in (tuning.deployment_types if tuning else ("Standard",)) if t in TRAINING_TYPES)
        choices.append(BaseModelChoice(entry, methods or ("supervised",), types or ("Standard",)))
    return choices


def job_estimate(dataset: Dataset, model: str, training_type: str, epochs: int | None):
    return datasets.dataset_estimate(dataset, model=model, epochs=epochs, training_type=training_type)


def job_request(*, resource: Resource, choice: BaseModelChoice, method: str, training_type: str,
                training: Dataset, validation: Dataset | None, hyperparameters: dict, beta: float | None,
                seed: int | None, suffix: str, notes: str, user) -> Job:
    """Record the job; send it at once, or let it wait for an Admin when its cost is over the threshold."""
    try:
        estimate = job_estimate(training, choice.entry.name, training_type, hyperparameters.get("n_epochs"))
    except EstimatorError:  # a model the estimator does not know: no figures, so an Admin decides
        estimate = None
    priced = estimate.training.cost if estimate else None
    cost = priced.total if priced else None
    threshold = FineTuningSettings.current().approval_threshold
    # An unknown cost (no price row) cannot be shown to be under the threshold: an Admin decides.
    needs_approval = cost is None or cost > threshold
    with transaction.atomic():
        job = Job.objects.create(
            resource=resource, base_model=choice.upstream_name, method=method, training_type=training_type,
            training_dataset=training, validation_dataset=validation, hyperparameters=hyperparameters, beta=beta,
            seed=seed, suffix=suffix, notes=notes, submitted_by=user,
            estimated_tokens=estimate.billed_tokens if estimate else 0,
            estimated_epochs=estimate.epochs if estimate else 0, estimated_cost=cost,
            currency=priced.currency if priced else "USD",
            state=Job.State.AWAITING_APPROVAL if needs_approval else Job.State.READY, touched_at=timezone.now())
        audit_record(actor=user, action="finetune.request", target_type="fine_tuning_job", target_name=str(job.pk),
                     resource_name=resource.name, after={"model": job.base_model, "cost": str(cost),
                                                         "training_type": training_type})
        if needs_approval:
            why = "its cost is unknown" if cost is None else f"its estimated cost {cost:.2f} is over {threshold:.2f}"
            notify_admins(job, f"Fine-tuning job {job.pk} ({job.base_model}) by {user.username} waits for your "
                               f"approval: {why}.")
        else:
            _send_to_worker(job)
    return job


def _send_to_worker(job: Job) -> None:
    from finetune.tasks import submit_job  # tasks import this module

    enqueue_on_commit(submit_job, job.pk)


def job_approve(job: Job, admin, note: str = "") -> Job:
    return _decide(job, admin, note, approve=True)


def job_decline(job: Job, admin, note: str = "") -> Job:
    return _decide(job, admin, note, approve=False)


def _decide(job: Job, admin, note: str, *, approve: bool) -> Job:
    if roles.role_of(admin) != roles.ADMIN:
        raise NotAllowed("Only an Admin approves or declines jobs.")
    new_state = Job.State.READY if approve else Job.State.DECLINED
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, state=Job.State.AWAITING_APPROVAL).update(
            state=new_state, decided_by=admin, decided_at=timezone.now(), decision_note=note[:2000],
            touched_at=timezone.now())
        if changed != 1:
            raise NotAllowed("This job is no longer waiting for approval.")
        job.refresh_from_db()
        verb = "approved" if approve else "declined"
        audit_record(actor=admin, action=f"finetune.{verb[:-1]}", target_type="fine_tuning_job",
                     target_name=str(job.pk), resource_name=job.resource.name, outcome=verb, message=note)
        said = f": {note}" if note else "."
        notify(job.submitted_by, job, f"Your fine-tuning job {job.pk} ({job.base_model}) was {verb} by "
                                      f"{admin.username}{said}")
        if approve:
            _send_to_worker(job)
    return job


def can_cancel(job: Job, user) -> bool:
    role = roles.role_of(user)
    mine = job.submitted_by_id == user.pk
    return (role == roles.ADMIN or (role == roles.DEVELOPER and mine)) and job.is_open and not job.cancel_requested


def job_cancel(job: Job, user) -> str:
    """Cancel before sending (nothing upstream yet), or ask the service to cancel. Returns what happened, in words."""
    if not can_cancel(job, user):
        raise NotAllowed("Developers cancel their own jobs; Admins cancel any open job.")
    audit_record(actor=user, action="finetune.cancel", target_type="fine_tuning_job", target_name=str(job.pk),
                 resource_name=job.resource.name)
    if Job.objects.filter(pk=job.pk, state__in=(Job.State.AWAITING_APPROVAL, Job.State.READY)).update(
            state=Job.State.CANCELLED, cancelled_by=user, finished_at=timezone.now()) == 1:
        notify(job.submitted_by, job, f"Your fine-tuning job {job.pk} ({job.base_model}) was cancelled by "
                                      f"{user.username} before it was sent.")
        return "Cancelled; nothing had been sent to the service."
    Job.objects.filter(pk=job.pk).update(cancel_requested=True, cancelled_by=user)
    job.refresh_from_db()
    if job.state == Job.State.SUBMITTING or not job.upstream_id:
        return "Cancel requested: the job is being sent; it is cancelled as soon as the service has it."
    answer = upstream.job_cancel(job.resource, job.upstream_id)  # UpstreamError reaches the view as a message
    status = answer.get("status", "")
    Job.objects.filter(pk=job.pk).update(upstream_status=status, next_poll_at=timezone.now())
    return f"The service says the job is {status}." if is_terminal(status) else "Cancel sent to the service."


def set_threshold(value: Decimal, admin) -> FineTuningSettings:
    current = FineTuningSettings.current()
    before = {"approval_threshold": str(current.approval_threshold)}
    current.approval_threshold, current.updated_by = value, admin
    current.save()
    audit_record(actor=admin, action="finetune.threshold", target_type="fine_tuning_settings", target_name="threshold",
                 before=before, after={"approval_threshold": str(value)})
    return current

