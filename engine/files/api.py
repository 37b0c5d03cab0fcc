"""HTTP handlers of /openai/files."""

from __future__ import annotations

import time
from pathlib import PurePath

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from engine import errors
from engine.authoring import authoring, page_limit
from engine.files.store import USER_PURPOSES, FileRecord
from engine.multipart import FormError, TooLarge, read_form
from engine.responses import json_response
from engine.state import Engine


def _file_or_404(engine: Engine, file_id: str) -> FileRecord:
    record = engine.files.get(file_id)
    if record is None:
        raise errors.authoring(404, "notFound", f"File with id '{file_id}' not found.")
    return record


@authoring
async def upload(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    limit = engine.config.max_upload_bytes
    try:
        form = await read_form(request, engine.settings.data_dir / "files" / "incoming", limit)
    except TooLarge:
        raise errors.authoring(413, "invalidPayload", f"The file is larger than the {limit} bytes allowed.",
                               "file") from None
    except FormError as e:
        raise errors.authoring(400, "invalidPayload", str(e), "file") from None
    try:
        purpose = form.fields.get("purpose")
        if purpose not in USER_PURPOSES:
            raise errors.authoring(400, "invalidPayload", f"The purpose {purpose!r} is not valid: use one of "
                                   f"{', '.join(USER_PURPOSES)}.", "purpose")
        upload = form.files.get("file")
        if upload is None:
            raise errors.authoring(400, "invalidPayload", "The 'file' part is missing.", "file")
        if purpose == "fine-tune" and PurePath(upload.filename).suffix.lower() != ".jsonl":
            raise errors.authoring(400, "invalidPayload", "Fine-tune files must be JSON Lines with a .jsonl name, got "
                                   f"{upload.filename!r}.", "file")
        # Fine-tune files go through validation (pending -> processed or error); others are ready at once.
        process_at = time.time() + engine.config.file_processing_seconds if purpose == "fine-tune" else None
        record = engine.files.add(upload.path, PurePath(upload.filename).name, purpose, upload.size, process_at)
    finally:
        form.discard()
    # The new file's URL in the style the request used (dated with its api-version, or v1).
    location = str(request.url.replace(path=f"{request.url.path.rstrip('/')}/{record.id}"))
    return json_response(record.as_api(), 201, {**headers, "location": location})


@authoring
async def list_files(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    # Azure's list has no paging fields, but openai-python v3 pages files with after/has_more like OpenAI does.
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise errors.authoring(400, "invalidPayload", "order must be 'asc' or 'desc'.", "order")
    records, more = engine.files.page(request.query_params.get("purpose"), request.query_params.get("after"),
                                      page_limit(request, 10000, 10000), order == "desc")
    data = [r.as_api() for r in records]
    return json_response({"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                          "last_id": data[-1]["id"] if data else None, "has_more": more}, headers=headers)


@authoring
async def get_file(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    return json_response(_file_or_404(engine, request.path_params["file_id"]).as_api(), headers=headers)


@authoring
async def delete_file(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    record = _file_or_404(engine, request.path_params["file_id"])
    engine.files.delete(record.id)
    return json_response({"object": "file", "id": record.id, "deleted": True}, headers=headers)


@authoring
async def file_content(request: Request, engine: Engine, headers: dict[str, str]) -> Response:
    record = _file_or_404(engine, request.path_params["file_id"])
    if not record.path.exists():
        raise errors.authoring(404, "notFound", f"The content of file '{record.id}' is gone.")
    return FileResponse(record.path, media_type="application/octet-stream", headers=headers,
                        filename=record.filename)
