"""HTTP handlers of /openai/fine_tuning/jobs (create, list, get, cancel, delete, events, checkpoints)."""

from __future__ import annotations

import random
import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.authoring import authoring, page_limit
from engine.config import ModelSpec
from engine.finetuning import lifecycle
from engine.finetuning.store import ACTIVE, Job, new_id
from engine.responses import json_response, read_json_object
from engine.state import Engine

SUFFIX = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")
MAX_EPOCHS = 50
MAX_LR_MULTIPLIER = 10.0
MAX_BETA = 2.0
METHODS = ("supervised", "dpo")


def _invalid(message: str, target: str) -> errors.ApiError:
    return errors.authoring(400, "invalidPayload", message, target)


def _job_or_404(engine: Engine, job_id: str) -> Job:
    job = engine.jobs.get(job_id)
    if job is None:
        raise errors.authoring(404, "notFound", f"The fine-tuning job '{job_id}' does not exist.")
    return job


def _base_model(engine: Engine, name: Any) -> ModelSpec:
    if not isinstance(name, str) or not name:
        raise _invalid("The 'model' field is required: the base model to fine-tune.", "model")
    model = engine.config.catalog.by_id(name)
    if model is None or not model.can("fine_tune"):
        tunable = sorted(m.id for m in engine.config.catalog.all() if m.can("fine_tune") and m.base is None)
        raise _invalid(f"The model '{name}' cannot be fine-tuned here; fine-tunable base models: "
                       f"{', '.join(tunable)}.", "model")
    return model


def _hyperparameters(raw: Any, model: ModelSpec) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _invalid("'hyperparameters' must be an object.", "hyperparameters")
    unknown = set(raw) - {"n_epochs", "batch_size", "learning_rate_multiplier"}
    if unknown:
        raise _invalid(f"Unknown hyperparameter {sorted(unknown)[0]!r}.", f"hyperparameters.{sorted(unknown)[0]}")
    out: dict[str, Any] = {}
    for name, low, high in (("n_epochs", 1, MAX_EPOCHS), ("batch_size", 1, model.max_batch_size)):
        value = raw.get(name, "auto")
        if value in ("auto", -1, None):
            out[name] = "auto"
        elif isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            out[name] = value
        else:
            raise _invalid(f"hyperparameters.{name} must be 'auto' or a whole number from {low} to {high}, got "
                           f"{value!r}.", f"hyperparameters.{name}")
    lr = raw.get("learning_rate_multiplier", "auto")
    if lr in ("auto", -1, None):
        out["learning_rate_multiplier"] = "auto"
    elif isinstance(lr, int | float) and not isinstance(lr, bool) and 0 < lr <= MAX_LR_MULTIPLIER:
        out["learning_rate_multiplier"] = lr
    else:
        raise _invalid(f"hyperparameters.learning_rate_multiplier must be 'auto' or a number above 0 and at most "
                       f"{MAX_LR_MULTIPLIER:g}, got {lr!r}.", "hyperparameters.learning_rate_multiplier")
    return out


def _method(raw: Any, model: ModelSpec, hyperparameters: Any) -> tuple[str, Any, Any]:
    """The training method, its hyperparameters (the method's own ones win over the top-level ones) and DPO's beta
    ("auto", or a number above 0 and at most 2)."""
    if raw is None:
        return "supervised", hyperparameters, None
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise _invalid("'method' must be an object with a 'type': supervised or dpo.", "method.type")
    kind = raw["type"]
    if kind not in METHODS:
        raise _invalid(f"The method '{kind}' is not supported here; use supervised or dpo.", "method.type")
    if kind == "dpo" and model.token_model in ("babbage-002", "davinci-002"):
        raise _invalid(f"{model.id} takes prompt/completion examples and cannot be trained with DPO.", "method.type")
    options = raw.get(kind) or {}
    if not isinstance(options, dict) or not isinstance(options.get("hyperparameters") or {}, dict):
        raise _invalid(f"'method.{kind}.hyperparameters' must be an object.", f"method.{kind}.hyperparameters")
    own = dict(options.get("hyperparameters") or {})
    beta = own.pop("beta", "auto") if kind == "dpo" else "auto"
    if beta not in ("auto", None) and not (isinstance(beta, int | float) and not isinstance(beta, bool)
                                          and 0 < beta <= MAX_BETA):
        raise _invalid(f"method.dpo.hyperparameters.beta must be 'auto' or a number above 0 and at most "
                       f"{MAX_BETA:g}, got {beta!r}.", "method.dpo.hyperparameters.beta")
    if own and hyperparameters is not None and not isinstance(hyperparameters, dict):
        raise _invalid("'hyperparameters' must be an object.", "hyperparameters")
    merged = {**(hyperparameters or {}), **own} if own else hyperparameters
    return kind, merged, None if beta in ("auto", None) else float(beta)


