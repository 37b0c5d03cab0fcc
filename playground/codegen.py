"""View code: the exact request as Python (openai SDK), curl and JavaScript, with the key left out.

The key is never written into a sample: it is named as an environment variable (AZURE_OPENAI_API_KEY, or
OPENAI_API_KEY for OpenAI-compatible endpoints), and Entra ID resources get a token provider instead.
Works for every JSON operation (chat/completions, completions, embeddings, images/generations, audio/speech);
multipart audio uploads pass `files` (name -> field) and are written as file uploads.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

SDK_METHOD = {
    "chat/completions": "chat.completions.create",
    "completions": "completions.create",
    "embeddings": "embeddings.create",
    "images/generations": "images.generate",
    "audio/speech": "audio.speech.create",
    "audio/transcriptions": "audio.transcriptions.create",
    "audio/translations": "audio.translations.create",
}
JS_METHOD = SDK_METHOD  # the openai npm package mirrors the Python SDK's names


@dataclass(frozen=True)
class CodeSamples:
    python: str
    curl: str
    javascript: str

    def as_json(self) -> dict[str, str]:
        return {"python": self.python, "curl": self.curl, "javascript": self.javascript}


def _style(resource) -> str:
    if resource.kind == "openai_compatible":
        return "compatible"
    return "v1" if resource.api_style == "v1" else "dated"


def _key_variable(resource) -> str:
    return "OPENAI_API_KEY" if resource.kind == "openai_compatible" else "AZURE_OPENAI_API_KEY"


def _py_value(value: Any, indent: int) -> str:
    text = json.dumps(value, indent=4, ensure_ascii=False)
    text = text.replace(": true", ": True").replace(": false", ": False").replace(": null", ": None")
    if text in ("true", "false", "null"):
        text = {"true": "True", "false": "False", "null": "None"}[text]
    return text.replace("\n", "\n" + " " * indent)


def _url(resource, deployment_name: str, operation: str) -> str:
    endpoint = resource.endpoint.rstrip("/")
    style = _style(resource)
    if style == "compatible":
        return f"{endpoint}/{operation}"
    if style == "v1":
        return f"{endpoint}/openai/v1/{operation}"
    return f"{endpoint}/openai/deployments/{deployment_name}/{operation}?api-version={resource.api_version}"


def _python(resource, deployment_name: str, operation: str, body: dict, files: dict[str, str]) -> str:
    style = _style(resource)
    entra = style != "compatible" and resource.uses_entra_for_data_plane
    endpoint = resource.endpoint.rstrip("/")
    lines = ["import os", ""]
    if entra:
        lines[0:0] = ["from azure.identity import DefaultAzureCredential, get_bearer_token_provider"]
    if style == "dated":
        lines.append("from openai import AzureOpenAI")
        lines.append("")
        if entra:
            lines += ["token_provider = get_bearer_token_provider(",
                      '    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"', ")",
                      "client = AzureOpenAI(", f'    azure_endpoint="{endpoint}",',
                      f'    api_version="{resource.api_version}",', "    azure_ad_token_provider=token_provider,", ")"]
        else:
            lines += ["client = AzureOpenAI(", f'    azure_endpoint="{endpoint}",',
                      f'    api_version="{resource.api_version}",',
                      f'    api_key=os.environ["{_key_variable(resource)}"],', ")"]
    else:
        base = f"{endpoint}/openai/v1/" if style == "v1" else f"{endpoint}/"
        lines += ["from openai import OpenAI", ""]
        if entra:
            lines += ["token_provider = get_bearer_token_provider(",
                      '    DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"', ")"]
        key = "token_provider" if entra else f'os.environ["{_key_variable(resource)}"]'
        lines += ["client = OpenAI(", f'    base_url="{base}",', f"    api_key={key},", ")"]
    lines.append("")
    arguments = [f'    model="{deployment_name}",  # the deployment name']
    for name, value in body.items():
        if name == "model":
            continue
        arguments.append(f"    {name}={_py_value(value, 4)},")
    for field, filename in files.items():
        arguments.append(f'    {field}=open("{filename}", "rb"),')
    streaming = bool(body.get("stream"))
    lines.append(f"{'stream' if streaming else 'response'} = client.{SDK_METHOD[operation]}(")
    lines += arguments
    lines.append(")")
    if streaming:
        lines += ["for chunk in stream:", "    print(chunk)"]
    elif operation == "audio/speech":
        lines.append('response.write_to_file("speech.mp3")')
    else:
        lines.append("print(response.model_dump_json(indent=2))")
    return "\n".join(lines) + "\n"


def _curl(resource, deployment_name: str, operation: str, body: dict, files: dict[str, str]) -> str:
    style = _style(resource)
    entra = style != "compatible" and resource.uses_entra_for_data_plane
    if entra:
        auth = '-H "Authorization: Bearer $(az account get-access-token --resource ' \
               'https://cognitiveservices.azure.com --query accessToken -o tsv)"'
    elif style == "dated":
        auth = f'-H "api-key: ${_key_variable(resource)}"'
    else:
        auth = f'-H "Authorization: Bearer ${_key_variable(resource)}"'
    payload = dict(body)
    if style != "dated":
        payload = {"model": deployment_name, **{k: v for k, v in body.items() if k != "model"}}
    lines = [f"curl {shlex.quote(_url(resource, deployment_name, operation))} \\", f"  {auth} \\"]
    if files:
        for name, value in payload.items():
            text = value if isinstance(value, str) else json.dumps(value)
            lines.append(f"  -F {shlex.quote(f'{name}={text}')} \\")
        for field, filename in files.items():
            lines.append(f"  -F {shlex.quote(f'{field}=@{filename}')} \\")
        lines[-1] = lines[-1].removesuffix(" \\")
    else:
        lines.append('  -H "Content-Type: application/json" \\')
        lines.append(f"  -d {shlex.quote(json.dumps(payload, indent=2, ensure_ascii=False))}")
    if body.get("stream"):
        lines[0] = lines[0].replace("curl ", "curl -N ", 1)
    if operation == "audio/speech":
        lines[-1] += " \\"
        lines.append("  --output speech.mp3")
    return "\n".join(lines) + "\n"


def _javascript(resource, deployment_name: str, operation: str, body: dict, files: dict[str, str]) -> str:
    style = _style(resource)
    entra = style != "compatible" and resource.uses_entra_for_data_plane
    endpoint = resource.endpoint.rstrip("/")
    lines = []
    if style == "dated":
        lines.append('import { AzureOpenAI } from "openai";')
        if entra:
            lines += ['import { DefaultAzureCredential, getBearerTokenProvider } from "@azure/identity";', "",
                      "const azureADTokenProvider = getBearerTokenProvider(",
                      '  new DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default");',
                      "const client = new AzureOpenAI({", f'  endpoint: "{endpoint}",',
                      f'  apiVersion: "{resource.api_version}",', "  azureADTokenProvider,", "});"]
        else:
            lines += ["", "const client = new AzureOpenAI({", f'  endpoint: "{endpoint}",',
                      f'  apiVersion: "{resource.api_version}",',
                      f"  apiKey: process.env.{_key_variable(resource)},", "});"]
    else:
        base = f"{endpoint}/openai/v1/" if style == "v1" else f"{endpoint}/"
        lines.append('import OpenAI from "openai";')
        if files:
            lines.append('import fs from "node:fs";')
        if entra:
            lines += ['import { DefaultAzureCredential, getBearerTokenProvider } from "@azure/identity";', "",
                      "const tokenProvider = getBearerTokenProvider(",
                      '  new DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default");',
                      f'const client = new OpenAI({{ baseURL: "{base}", apiKey: await tokenProvider() }});']
        else:
            lines += ["", f'const client = new OpenAI({{ baseURL: "{base}", apiKey: process.env.'
                          f'{_key_variable(resource)} }});']
    if files and style == "dated":
        lines.insert(1, 'import fs from "node:fs";')
    arguments = {"model": deployment_name, **{k: v for k, v in body.items() if k != "model"}}
    text = json.dumps(arguments, indent=2, ensure_ascii=False)
    for field, filename in files.items():
        text = text[:-2] + f',\n  "{field}": fs.createReadStream("{filename}")\n}}'
    lines += ["", f"const {'stream' if body.get('stream') else 'response'} = await client."
                  f"{JS_METHOD[operation]}({text});"]
    if body.get("stream"):
        lines += ["for await (const chunk of stream) {", "  console.log(JSON.stringify(chunk));", "}"]
    elif operation == "audio/speech":
        lines.append('fs.writeFileSync("speech.mp3", Buffer.from(await response.arrayBuffer()));')
    else:
        lines.append("console.log(JSON.stringify(response, null, 2));")
    return "\n".join(lines) + "\n"


def code_samples(deployment, operation: str, body: dict[str, Any], *,
                 files: dict[str, str] | None = None) -> CodeSamples:
    """The three samples for one request to the deployment (`files`: multipart field -> local file name)."""
    if operation not in SDK_METHOD:
        raise ValueError(f"no code samples for {operation!r}")
    resource = deployment.resource
    files = files or {}
    return CodeSamples(
        python=_python(resource, deployment.name, operation, body, files),
        curl=_curl(resource, deployment.name, operation, body, files),
        javascript=_javascript(resource, deployment.name, operation, body, files),
    )
