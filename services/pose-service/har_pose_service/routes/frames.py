"""``POST /v1/frames``: one image in, every person found out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request

from har_common.pose.backend import left_out
from har_common.schemas import FrameResult

from ..deps import AUTH, UPLOAD_BODY, State, error, ready_backend
from ..media import MediaError, decode_image
from ..upload import BadUpload, TooLarge, receive_file

router = APIRouter()


class _Buffer(bytearray):
    """An in-memory sink for :func:`receive_file` (images are small and bounded)."""

    def write(self, data: bytes) -> None:
        self.extend(data)

    def getbuffer(self) -> memoryview:
        return memoryview(self)


@router.post("/v1/frames", tags=["frames"], response_model=FrameResult, dependencies=AUTH, openapi_extra=UPLOAD_BODY)
async def frames(st: State, request: Request, raw: bool = Query(False, description="Add MediaPipe's raw landmarks.")):
    """One JPEG or PNG (multipart field ``file``, or the raw body) in; every person found out.
    At most ``max_inflight`` at once (the admission middleware refuses more with 503)."""
    settings = st.settings
    ready_backend(st)
    sink = _Buffer()
    try:
        await receive_file(request, sink, settings.max_message_bytes)
    except TooLarge:
        raise error(413, f"image over the limit of {settings.max_message_bytes} bytes") from None
    except BadUpload as exc:
        raise error(422, str(exc)) from None

    def work():
        rgb = decode_image(sink.getbuffer(), settings.max_image_pixels)
        return rgb.shape, st.static_frame(rgb, raw)

    try:
        shape, dets = await asyncio.get_running_loop().run_in_executor(st.executor, work)
    except MediaError as exc:
        raise error(422, str(exc)) from None
    return FrameResult(
        frame_index=0,
        timestamp_ms=0.0,
        width=shape[1],
        height=shape[0],
        persons=[d.to_schema() for d in dets],
        persons_left_out=left_out(dets),
    )
