"""Request bodies streamed straight to a sink with a byte limit, never buffered whole.

Both forms are taken: ``multipart/form-data`` (the first file part, as browsers' FormData sends it)
and a raw body (``Content-Type: video/mp4``, ``image/jpeg``, ...). The limit holds for chunked
bodies too: counting stops the read at the first byte over it, and it counts every byte of a
multipart body (any part, not only the file's) plus a little room for its boundaries and headers.
"""

from __future__ import annotations

from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

# room for a multipart body's boundaries and part headers beyond the file's own bytes
MULTIPART_SLACK = 64 * 1024


class TooLarge(Exception):
    pass


class BadUpload(ValueError):
    pass


async def receive_file(request: Request, sink: BinaryIO, limit: int) -> str | None:
    """Write the uploaded file's bytes into ``sink``; return the client's file name (display only).

    Raises :class:`TooLarge` past ``limit`` bytes of file content, :class:`BadUpload` when a
    multipart body carries no file.
    """
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        raise TooLarge()
    out = _LimitedSink(sink, limit)
    if ctype != b"multipart/form-data":
        await _feed(request, out.write)
        if out.written == 0:
            raise BadUpload("empty body: send the file as multipart/form-data (field 'file') or as the raw body")
        return None
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadUpload("multipart body without a boundary")
    part = _FirstFilePart(out)
    try:
        # every byte of the body counts, not only the file's: other parts could be any size
        await _feed(request, MultipartParser(boundary, part.callbacks()).write, limit + MULTIPART_SLACK)
    except (TooLarge, OSError, BadUpload):
        raise
    except Exception as exc:  # noqa: BLE001 - the parser's errors are the body's fault
        raise BadUpload(f"malformed multipart body ({type(exc).__name__})") from None
    if not part.found:
        raise BadUpload("no file in the form: send it in a field named 'file'")
    if not part.done:
        raise BadUpload("the multipart body ended inside the file")
    if out.written == 0:
        raise BadUpload("the file is empty")
    return part.filename


async def _feed(request: Request, write, limit: int | None = None) -> None:
    """Every chunk of the body into ``write``, stopping (:class:`TooLarge`) past ``limit`` bytes of
    body; a body cut off by the client is a :class:`BadUpload`."""
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if limit is not None and seen > limit:
                raise TooLarge()
            if chunk:
                write(chunk)
    except ClientDisconnect:
        raise BadUpload("the upload was cut off") from None


class _LimitedSink:
    """Counts what it passes on and stops (:class:`TooLarge`) at the first byte over ``limit``."""

    def __init__(self, sink: BinaryIO, limit: int):
        self.sink, self.limit, self.written = sink, limit, 0

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.limit:
            raise TooLarge()
        self.sink.write(chunk)


class _FirstFilePart:
    """The callbacks of python-multipart's streaming parser: the first part with a file name goes to
    the sink; every other part is skipped."""

    def __init__(self, out: _LimitedSink):
        self.out = out
        self.field, self.value, self.headers = b"", b"", {}
        self.in_file = self.found = self.done = False
        self.filename: str | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.in_file = {}, False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    def headers_finished(self) -> None:
        _, opts = parse_options_header(self.headers.get(b"content-disposition", b""))
        if not self.found and b"filename" in opts:
            self.in_file = self.found = True
            self.filename = opts[b"filename"].decode("utf-8", "replace")[:255]

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.out.write(data[start:end])

    def part_end(self) -> None:
        if self.in_file:
            self.in_file, self.done = False, True