def _check_file(engine: Engine, file_id: Any, field: str, model: ModelSpec, method: str = "supervised") -> str:
    if not isinstance(file_id, str) or not file_id:
        raise _invalid(f"The '{field}' field must be a file id.", field)
    record = engine.files.get(file_id)
    if record is None:
        raise _invalid(f"The file '{file_id}' does not exist.", field)
    if record.purpose != "fine-tune":
        raise _invalid(f"The file '{file_id}' has purpose '{record.purpose}'; fine-tuning needs 'fine-tune'.", field)
    if record.status != "processed":
        detail = f": {record.status_details}" if record.status_details else ""
        raise errors.authoring(400, "unexpectedEntityState", f"The file '{file_id}' is not ready for fine-tuning "
                               f"(status '{record.status}'){detail}. Wait until it is 'processed'.", field)
    if method == "dpo":
        wanted = "preference"
    else:
        wanted = "prompt_completion" if model.token_model in ("babbage-002", "davinci-002") else "chat"
    if record.format and record.format != wanted:
        shape = {"prompt_completion": '{"prompt", "completion"}', "chat": '{"messages": [...]}',
                 "preference": '{"input", "preferred_output", "non_preferred_output"}'}[wanted]
        training = "DPO" if method == "dpo" else "supervised"
        raise _invalid(f"The file '{file_id}' holds {record.format.replace('_', '/')} examples, but {training} "
                       f"training of {model.id} needs {shape} lines.", field)
    return file_id


def create_job(engine: Engine, body: dict[str, Any]) -> Job:
    """Validate a create request and store the new job (pending); the scheduler takes it from there."""
    model = _base_model(engine, body.get("model"))
    method, requested, beta = _method(body.get("method"), model, body.get("hyperparameters"))
    training = _check_file(engine, body.get("training_file"), "training_file", model, method)
    validation = body.get("validation_file")
    if validation is not None:
        validation = _check_file(engine, validation, "validation_file", model, method)
    hyperparameters = _hyperparameters(requested, model)
    suffix = body.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or not SUFFIX.match(suffix)):
        raise _invalid("'suffix' must be 1 to 40 characters from a-z, A-Z, 0-9, '_' and '-'.", "suffix")
    seed = body.get("seed")
    if seed is None:
        seed = random.randint(0, 2**31 - 1)
    elif not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31 - 1:
        raise _invalid("'seed' must be a whole number from 0 to 2147483647.", "seed")
    job_id = new_id("ftjob-")
    root = model.base or model
    planned = f"{root.id}.ft-{job_id.removeprefix('ftjob-')}" + (f"-{suffix}" if suffix else "")
    job = Job(
        id=job_id, created_at=int(time.time()), status="pending", model=model.id, base_name=model.name,
        base_version=model.version, training_file=training, validation_file=validation, requested=hyperparameters,
        suffix=suffix, seed=seed, planned_model=planned, queued_until=time.time() + engine.config.job_queue_seconds,
        method=method, beta=beta,
    )
    with engine.db.transaction():
        engine.jobs.save(job)
        engine.jobs.add_event(job.id, "Job enqueued. Waiting for jobs ahead to complete.")
    return job


@authoring
async def create(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    job = create_job(engine, await read_json_object(request))
    # The new job's URL in the style the request used (dated with its api-version, or v1).
    location = str(request.url.replace(path=f"{request.url.path.rstrip('/')}/{job.id}"))
    return json_response(job.as_api(), 201, {**headers, "location": location})


@authoring
async def list_jobs(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    jobs, more = engine.jobs.page(request.query_params.get("after"), page_limit(request, 20))
    return json_response({"object": "list", "data": [j.as_api() for j in jobs], "has_more": more}, headers=headers)


@authoring
async def get_job(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    return json_response(_job_or_404(engine, request.path_params["job_id"]).as_api(), headers=headers)


@authoring
async def cancel_job(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    job = _job_or_404(engine, request.path_params["job_id"])
    if job.status not in ACTIVE:
        raise errors.authoring(400, "unexpectedEntityState", f"The job '{job.id}' is already {job.status} and cannot "
                               "be cancelled.")
    lifecycle.cancel(engine, job)
    return json_response(job.as_api(), headers=headers)


@authoring
async def delete_job(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    job = _job_or_404(engine, request.path_params["job_id"])
    engine.jobs.delete(job.id)
    return Response(status_code=204, headers=headers)


@authoring
async def job_events(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    job = _job_or_404(engine, request.path_params["job_id"])
    data, more = engine.jobs.events(job.id, request.query_params.get("after"), page_limit(request, 20))
    return json_response({"object": "list", "data": data, "has_more": more}, headers=headers)


@authoring
async def job_checkpoints(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    job = _job_or_404(engine, request.path_params["job_id"])
    data, more = engine.jobs.checkpoints(job.id, request.query_params.get("after"), page_limit(request, 10))
    return json_response({"object": "list", "data": data, "has_more": more}, headers=headers)
