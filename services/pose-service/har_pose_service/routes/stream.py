"""Live streams over a WebSocket: frames from the client (``/v1/stream``) or from a camera URL the
server reads, where the settings allow it (``/v1/stream/url``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from ..access import admit, authenticated, open_socket
from ..live import LiveStream
from ..state import ServiceState

router = APIRouter()


@router.websocket("/v1/stream")
async def stream(ws: WebSocket, raw: bool = False, actions: bool = True, api_key: str | None = None):
    st: ServiceState = ws.app.state.har
    if not await open_socket(ws, api_key, st.settings):
        return
    await _live(st, ws, None, raw, actions)


@router.websocket("/v1/stream/url")
async def stream_url(ws: WebSocket, url: str = "", raw: bool = False, actions: bool = True, api_key: str | None = None):
    st: ServiceState = ws.app.state.har
    if not st.settings.allow_stream_urls:
        await ws.close(code=1008)  # before accept: HTTP 403
        return
    api_key = api_key if api_key is not None else ws.headers.get("x-api-key")
    if not await admit(ws, api_key, st.settings):  # a wrong key is refused before the URL is looked at
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("rtsp", "http", "https") or not parts.netloc:
        await ws.close(code=1008)
        return
    await ws.accept()
    if not await authenticated(ws, api_key, st.settings):  # the URL is opened only after this
        return
    await _live(st, ws, url, raw, actions)


async def _live(st: ServiceState, ws: WebSocket, url: str | None, raw: bool, actions: bool) -> None:
    if not st.ready:
        await ws.close(code=1013, reason="the pose model is loading")
        return
    client = ws.client.host if ws.client else ""
    if not st.client_streams.try_enter(client):
        await ws.close(
            code=1013, reason=f"too many streams from your address (max_streams_per_client {st.settings.max_streams_per_client})"
        )
        return
    if not st.stream_slots.try_enter():
        st.client_streams.leave(client)
        await ws.close(code=1013, reason="too many streams")
        return
    st.metrics.streams.inc()
    live = LiveStream(st, ws, raw, actions and st.settings.actions)
    try:
        await live.run(url)
    finally:
        st.stream_slots.leave()
        st.client_streams.leave(client)
        st.metrics.streams.dec()
        await live.close()
