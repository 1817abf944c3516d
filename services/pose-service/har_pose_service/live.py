"""One live WebSocket stream: frames from the client (or a server-read camera URL) through the pose
back end and the live actions, answered frame by frame; the newest frame wins when frames come
faster than the model."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import struct
import threading
import time
from concurrent.futures import Future, wait
from typing import Any

import numpy as np
from fastapi import WebSocket
from starlette.websockets import WebSocketState

from har_common.pose.backend import Detection, left_out
from har_common.schemas import FrameResult

from .actions import LiveActions
from .media import IMAGE_SIGNATURES, MediaError, check_pixels, decode_image
from .state import ServiceState

log = logging.getLogger(__name__)

FRAME_LAYOUT = (
    "a frame is a 4-byte sequence number (unsigned, big-endian), optionally its capture time "
    "(8-byte float, big-endian, milliseconds, 0 or more), then JPEG or PNG bytes"
)


# Demuxers a camera's http(s) stream may be read with: single streams (MJPEG over multipart HTTP, a
# JPEG snapshot, MPEG-TS, FLV, MP4/fragmented MP4, Matroska/WebM, AVI, raw H.264/H.265). Playlists and
# lists of other URLs (HLS, DASH, concat, ...) are left out: FFmpeg would fetch what they name, on any host.
HTTP_CAMERA_FORMATS = "mjpeg,mpjpeg,jpeg_pipe,mpegts,flv,mov,matroska,avi,h264,hevc"


def camera_options(url: str) -> dict[str, str]:
    """FFmpeg options for reading a camera URL (rtsp, http or https).

    Time-outs of 5 s on connecting and on every read, RTSP over TCP; for http(s), redirects are refused
    (``max_redirects`` 0: a redirect could send the service on to a host the URL does not name) and only
    the single-stream formats of :data:`HTTP_CAMERA_FORMATS` are read.

    >>> camera_options("http://cam.local/video.mjpg")["max_redirects"]
    '0'
    >>> "max_redirects" in camera_options("rtsp://cam.local/stream")
    False
    """
    options = {"timeout": "5000000", "rw_timeout": "5000000"}
    if url.lower().startswith("rtsp"):
        return options | {"rtsp_transport": "tcp"}
    return options | {"max_redirects": "0", "format_whitelist": HTTP_CAMERA_FORMATS}


def split_frame(data: bytes | bytearray | memoryview) -> tuple[int, float | None, memoryview]:
    r"""A binary frame message as ``(sequence number, capture time in ms or None, image bytes)``.

    The capture time is optional and told apart by what follows the sequence number: image bytes
    start with a JPEG or PNG signature (0xFF or 0x89), which no capture time of 0 or more does
    (its sign bit would be set), so the older layout without it keeps working.

    Raises:
        MediaError: a message too short, or a capture time that is negative, NaN or infinite.

    Example:
        >>> import struct
        >>> seq, t, image = split_frame(struct.pack(">Id", 7, 1500.5) + b"\xff\xd8\xff\xe0")
        >>> seq, t, bytes(image[:2])
        (7, 1500.5, b'\xff\xd8')
        >>> split_frame(b"\x00\x00\x00\x01\xff\xd8\xff\xe0")[1] is None
        True
    """
    view = memoryview(data)
    if len(view) < 5:
        raise MediaError(FRAME_LAYOUT)
    seq = int.from_bytes(view[:4], "big")
    if not bytes(view[12:20]).startswith(IMAGE_SIGNATURES) or bytes(view[4:12]).startswith(IMAGE_SIGNATURES):
        return seq, None, view[4:]  # no capture time (what is no image is refused by the decoder)
    (capture_ms,) = struct.unpack(">d", view[4:12])
    if not math.isfinite(capture_ms) or capture_ms < 0:
        raise MediaError(f"the capture time of frame {seq} must be a number of milliseconds, 0 or more")
    return seq, capture_ms, view[12:]


class LiveStream:
    """One live socket: a receiver fills a one-frame slot (newest wins), a processor empties it."""

    def __init__(self, st: ServiceState, ws: WebSocket, raw: bool, actions: bool):
        self.st, self.ws, self.raw = st, ws, raw
        self.actions = LiveActions(st.classifier, st.config, enabled=actions)
        self.session = None
        self.session_raw = None
        self.pending: tuple[Any, Any, float, float | None] | None = None  # seq, image, received, captured
        self.event = asyncio.Event()
        self.dropped = 0
        self.processing = False  # a frame is in work
        self.index = 0
        self.t0 = time.perf_counter()
        self.last_t = -1.0
        self.first_capture_ms: float | None = None  # the stream's clock, once frames carry capture times
        self.closed = False
        self._reader: threading.Thread | None = None
        self._stop_reader = threading.Event()
        self._busy: Future | None = None

    def _offer(self, seq: int | None, payload: Any, capture_ms: float | None = None) -> None:
        """A new frame takes the slot (newest wins). Bytes (the image part of a message) start
        decoding at once on another thread, so that decoding overlaps the pose model's work on the
        frame before. ``capture_ms``: when the frame was captured, on the client's clock."""
        t_recv = time.perf_counter()
        if self.pending is not None:
            self.dropped += 1
            self.st.metrics.dropped.inc()
            old = self.pending[1]
            if isinstance(old, asyncio.Future):
                old.cancel()
        if isinstance(payload, (bytes, bytearray, memoryview)):
            payload = asyncio.get_running_loop().run_in_executor(
                self.st.executor, decode_image, payload, self.st.settings.max_image_pixels
            )
        self.pending = (seq, payload, t_recv, capture_ms)
        self.event.set()

    async def run(self, url: str | None) -> None:
        loop = asyncio.get_running_loop()
        self._busy = self.st.executor.submit(self._open)
        await asyncio.wrap_future(self._busy)
        worker = asyncio.create_task(self._process())
        try:
            if url is None:
                await self._receive()
            else:
                self._start_reader(url, loop)
                await self._receive_control()
        finally:
            self.closed = True
            self._stop_reader.set()
            worker.cancel()
            await asyncio.wait([worker])

    async def _receive(self) -> None:
        limit, idle_s = self.st.settings.max_message_bytes, self.st.settings.stream_idle_timeout_s
        while True:
            try:
                msg = await asyncio.wait_for(self.ws.receive(), idle_s)
            except TimeoutError:
                if self.pending is not None or self.processing:
                    continue  # the client waits for an answer: not idle
                await self.ws.close(code=1000, reason=f"no frame for {idle_s:g} s (stream_idle_timeout_s)")
                return
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("bytes")
            if data is not None:
                if len(data) > limit:
                    await self.ws.close(code=1009, reason="message too big")
                    return
                try:
                    seq, capture_ms, image = split_frame(data)
                except MediaError as exc:
                    await self._send({"type": "error", "seq": None, "message": str(exc)})
                    continue
                self._offer(seq, image, capture_ms)
            elif msg.get("text") is not None:
                if len(msg["text"]) > limit:
                    await self.ws.close(code=1009, reason="message too big")
                    return
                await self._control(msg["text"])

    async def _receive_control(self) -> None:
        while True:
            msg = await self.ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("text") is not None:
                await self._control(msg["text"])

    async def _control(self, text: str) -> None:
        try:
            msg = json.loads(text)
            if not isinstance(msg, dict):
                raise ValueError
        except RecursionError:  # nesting deeper than the parser's stack: a message, not a dead socket
            await self._send({"type": "error", "seq": None, "message": "text message nested too deeply"})
            return
        except ValueError:
            await self._send({"type": "error", "seq": None, "message": "text messages must be JSON objects"})
            return
        if msg.get("type") == "config":
            if "raw" in msg:
                self.raw = bool(msg["raw"])
        elif msg.get("type") == "auth":
            pass  # already checked at the start
        else:
            await self._send({"type": "error", "seq": None, "message": f"unknown message type {msg.get('type')!r}"})

    def _start_reader(self, url: str, loop: asyncio.AbstractEventLoop) -> None:
        def read() -> None:
            import av

            seq = 0
            try:
                with av.open(url, options=camera_options(url), timeout=(10.0, 10.0)) as container:
                    for frame in container.decode(video=0):
                        if self._stop_reader.is_set():
                            return
                        check_pixels(frame.width, frame.height, self.st.settings.max_image_pixels, f"frame {seq}")
                        rgb = frame.to_ndarray(format="rgb24")
                        # the stream's own time stamps are the capture times: a file or a camera
                        # that delivers in bursts still gets windows in its own time
                        capture_ms = None if frame.time is None else max(frame.time * 1000.0, 0.0)
                        loop.call_soon_threadsafe(self._offer, seq, rgb, capture_ms)
                        seq += 1
                err = "the stream ended"
            except MediaError as exc:
                err = str(exc)
            except Exception as exc:  # noqa: BLE001
                # one message whatever went wrong: the kind of failure would tell a client whether a
                # host or port behind the service answers; the details go to the service's log
                log.warning("camera stream failed: %s: %s", type(exc).__name__, exc)
                err = "cannot read the stream: the camera is unreachable, or not a video stream"
            if not self._stop_reader.is_set():
                asyncio.run_coroutine_threadsafe(self._end(err), loop)

        self._reader = threading.Thread(target=read, name="stream-url", daemon=True)
        self._reader.start()

    async def _end(self, message: str) -> None:
        # the frame already read is answered before the end is told (a short clip would otherwise end
        # before its first answer); bounded, as a stuck model must not hold the socket open
        deadline = time.monotonic() + 30.0
        while (self.pending is not None or self.processing) and not self.closed and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await self._send({"type": "error", "seq": None, "message": message})
        try:
            await self.ws.close(code=1011 if "cannot" in message else 1000)
        except Exception:  # noqa: BLE001
            pass

    def _open(self) -> None:
        self.session = self.st.backend.session(raw=self.raw)
        self.session_raw = self.raw

    def _infer(self, rgb: np.ndarray, t_ms: float, raw: bool) -> tuple[tuple, list[Detection], float]:
        if raw != self.session_raw:
            self.session.close()
            self.session = self.st.backend.session(raw=raw)
            self.session_raw = raw
        t0 = time.perf_counter()
        dets = self.session.process(rgb, t_ms)
        return rgb.shape, dets, time.perf_counter() - t0

    async def _process(self) -> None:
        m = self.st.metrics
        while True:
            self.processing = False
            await self.event.wait()
            self.event.clear()
            if self.pending is None:
                continue
            seq, payload, t_recv, capture_ms = self.pending
            self.pending = None
            self.processing = True
            # every frame dropped so far came before this one: the answer counts those only, not the
            # newer frames that arrive (and may be dropped) while this one is processed
            dropped_before = self.dropped
            t_ms, problem = self._stream_time(t_recv, capture_ms)
            if problem:
                await self._send({"type": "error", "seq": seq, "message": problem})
                continue
            self.last_t = t_ms
            try:
                rgb = (await payload) if isinstance(payload, asyncio.Future) else payload
                self._busy = self.st.executor.submit(self._infer, rgb, t_ms, self.raw)
                shape, dets, infer_s = await asyncio.wrap_future(self._busy)
            except MediaError as exc:
                await self._send({"type": "error", "seq": seq, "message": str(exc)})
                continue
            except Exception:  # one bad frame never ends the stream
                log.exception("stream frame %s failed", seq)
                await self._send(
                    {
                        "type": "error",
                        "seq": seq,
                        "message": "the service failed on this frame (its log says why); the stream goes on",
                    }
                )
                continue
            m.inference.observe(infer_s)
            m.frames.labels("stream").inc()
            labels = self.actions.process(t_ms, dets)
            frame = FrameResult(
                frame_index=self.index,
                timestamp_ms=round(t_ms, 3),
                width=shape[1],
                height=shape[0],
                persons=[d.to_schema(a) for d, a in zip(dets, labels)],
                persons_left_out=left_out(dets),
            )
            self.index += 1
            segments = self.actions.drain_segments()
            latency = time.perf_counter() - t_recv
            m.stream_latency.observe(latency)
            await self._send(
                {
                    "type": "frame",
                    "seq": seq,
                    "frame": frame.model_dump(mode="json"),
                    "segments": [s.model_dump(mode="json") for s in segments],
                    "dropped": dropped_before,
                    "classifier": self.actions.status,
                    "latency_ms": round(latency * 1000.0, 2),
                }
            )

    def _stream_time(self, t_recv: float, capture_ms: float | None) -> tuple[float, str | None]:
        """A frame's time in the stream, in ms: from its capture time when the client sends them
        (windows and labels then follow the clip's own time, however late or bunched the frames
        arrive), else from when it arrived. Returns the time, or a problem to report instead."""
        if self.first_capture_ms is None and capture_ms is not None and self.index == 0:
            self.first_capture_ms = capture_ms
        if (self.first_capture_ms is None) != (capture_ms is None):
            return 0.0, "send a capture time with every frame of a stream, or with none"
        if capture_ms is None:
            return max((t_recv - self.t0) * 1000.0, self.last_t + 0.001), None
        t_ms = capture_ms - self.first_capture_ms
        if t_ms <= self.last_t:
            return 0.0, f"capture times must grow: {capture_ms:g} ms is not after the frame before"
        return t_ms, None

    async def _send(self, msg: dict) -> None:
        if self.closed or self.ws.application_state != WebSocketState.CONNECTED:
            return
        try:
            await self.ws.send_text(json.dumps(msg, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - the client went away; the receiver notices
            self.closed = True

    async def close(self) -> None:
        # The pose session is handed to the executor before anything is awaited, and the wait is
        # shielded: cancelling a wrapped future that is still queued would cancel the release itself
        # (a server shutting down, a test client leaving), and the session would never be freed.
        released = self.st.executor.submit(self._release, self._busy)
        try:
            await self.actions.aclose()
        finally:
            await asyncio.shield(asyncio.wrap_future(released))

    def _release(self, busy: Future | None) -> None:
        if busy is not None:
            wait([busy])  # never close a session a frame is still using
        session, self.session = self.session, None
        if session is not None:
            session.close()
