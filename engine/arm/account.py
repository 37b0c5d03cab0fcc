"""ARM account-level reads: the account, its keys, the model catalog and quota usages (account and location)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from engine.arm.catalog import account_model, usages
from engine.arm.common import arm, ok
from engine.state import Engine


@arm
async def account(request: Request, engine: Engine) -> Response:
    cfg = engine.config
    endpoint = str(request.base_url)
    return ok({
        "id": cfg.account_path, "name": cfg.account_name, "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI", "location": cfg.location, "sku": {"name": "S0"},
        "properties": {"endpoint": endpoint, "endpoints": {"OpenAI Language Model Instance API": endpoint},
                       "provisioningState": "Succeeded", "customSubDomainName": cfg.account_name,
                       "publicNetworkAccess": "Enabled"},
        "tags": {"engine": "simulated"},
    })


@arm
async def list_keys(request: Request, engine: Engine) -> Response:
    return ok({"key1": engine.keys.api_key, "key2": engine.keys.api_key2 or engine.keys.api_key})


@arm
async def models(request: Request, engine: Engine) -> Response:
    return ok({"value": [account_model(m, engine) for m in engine.config.catalog.all()]})


@arm
async def account_usages(request: Request, engine: Engine) -> Response:
    return ok({"value": usages(engine)})


@arm
async def location_models(request: Request, engine: Engine) -> Response:
    value = [{"kind": "OpenAI", "skuName": "S0", "model": account_model(m, engine)}
             for m in engine.config.catalog.all() if m.base is None]
    return ok({"value": value})


@arm
async def location_usages(request: Request, engine: Engine) -> Response:
    return ok({"value": usages(engine)})
