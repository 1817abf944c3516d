"""Who may open a WebSocket: the Origin check (browsers) and the API key, given before the socket is
accepted (the ``X-API-Key`` header, as REST takes it and the web app's proxy sends it, or the
``api_key`` query parameter, for browsers, which cannot set headers on a WebSocket) or as the first
message after."""

from __future__ import annotations

import asyncio
import hmac
import json
from urllib.parse import urlsplit

from fastapi import WebSocket

from .settings import PoseServiceSettings


def origin_allowed(headers, settings: PoseServiceSettings) -> bool:
    """Browsers send Origin: it must be a configured origin, or the page's own origin (its host
    is the Host we were asked for, or the X-Forwarded-Host a same-origin proxy such as the
    frontend's passes on). No Origin: not a browser, so nothing to check."""
    origin = headers.get("origin")
    if not origin or "*" in settings.cors_origins or origin in settings.cors_origins:
        return True
    netloc = urlsplit(origin).netloc.lower()
    hosts = {headers.get("host", "").lower()}
    hosts |= {h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",")}
    return bool(netloc) and netloc in hosts


async def admit(ws: WebSocket, api_key: str | None, settings: PoseServiceSettings) -> bool:
    """Origin and key checks before accepting: a refusal is an HTTP 403 to the client."""
    if not origin_allowed(ws.headers, settings):
        await ws.close(code=1008)
        return False
    if settings.api_key and api_key is not None and not hmac.compare_digest(api_key, settings.api_key):
        await ws.close(code=1008)
        return False
    return True


async def authenticated(ws: WebSocket, api_key: str | None, settings: PoseServiceSettings) -> bool:
    """After accepting: without a key in the query, the first message must be ``{"type": "auth", "api_key": ...}``."""
    if not settings.api_key or api_key is not None:
        return True
    try:
        msg = json.loads(await asyncio.wait_for(ws.receive_text(), 5.0))
        ok = msg.get("type") == "auth" and hmac.compare_digest(str(msg.get("api_key", "")), settings.api_key)
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        try:
            await ws.close(code=1008, reason="API key required")
        except Exception:  # noqa: BLE001 - the client already left
            pass
    return ok


async def open_socket(ws: WebSocket, api_key: str | None, settings: PoseServiceSettings) -> bool:
    """Admit, accept and authenticate; False when the socket was refused (and closed)."""
    if api_key is None:
        api_key = ws.headers.get("x-api-key")
    if not await admit(ws, api_key, settings):
        return False
    await ws.accept()
    return await authenticated(ws, api_key, settings)


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossSiteGuard:
    """ASGI middleware: a state-changing request a browser sends from another site is refused (403)
    before it reaches a route: its ``Origin`` must pass :func:`origin_allowed`, and without an Origin
    ``Sec-Fetch-Site`` must not say ``cross-site``. With no API key set this is what keeps a page on
    another site from creating or deleting jobs; requests without those headers (not a browser) pass."""

    def __init__(self, app, settings: PoseServiceSettings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            cross = headers.get("sec-fetch-site") == "cross-site"
            if not origin_allowed(headers, self.settings) or ("origin" not in headers and cross):
                body = json.dumps({"detail": "cross-site request refused (Origin not allowed: cors_origins)"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
