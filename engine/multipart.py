"""Streaming multipart/form-data: file parts go straight to disk, with a size limit checked as bytes arrive."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

MAX_FIELD_BYTES = 64 * 1024
HEAD_BYTES = 64


class FormError(ValueError):
    """The body is not a usable multipart form."""


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit


@dataclass
class Upload:
    field: str
    filename: str
    path: Path
    size: int = 0
    head: bytes = b""  # the first bytes, to recognise the format without reopening the file


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def discard(self) -> None:
        for upload in self.files.values():
            upload.path.unlink(missing_ok=True)


class _Collector:
    """The parser's callbacks: header bookkeeping, field values in memory, file bytes to a temp file."""

    def __init__(self, folder: Path, max_file_bytes: int, form: Form) -> None:
        self.folder, self.max_file_bytes, self.form = folder, max_file_bytes, form
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.value = bytearray()
        self.upload: Upload | None = None
        self.out: BinaryIO | None = None

    def on_part_begin(self) -> None:
        self.disposition, self.upload, self.out, self.value = b"", None, None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            replaced = self.form.files.get(name)
            if replaced is not None:  # a repeated file field: the last one wins, the earlier bytes go
                replaced.path.unlink(missing_ok=True)
            fd, path = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
            self.out = os.fdopen(fd, "wb")
            self.upload = Upload(name, options[b"filename"].decode("utf-8", "replace"), Path(path))
            self.form.files[name] = self.upload
        else:
            self.upload = None
            self._field_name = name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.upload is not None and self.out is not None:
            self.upload.size += len(chunk)
            if self.upload.size > self.max_file_bytes:
                raise TooLarge(self.max_file_bytes)
            if len(self.upload.head) < HEAD_BYTES:
                self.upload.head += chunk[: HEAD_BYTES - len(self.upload.head)]
            self.out.write(chunk)
        else:
            self.value += chunk
            if len(self.value) > MAX_FIELD_BYTES:
                raise FormError(f"a form field is over {MAX_FIELD_BYTES} bytes")

    def on_part_end(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None
        elif self.upload is None:
            self.form.fields[self._field_name] = self.value.decode("utf-8", "replace")

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


async def read_form(request: Request, folder: Path, max_file_bytes: int) -> Form:
    """Parse the request's form; the caller owns (and must discard or move) the uploaded temp files."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise FormError("the request must be multipart/form-data with a boundary")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_file_bytes + MAX_FIELD_BYTES * 4:
        raise TooLarge(max_file_bytes)  # refuse before reading a byte
    folder.mkdir(parents=True, exist_ok=True)
    form = Form()
    collector = _Collector(folder, max_file_bytes, form)
    callbacks = {name: getattr(collector, name) for name in (
        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished")}
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        try:
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        except FormParserError as e:
            raise FormError(f"the multipart body could not be parsed: {e}") from None
    except BaseException:
        collector.close()
        form.discard()
        raise
    return form
