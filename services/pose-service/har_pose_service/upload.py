"""Request bodies streamed straight to a sink with a byte limit, never buffered whole.

Both forms are taken: ``multipart/form-data`` (the first file part, as browsers' FormData sends it)
and a raw body (``Content-Type: video/mp4``, ``image/jpeg``, ...). The limit holds for chunked
bodies too: counting stops the read at the first byte over it.
"""

from __future__ import annotations

from typing import BinaryIO

from starlette.requests import ClientDisconnect, Request

from python_multipart.multipart import MultipartParser, parse_options_header


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
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise TooLarge()
    written = 0

    def write(chunk: bytes) -> None:
        nonlocal written
        written += len(chunk)
        if written > limit:
            raise TooLarge()
        sink.write(chunk)

    if ctype != b"multipart/form-data":
        try:
            async for chunk in request.stream():
                if chunk:
                    write(chunk)
        except ClientDisconnect:
            raise BadUpload("the upload was cut off") from None
        if written == 0:
            raise BadUpload("empty body: send the file as multipart/form-data (field 'file') or as the raw body")
        return None

    boundary = params.get(b"boundary")
    if not boundary:
        raise BadUpload("multipart body without a boundary")
    state = {"field": b"", "value": b"", "headers": {}, "in_file": False, "done": False,
             "filename": None, "found": False}

    def on_part_begin():
        state["headers"] = {}
        state["in_file"] = False

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished():
        disp, opts = parse_options_header(state["headers"].get(b"content-disposition", b""))
        if not state["found"] and b"filename" in opts:
            state["in_file"] = state["found"] = True
            state["filename"] = opts[b"filename"].decode("utf-8", "replace")[:255]

    def on_part_data(data, start, end):
        if state["in_file"]:
            write(data[start:end])

    def on_part_end():
        if state["in_file"]:
            state["in_file"] = False
            state["done"] = True

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
    except ClientDisconnect:
        raise BadUpload("the upload was cut off") from None
    except (TooLarge, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - the parser's errors are the body's fault
        raise BadUpload(f"malformed multipart body ({type(exc).__name__})") from None
    if not state["found"]:
        raise BadUpload("no file in the form: send it in a field named 'file'")
    if not state["done"]:
        raise BadUpload("the multipart body ended inside the file")
    if written == 0:
        raise BadUpload("the file is empty")
    return state["filename"]
