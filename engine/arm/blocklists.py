"""ARM raiBlocklists and their raiBlocklistItems: custom term lists that a raiPolicy names in customBlocklists."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.arm.common import arm, etag, ok, read_body
from engine.arm.deployments import NAME
from engine.arm.lro import lro_headers
from engine.blocklists import Item, PatternError, compile_pattern, item_json
from engine.state import Engine

MAX_BATCH = 100


def _bad(message: str) -> errors.ApiError:
    return errors.arm(400, "InvalidResourceProperties", message)


def _path(engine: Engine, name: str) -> str:
    return f"{engine.config.account_path}/raiBlocklists/{name}"


def blocklist_resource(engine: Engine, name: str) -> dict[str, Any]:
    properties = {"description": engine.blocklists.description(name) or ""}
    return {"id": _path(engine, name), "name": name, "type": "Microsoft.CognitiveServices/accounts/raiBlocklists",
            "etag": etag(properties), "properties": properties}


def item_resource(engine: Engine, name: str, item: Item) -> dict[str, Any]:
    properties = item_json(item)
    return {"id": f"{_path(engine, name)}/raiBlocklistItems/{item.name}", "name": item.name,
            "type": "Microsoft.CognitiveServices/accounts/raiBlocklists/raiBlocklistItems",
            "etag": etag(properties), "properties": properties}


def _existing(engine: Engine, name: str) -> str:
    if not engine.blocklists.exists(name):
        raise errors.arm(404, "NotFound", f"The RAI blocklist '{name}' was not found.")
    return name


def _writable(engine: Engine, name: str) -> str:
    _existing(engine, name)
    if name in engine.blocklists.builtin:
        raise _bad(f"'{name}' is defined in the engine's config file and cannot be changed through ARM.")
    return name


def _valid_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise errors.arm(400, "InvalidResourceName", f"The {what} name {name!r} is invalid: use letters, digits, "
                         "'.', '_' and '-' (at most 64).")
    return name


def _item(raw: Any, where: str) -> Item:
    if not isinstance(raw, dict):
        raise _bad(f"{where} must be an object with properties.pattern and properties.isRegex.")
    properties = raw.get("properties")
    if not isinstance(properties, dict) or not isinstance(properties.get("pattern"), str):
        raise _bad(f"{where}.properties.pattern is required (a string).")
    is_regex = properties.get("isRegex", False)
    if not isinstance(is_regex, bool):
        raise _bad(f"{where}.properties.isRegex must be true or false.")
    try:
        compile_pattern(properties["pattern"], is_regex)
    except PatternError as e:
        raise _bad(f"{where}.properties.{e}") from None
    return Item(str(raw.get("name", "")), properties["pattern"], is_regex)


async def _json_array(request: Request) -> list[Any]:
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_BATCH:
        raise errors.arm(400, "InvalidRequestContent", f"The request content must be a JSON array of 1 to "
                         f"{MAX_BATCH} entries.")
    return data


def _deleted(request: Request, engine: Engine, target: str) -> Response:
    # Deletes are long-running on ARM (the SDK accepts only 202 or 204); this one is already done.
    op = engine.operations.start("delete", target, 0)
    return Response(status_code=202, headers=lro_headers(request, engine.config.location_path, op))


@arm
async def list_all(request: Request, engine: Engine) -> Response:
    names = [*engine.blocklists.builtin, *engine.blocklists.custom_names()]
    return ok({"value": [blocklist_resource(engine, n) for n in names]})


@arm
async def get(request: Request, engine: Engine) -> Response:
    return ok(blocklist_resource(engine, _existing(engine, request.path_params["name"])))


@arm
async def put(request: Request, engine: Engine) -> Response:
    name = _valid_name(request.path_params["name"], "blocklist")
    if name in engine.blocklists.builtin:
        raise _bad(f"'{name}' is defined in the engine's config file and cannot be changed through ARM.")
    properties = (await read_body(request)).get("properties") or {}
    description = properties.get("description", "") if isinstance(properties, dict) else None
    if not isinstance(description, str):
        raise _bad("properties.description must be a string.")
    created = engine.blocklists.put(name, description)
    return ok(blocklist_resource(engine, name), 201 if created else 200)


@arm
async def delete(request: Request, engine: Engine) -> Response:
    name = request.path_params["name"]
    if not engine.blocklists.exists(name):
        return Response(status_code=204)
    _writable(engine, name)
    users = [n for n, p, _ in engine.policies.all()
             if any(b.get("blocklistName") == name for b in p.get("customBlocklists") or ())]
    if users:
        raise errors.arm(409, "Conflict", f"The RAI blocklist '{name}' is used by policies {', '.join(users)}; "
                         "remove it from them first.")
    engine.blocklists.delete(name)
    return _deleted(request, engine, f"raiBlocklists/{name}")


@arm
async def list_items(request: Request, engine: Engine) -> Response:
    name = _existing(engine, request.path_params["name"])
    return ok({"value": [item_resource(engine, name, i) for i in engine.blocklists.items(name)]})


@arm
async def get_item(request: Request, engine: Engine) -> Response:
    name = _existing(engine, request.path_params["name"])
    item = engine.blocklists.item(name, request.path_params["item"])
    if item is None:
        raise errors.arm(404, "NotFound", f"The item '{request.path_params['item']}' of RAI blocklist '{name}' was "
                         "not found.")
    return ok(item_resource(engine, name, item))


@arm
async def put_item(request: Request, engine: Engine) -> Response:
    name = _writable(engine, request.path_params["name"])
    item_name = _valid_name(request.path_params["item"], "blocklist item")
    item = _item({**(await read_body(request)), "name": item_name}, "body")
    created = engine.blocklists.put_items(name, [item])[0]
    return ok(item_resource(engine, name, item), 201 if created else 200)


@arm
async def delete_item(request: Request, engine: Engine) -> Response:
    name = _writable(engine, request.path_params["name"])
    item = request.path_params["item"]
    if not engine.blocklists.delete_items(name, [item]):
        return Response(status_code=204)
    return _deleted(request, engine, f"raiBlocklists/{name}/raiBlocklistItems/{item}")


@arm
async def add_items(request: Request, engine: Engine) -> Response:
    """POST addRaiBlocklistItems: [{name, properties: {pattern, isRegex}}] → 200 with the blocklist."""
    name = _writable(engine, request.path_params["name"])
    raw = await _json_array(request)
    items = [_item(entry, f"[{i}]") for i, entry in enumerate(raw)]
    for i, item in enumerate(items):
        _valid_name(item.name, f"[{i}] item")
    engine.blocklists.put_items(name, items)
    return ok(blocklist_resource(engine, name))


@arm
async def delete_items(request: Request, engine: Engine) -> Response:
    """POST deleteRaiBlocklistItems: ["item", ...] → 204."""
    name = _writable(engine, request.path_params["name"])
    raw = await _json_array(request)
    if not all(isinstance(n, str) for n in raw):
        raise errors.arm(400, "InvalidRequestContent", "The request content must be a JSON array of item names.")
    engine.blocklists.delete_items(name, raw)
    return Response(status_code=204)
