"""``POST /v1/classify`` bodies parsed and validated into arrays, without holding up the event loop.

A body is JSON (:class:`~har_common.schemas.ClassifyRequest`). Parsing and validating one of
several megabytes takes seconds of CPU, and neither the JSON parser nor pydantic lets other threads
run meanwhile, so on the event loop (or a thread of this process) it would stall health checks and
every other request. Small bodies (the live pipelines' windows) are parsed in line, which is
fastest; larger ones in a worker process, which hands back compact arrays.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from har_common.schemas import ClassifyRequest

INLINE_MAX_BYTES = 256 * 1024  # about eight 64-frame windows


@dataclass
class ParsedRequest:
    """A valid request as arrays: ``sequences`` of ``(keypoints (T, 17, 3) float32, fps)``."""

    model: str | None
    sequences: list[tuple[np.ndarray, float]]


class BadBody(ValueError):
    """The body is not a valid request; ``errors`` in pydantic's form, with ``loc`` from ``"body"``."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors


def parse(body: bytes) -> ParsedRequest:
    """Validate ``body`` and turn it into arrays.

    Raises:
        BadBody: not JSON (the message says where), or not a valid request.

    Example:
        >>> import json
        >>> r = parse(json.dumps({"sequences": [{"fps": 30, "keypoints": [[[1, 2, 0.9]] * 17] * 2}]}).encode())
        >>> r.model, r.sequences[0][0].shape, r.sequences[0][1]
        (None, (2, 17, 3), 30.0)
        >>> try:
        ...     parse(b'{"sequences": [')
        ... except BadBody as exc:
        ...     print(exc.errors[0]["loc"], exc.errors[0]["msg"])
        ['body'] Invalid JSON: EOF while parsing a list at line 1 column 15
    """
    try:
        request = ClassifyRequest.model_validate_json(body)
    except ValidationError as exc:
        raise BadBody(
            [
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"], "input": _small(e.get("input"))}
                for e in exc.errors(include_url=False)
            ]
        ) from None
    return ParsedRequest(request.model, [(np.asarray(s.keypoints, np.float32), float(s.fps)) for s in request.sequences])


def _small(value):
    """An error's input, kept only when it is a single value (never echo a large part of a body)."""
    return value if isinstance(value, (int, float, str, type(None))) and len(str(value)) <= 100 else None


class BodyParser:
    """Parses bodies in line up to ``inline_max_bytes``, larger ones in one worker process (started
    on first use, with ``spawn``: the service's TensorFlow state is never forked)."""

    def __init__(self, inline_max_bytes: int = INLINE_MAX_BYTES):
        self.inline_max_bytes = inline_max_bytes
        self._pool: ProcessPoolExecutor | None = None

    async def parse(self, body: bytes) -> ParsedRequest:
        """:func:`parse`, off the event loop for large bodies. Raises :class:`BadBody`."""
        if len(body) <= self.inline_max_bytes:
            return parse(body)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._pool, parse, body)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
