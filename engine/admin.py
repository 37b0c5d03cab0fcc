"""Engine-only endpoints: health, served images, and the admin API (per-deployment faults and settings, Entra
ID tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.auth import check_arm
from engine.dataplane.sse import STREAMS
from engine.deployments import Deployment, DeploymentSettings
from engine.entra import DATA_PLANE, TokenError, make_token
from engine.errors import ApiError
from engine.faults import NONE, FaultError, from_json
from engine.responses import error_response, json_response, read_json_object
from engine.state import Engine

Handler = Callable[[Request, Engine, Deployment], Awaitable[Response]]


async def health(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    # The backends the deployments answer with, by the names the backends give themselves.
    names = sorted({engine.backend(d.model.backend).name for d in engine.deployments.all()})
    return json_response({"status": "ok", "backend": ", ".join(names) or "none", "backends": names,
                          "deployments": len(engine.deployments.all()), "streams": STREAMS.as_dict(),
                          **engine.backend_status.as_dict()})


async def image(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    data = engine.images.read(request.path_params["image_id"])
    if data is None:
        return json_response({"error": {"code": "NotFound", "message": "This image link has expired or never "
                                        "existed."}}, 404)
    return Response(data, media_type="image/png", headers={"cache-control": "private, max-age=86400"})


def admin(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """ARM-token auth and the deployment named in the path."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            engine: Engine = request.app.state.engine
            check_arm(request, engine.keys, entra=False)
            deployment = engine.deployments.get(request.path_params["deployment"])
            if deployment is None:
                raise errors.arm(404, "DeploymentNotFound", f"No deployment named "
                                 f"'{request.path_params['deployment']}'.")
            return await handler(request, engine, deployment)
        except ApiError as e:
            return error_response(e)

    return endpoint


def _faults_body(deployment: Deployment) -> dict[str, object]:
    return {"deployment": deployment.name, "faults": deployment.faults.as_dict()}


@admin
async def get_faults(request: Request, engine: Engine, deployment: Deployment) -> Response:
    return json_response(_faults_body(deployment))


@admin
async def put_faults(request: Request, engine: Engine, deployment: Deployment) -> Response:
    try:
        faults = from_json(await read_json_object(request))
    except FaultError as e:
        raise errors.arm(400, "InvalidFault", str(e)) from None
    engine.dice.reset(deployment.name)  # a new fault_seed sequence starts from its beginning
    return json_response(_faults_body(engine.deployments.update_engine(deployment.name, faults=faults)))


@admin
async def delete_faults(request: Request, engine: Engine, deployment: Deployment) -> Response:
    engine.dice.reset(deployment.name)
    return json_response(_faults_body(engine.deployments.update_engine(deployment.name, faults=NONE)))


@admin
async def get_settings(request: Request, engine: Engine, deployment: Deployment) -> Response:
    return json_response({"deployment": deployment.name, "settings": deployment.settings.as_dict()})


@admin
async def put_settings(request: Request, engine: Engine, deployment: Deployment) -> Response:
    body = await read_json_object(request)
    unknown = set(body) - {"tokens_per_second", "rate_limit"}
    if unknown:
        raise errors.arm(400, "InvalidSetting", f"Unknown setting {sorted(unknown)[0]!r}; known: tokens_per_second, "
                         "rate_limit.")
    tps = body.get("tokens_per_second", deployment.settings.tokens_per_second)
    if tps is not None and (isinstance(tps, bool) or not isinstance(tps, int | float) or tps < 0):
        raise errors.arm(400, "InvalidSetting", "tokens_per_second must be a number of 0 or more (0: unlimited), or "
                         "null for the engine default.")
    rate_limit = body.get("rate_limit", deployment.settings.rate_limit)
    if not isinstance(rate_limit, bool):
        raise errors.arm(400, "InvalidSetting", "rate_limit must be true or false.")
    settings = DeploymentSettings(tokens_per_second=tps, rate_limit=rate_limit)
    engine.limiter.forget(deployment.name)
    updated = engine.deployments.update_engine(deployment.name, settings=settings)
    return json_response({"deployment": updated.name, "settings": updated.settings.as_dict()})


def admin_only(handler: Callable[[Request, Engine], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The engine's own ARM token, for admin endpoints that name no deployment."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            engine: Engine = request.app.state.engine
            check_arm(request, engine.keys, entra=False)
            return await handler(request, engine)
        except ApiError as e:
            return error_response(e)

    return endpoint


@admin_only
async def list_tokens(request: Request, engine: Engine) -> Response:
    return json_response({"tokens": [t.public() for t in engine.entra.all()]})


@admin_only
async def add_token(request: Request, engine: Engine) -> Response:
    """Register an Entra ID token: {"token", "audience": "data"|"arm", "roles": [...], "principal"?, "expires_on"?}."""
    body = await read_json_object(request)
    unknown = set(body) - {"token", "audience", "roles", "principal", "expires_on"}
    if unknown:
        raise errors.arm(400, "InvalidToken", f"Unknown field {sorted(unknown)[0]!r}; known: token, audience, roles, "
                         "principal, expires_on.")
    try:
        token = make_token(body.get("token"), body.get("audience", DATA_PLANE), {
            k: body[k] for k in ("roles", "principal", "expires_on") if k in body})
    except TokenError as e:
        raise errors.arm(400, "InvalidToken", str(e)) from None
    created = engine.entra.get(token.token) is None
    engine.entra.add(token)
    return json_response(token.public(), 201 if created else 200)


@admin_only
async def remove_token(request: Request, engine: Engine) -> Response:
    """DELETE with {"token": ...} in the body, so the secret never sits in a URL or an access log."""
    token = (await read_json_object(request)).get("token")
    if not isinstance(token, str) or not engine.entra.remove(token):
        raise errors.arm(404, "NotFound", "No registered token matches.")
    return Response(status_code=204)
