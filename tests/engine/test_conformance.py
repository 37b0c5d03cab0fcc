"""Schemathesis drives the engine with the Azure inference spec (tests/engine/specs/inference.yaml), dated and v1.

Calls generated from the spec, valid (positive) and invalid (negative), go to the session engine over HTTP; each answer
is checked for server errors, documented status codes, content types, the response schemas, and (negative calls)
that invalid input is refused with a 4xx. Where the engine differs from the spec on purpose, ALLOWED_DIFFERENCES
patches the spec and says why; nothing else is tolerated. A fixed seed and few examples per operation keep this in
`make test`; `make conformance` runs it with ENGINE_CONFORMANCE_EXAMPLES raised.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

SPEC = Path(__file__).with_name("specs") / "inference.yaml"
EXAMPLES = int(os.environ.get("ENGINE_CONFORMANCE_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
RUN = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))


def _allow(spec: dict[str, Any]) -> dict[str, Any]:
    """ALLOWED_DIFFERENCES: the engine's deliberate departures from the spec, each with its reason."""
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    error = schemas["errorResponse"]["properties"]["error"]["properties"]
    # 1. Validation errors carry "code": null, "param": null and the content-filter error "type": null, exactly as
    #    Azure's wire does (the spec types them as strings).
    for name in ("code", "param", "type"):
        error[name]["nullable"] = True
    # 2. A chat or completions call with "stream": true answers text/event-stream, as Azure does; the spec lists
    #    only application/json for the 200.
    for path in ("/deployments/{deployment-id}/chat/completions", "/deployments/{deployment-id}/completions"):
        spec["paths"][path]["post"]["responses"]["200"]["content"]["text/event-stream"] = {
            "schema": {"type": "string"}}
    # 3. Embeddings take token-id arrays too (OpenAI's and Azure's service accept them; the spec lists strings only),
    #    and answer base64 as one string when encoding_format is base64.
    embeddings = spec["paths"]["/deployments/{deployment-id}/embeddings"]["post"]
    embeddings["requestBody"]["content"]["application/json"]["schema"]["properties"]["input"]["oneOf"] += [
        {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0, "maximum": 100255}},
        {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1,
                                                   "items": {"type": "integer", "minimum": 0, "maximum": 100255}}}]
    item = embeddings["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]["items"]
    item["properties"]["embedding"] = {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}]}
    # 4. Completions take token-id prompts the same way.
    schemas["createCompletionRequest"]["properties"]["prompt"]["oneOf"] += [
        {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0, "maximum": 100255}}]
    # 5. null for an optional top-level parameter means "not given", as the services treat it (the spec marks a few,
    #    such as `user`, not nullable).
    for body in _request_bodies(spec):
        for name, field in body["properties"].items():
            if name not in body.get("required", ()):
                field["nullable"] = True
    return spec


def _request_bodies(spec: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = []
    for item in spec["paths"].values():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        if "$ref" in body:
            body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
        bodies.append(body)
    return bodies


def _v1(spec: dict[str, Any]) -> dict[str, Any]:
    """The same operations on Azure's v1 API: no api-version, the deployment named in the body's `model`."""
    spec = copy.deepcopy(spec)
    paths = {}
    for path, item in spec["paths"].items():
        if "/images/" in path:
            continue  # DALL-E is not part of the v1 API
        operation = item["post"]
        deployment = next(p for p in operation["parameters"] if p.get("name") == "deployment-id")["schema"]["enum"]
        operation["parameters"] = []
        operation["operationId"] += "_v1"
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        if "$ref" in body:
            body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
            body = operation["requestBody"]["content"]["application/json"]["schema"] = copy.deepcopy(body)
        body["properties"]["model"] = {"type": "string", "enum": deployment}
        body["required"] = [*body["required"], "model"]
        paths[path.replace("/deployments/{deployment-id}", "")] = item
    spec["paths"] = paths
    return spec


AZURE = _allow(yaml.safe_load(SPEC.read_text()))
SCHEMAS = {"dated": (schemathesis.openapi.from_dict(AZURE), "/openai"),
           "v1": (schemathesis.openapi.from_dict(_v1(AZURE)), "/openai/v1")}
OPERATIONS = [(style, result.ok().label) for style, (schema, _) in SCHEMAS.items()
              for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("style", "label"), OPERATIONS, ids=[f"{s}:{label}" for s, label in OPERATIONS])
def test_engine_conforms_to_the_azure_spec(fuzz_engine, style, label, mode):
    schema, prefix = SCHEMAS[style]
    operation = schema.find_operation_by_label(label)
    headers = {"api-key": fuzz_engine.api_key}  # generated calls must reach the handlers, not stop at the 401

    @RUN
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=fuzz_engine.url + prefix, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
