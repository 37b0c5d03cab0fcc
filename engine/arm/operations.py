"""ARM operation status and result endpoints, which the Azure-AsyncOperation and Location headers point at."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.arm.common import arm, iso, ok
from engine.arm.deployments import resource as deployment_resource
from engine.arm.lro import FAILED, IN_PROGRESS, Operation, retry_after
from engine.state import Engine


def status_resource(engine: Engine, op: Operation, now: float) -> dict[str, Any]:
    """The operation-status resource azure-core's pollers read: {id, name, status, startTime, endTime?, error?}."""
    state = op.status(now)
    body: dict[str, Any] = {"id": f"{engine.config.location_path}/operationStatuses/{op.id}", "name": op.id,
                            "status": state, "startTime": iso(op.start_time)}
    if state != IN_PROGRESS:
        body["endTime"] = iso(op.end_time)
    if state == FAILED and op.error:
        body["error"] = op.error
    return body


def _get(engine: Engine, op_id: str) -> Operation:
    op = engine.operations.get(op_id)
    if op is None:
        raise errors.arm(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
    return op


@arm
async def status(request: Request, engine: Engine) -> Response:
    op, now = _get(engine, request.path_params["operation"]), time.time()
    # While it runs, Retry-After tells pollers when to look again (azure-core waits 30 s without it).
    headers = {"Retry-After": retry_after(op, now)} if op.status(now) == IN_PROGRESS else None
    return ok(status_resource(engine, op, now), headers=headers)


@arm
async def result(request: Request, engine: Engine) -> Response:
    """202 while running; then the resource (200), nothing (204, after a delete) or the operation's error."""
    op, now = _get(engine, request.path_params["operation"]), time.time()
    state = op.status(now)
    if state == IN_PROGRESS:
        return Response(status_code=202, headers={"Location": str(request.url), "Retry-After": retry_after(op, now)})
    if state == FAILED:
        return ok({"error": op.error}, 400)
    kind, _, name = op.target.partition("/")
    deployment = engine.deployments.get(name) if kind == "deployments" and op.kind != "delete" else None
    return ok(deployment_resource(engine, deployment)) if deployment else Response(status_code=204)
