"""Admission control shared by the classifier and the pose services: bounded slots and no queue.

Past its bound a request is refused at once (HTTP 503 with ``Retry-After``; a live socket is closed
with 1013 by its route), so an overloaded service answers quickly instead of piling up work. Plain
ASGI (no web framework), so both service kinds put the same middleware in front of their routes.

Example:
    >>> slots = Slots("frames", limit=1)
    >>> slots.try_enter(), slots.try_enter()
    (True, False)
    >>> slots.leave(); slots.inflight
    0
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Slots:
    """At most ``limit`` holders at once. Used from one event loop, so a plain counter suffices."""

    name: str  # what is counted, for the refusal message ("frames in flight")
    limit: int
    inflight: int = 0

    def try_enter(self) -> bool:
        if self.inflight >= self.limit:
            return False
        self.inflight += 1
        return True

    def leave(self) -> None:
        self.inflight -= 1


@dataclass
class KeyedSlots:
    """At most ``limit`` holders per key (a client's address) at once; same event-loop rule as
    :class:`Slots`.

    Example:
        >>> s = KeyedSlots("streams per client", 1)
        >>> s.try_enter("10.0.0.1"), s.try_enter("10.0.0.1"), s.try_enter("10.0.0.2")
        (True, False, True)
        >>> s.leave("10.0.0.1"); s.try_enter("10.0.0.1")
        True
    """

    name: str
    limit: int
    held: dict[str, int] = field(default_factory=dict)

    def try_enter(self, key: str) -> bool:
        if self.held.get(key, 0) >= self.limit:
            return False
        self.held[key] = self.held.get(key, 0) + 1
        return True

    def leave(self, key: str) -> None:
        n = self.held.get(key, 0) - 1
        if n > 0:
            self.held[key] = n
        else:
            self.held.pop(key, None)


@dataclass
class Route:
    """HTTP requests whose path starts with ``prefix`` take a slot of ``slots``."""

    prefix: str
    slots: Slots
    setting: str = "max_inflight"  # named in the refusal, so the operator knows what to raise
    retry_after_s: int = 1


class InflightLimit:
    """ASGI middleware: each request of a bounded route holds a slot while it is served; with none
    free it gets 503, ``Retry-After`` and ``{"detail": "busy: ..."}`` without reaching the app.
    Paths of no route (health, metrics, docs) are never counted nor refused. ``on_reject`` is called
    per refusal (a metrics counter); the ASGI scope is marked ``har_busy``.
    """

    def __init__(self, app, routes: Sequence[Route], on_reject: Callable[[], None] | None = None):
        self.app, self.routes, self.on_reject = app, list(routes), on_reject

    def _route(self, path: str) -> Route | None:
        return next((r for r in self.routes if path.startswith(r.prefix)), None)

    async def __call__(self, scope, receive, send):
        route = self._route(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None:
            return await self.app(scope, receive, send)
        if not route.slots.try_enter():
            scope["har_busy"] = True
            if self.on_reject is not None:
                self.on_reject()
            s = route.slots
            body = json.dumps(
                {"detail": f"busy: {s.inflight} {s.name} ({route.setting}={s.limit}); retry after {route.retry_after_s} s"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", str(route.retry_after_s).encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            route.slots.leave()
