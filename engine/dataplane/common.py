"""What every inference call goes through: api-version, key, deployment, faults, rate limit and common headers."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.auth import check_data_plane
from engine.backends.base import Backends
from engine.config import ModelSpec
from engine.contentfilter import Policy
from engine.deployments import Deployment
from engine.errors import ApiError
from engine.faults import HEADER, FaultError, Faults, parse_header
from engine.ratelimit import Decision
from engine.responses import error_response, json_response, read_json_object, request_ids
from engine.state import Engine

T = TypeVar("T")
log = logging.getLogger("engine")

# capability -> (what Azure's OperationNotSupported calls it, the operation name in 429 messages)
OPERATIONS = {
    "chat": ("chatCompletion", "ChatCompletions_Create"),
    "completions": ("completion", "Completions_Create"),
    "embeddings": ("embeddings", "Embeddings_Create"),
    "images": ("imageGenerations", "ImageGenerations_Create"),
    "transcription": ("audioTranscriptions", "Transcriptions_Create"),
    "translation": ("audioTranslations", "Translations_Create"),
    "speech": ("audioSpeech", "Speech_Create"),
}
FAULT_BODIES = {
    408: ("Timeout", "The operation was timeout."),
    500: ("InternalServerError", "The server had an error while processing your request. Sorry about that!"),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unable to process your request. Please try again later."),
    504: ("GatewayTimeout", "The gateway did not receive a response from the backend in time."),
}


V1_PREFIX = "/openai/v1/"
V1_VERSIONS = ("preview", "latest")  # what the v1 API takes in api-version, which it does not need


def is_v1(request: Request) -> bool:
    """Azure's next-generation API: no api-version, the deployment named in the body's `model`."""
    return request.url.path.startswith(V1_PREFIX)


def api_version(request: Request, supported: frozenset[str]) -> str:
    version = request.query_params.get("api-version")
    if is_v1(request):
        if version and version not in V1_VERSIONS:
            raise errors.unsupported_api_version(version)
        return "v1"
    if not version:
        raise errors.missing_api_version()
    if version not in supported:
        raise errors.unsupported_api_version(version)
    return version


def _retry_headers(seconds: float) -> dict[str, str]:
    return {"retry-after": str(max(1, math.ceil(seconds))), "retry-after-ms": str(max(1, math.ceil(seconds * 1000)))}


def throttled(operation: str, version: str, seconds: float, limit: str, extra: dict[str, str]) -> ApiError:
    wait = max(1, math.ceil(seconds))
    message = (f"Requests to the {operation} Operation under Azure OpenAI API version {version} have exceeded "
               f"{limit} rate limit of your current OpenAI S0 pricing tier. Please retry after {wait} seconds. "
               "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default "
               "rate limit.")
    return ApiError(429, {"error": {"code": "429", "message": message}}, {**extra, **_retry_headers(seconds)})


@dataclass
class Call:
    """One inference request after the checks every operation shares."""

    engine: Engine
    request: Request
    deployment: Deployment
    faults: Faults
    version: str
    operation: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def model(self) -> ModelSpec:
        return self.deployment.model

    @property
    def backends(self) -> Backends:
        return self.engine.backend(self.deployment.model.backend)

    @property
    def policy(self) -> Policy:
        policy = self.engine.policies.get(self.deployment.rai_policy)
        if policy is None:  # a policy deleted under a deployment: fall back to the default, never to no filter
            policy = self.engine.policies.get(self.engine.config.content_filter.get("default_policy", ""))
        assert policy is not None, "the default content-filter policy is missing from the config"
        return policy

    @property
    def tokens_per_second(self) -> float:
        """0 means unlimited. The fault header wins over the deployment, which wins over the engine default."""
        if self.faults.tokens_per_second:
            return self.faults.tokens_per_second
        configured = self.deployment.settings.tokens_per_second
        return self.engine.config.tokens_per_second if configured is None else configured

    @property
    def pace(self) -> float:
        """Tokens per second the engine spaces an answer at: only for backends that ask for it (simulated)."""
        return self.tokens_per_second if self.backends.paced_by_engine else 0.0

    async def until_disconnect(self, work: Awaitable[T]) -> T:
        """Await `work`, cancelling it (and so the backend's generation) if the client goes away first."""
        if self.backends.paced_by_engine:
            return await work  # answers at once: nothing to stop
        task = asyncio.ensure_future(work)

        async def watch() -> None:
            while (await self.request.receive())["type"] != "http.disconnect":
                pass
            task.cancel()

        watcher = asyncio.create_task(watch())
        try:
            return await task
        except asyncio.CancelledError:
            if watcher.done() and not watcher.cancelled():  # the client left; nobody reads this answer
                raise errors.ApiError(499, {"error": {"code": "ClientClosedRequest",
                                                      "message": "The client closed the request."}}) from None
            raise
        finally:
            watcher.cancel()
            if not task.done():
                task.cancel()

    def charge(self, tokens: int) -> None:
        """Count the request and its estimated tokens against the deployment's limits, or answer 429."""
        deployment = self.deployment
        if not (self.engine.config.rate_limits and deployment.settings.rate_limit):
            rpm, tpm = self.engine.limiter.limits(deployment.capacity)
            decision = Decision(True, rpm, tpm)
        else:
            decision = self.engine.limiter.charge(deployment.name, deployment.capacity, tokens)
        self.headers["x-ratelimit-remaining-requests"] = str(decision.remaining_requests)
        self.headers["x-ratelimit-remaining-tokens"] = str(decision.remaining_tokens)
        if not decision.allowed:
            if math.isinf(decision.retry_after):
                raise throttled(self.operation, self.version, 60, "token", {})
            raise throttled(self.operation, self.version, decision.retry_after, decision.limit, {})

    async def wait_for_generation(self, tokens: int) -> None:
        """A non-streamed answer takes as long as its stream would: time to first token plus tokens at the pace."""
        rate = self.pace
        delay = (self.faults.ttft_ms or 0) / 1000 + (tokens / rate if rate else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)

    def json(self, payload: object, status: int = 200) -> Response:
        return json_response(payload, status, self.headers)


def internal_error() -> ApiError:
    code, message = FAULT_BODIES[500]
    return ApiError(500, {"error": {"code": code, "message": message}})


def _injected(call: Call) -> ApiError:
    status = call.faults.status or 500
    headers = {"x-engine-fault": f"status={status}"}
    if status == 429:
        return throttled(call.operation, call.version, call.faults.retry_after or 1, "call", headers)
    if call.faults.retry_after is not None:
        headers["retry-after"] = str(call.faults.retry_after)
        headers["retry-after-ms"] = str(call.faults.retry_after * 1000)
    code, message = FAULT_BODIES[status]
    return ApiError(status, {"error": {"code": code, "message": message}}, headers)


async def _deployment_name(request: Request) -> str:
    if not is_v1(request):
        return request.path_params["deployment"]
    name = (await read_json_object(request)).get("model")
    if name is None:
        raise errors.invalid_request("you must provide a model parameter", param="model", code=None)
    if not isinstance(name, str):
        raise errors.invalid_request(f"{json.dumps(name)} is not of type 'string' - 'model'", param="model")
    return name


async def open_call(request: Request, capability: str, headers: dict[str, str]) -> Call:
    engine: Engine = request.app.state.engine
    version = api_version(request, engine.config.data_plane_versions)
    check_data_plane(request, engine.keys)
    deployment = engine.deployments.ready(await _deployment_name(request))
    if deployment is None:
        raise errors.deployment_not_found()
    needed = "transcription" if capability == "translation" else capability
    label, operation = OPERATIONS[capability]
    if not deployment.model.can(needed):
        raise errors.operation_not_supported(label, deployment.model.name)
    faults = deployment.faults.over(engine.default_faults)
    header = request.headers.get(HEADER)
    if header:
        try:
            faults = parse_header(header).over(faults)
        except FaultError as e:
            raise errors.invalid_request(f"{HEADER}: {e}", param=e.key, code="InvalidFaultHeader") from None
    call = Call(engine, request, deployment, faults, version, operation, headers)
    headers["x-engine-backend"] = call.backends.name
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if engine.dice.hits(deployment.name, faults):
        raise _injected(call)
    return call


Handler = Callable[[Call], Awaitable[Response]]


def inference(capability: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap an operation: the handler gets a checked Call; any ApiError becomes Azure's error body, and anything
    else (a model backend that failed) Azure's 500 body, logged, never a plain-text page."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            headers = request_ids()
            try:
                call = await open_call(request, capability, headers)
                return await handler(call)
            except ApiError as e:
                return error_response(e, headers)
            except Exception:
                log.exception("%s failed (request %s)", capability, headers["apim-request-id"])
                return error_response(internal_error(), headers)

        return endpoint

    return decorate


def now() -> int:
    return int(time.time())
