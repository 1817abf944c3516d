"""``GET /v1/clips/model`` and ``POST /v1/clips``: the Kinetics-400 clip model (I3D RGB) on windows
of frames. Optional: set up by ``scripts/setup kinetics``; without it both answer 404 naming the
missing model and the setup step (a 4xx: nothing will change until someone runs it)."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from har_common.schemas import ClassProbability, ClipClassifyResponse, ClipModelInfo, ClipPrediction

from ..kinetics.frames import BadFrames, windows_from_bytes
from ..kinetics.model import ClipModel, ClipModelMissing
from ..kinetics.source import SOURCE

router = APIRouter(prefix="/v1/clips", tags=["clips"])
MISSING = {404: {"description": "the Kinetics-400 clip model is not set up (the detail names it and the setup step)"}}
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "example": "N x frames x 224 x 224 x 3 bytes",
            }
        },
        "description": "uint8 RGB pixels, windows one after the other, each `frames` frames of 224 x 224 x 3 (row-major)",
    }
}


async def _model(request: Request) -> ClipModel:
    try:
        return await run_in_threadpool(request.app.state.clips.get)
    except ClipModelMissing as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/model", response_model=ClipModelInfo, responses=MISSING)
async def clip_model(request: Request) -> ClipModelInfo:
    """The clip model's classes and window limits (404 when it is not set up)."""
    model = await _model(request)
    s = request.app.state.settings
    return ClipModelInfo(
        model=model.name,
        classes=model.labels,
        min_frames=model.min_frames,
        max_frames=s.kinetics_max_frames,
        max_windows=s.kinetics_max_windows,
        source=SOURCE,
    )


@router.post(
    "",
    response_model=ClipClassifyResponse,
    openapi_extra=BODY,
    responses={
        **MISSING,
        413: {"description": "body over the limit"},
        422: {"description": "the body is not whole windows of 224 x 224 RGB frames, or too many windows or frames"},
    },
)
async def classify_clips(
    request: Request,
    frames: int = Query(16, ge=1, description="frames per window"),
    top_k: int = Query(5, ge=1, le=20, description="classes returned per window"),
) -> ClipClassifyResponse:
    """The ``top_k`` most probable Kinetics-400 classes of each window (frames at about 8-25 fps
    give the model's best; see docs/kinetics.md). Runs one request at a time, off the event loop."""
    model = await _model(request)
    s = request.app.state.settings
    try:
        windows = windows_from_bytes(
            await request.body(), frames, model.min_frames, s.kinetics_max_frames, s.kinetics_max_windows
        )
    except BadFrames as exc:
        raise HTTPException(422, detail=str(exc)) from None
    t0 = time.perf_counter()
    top = await run_in_threadpool(model.classify, windows, top_k)
    return ClipClassifyResponse(
        model=model.name,
        frames=frames,
        predictions=[ClipPrediction(labels=[ClassProbability(label=n, probability=p) for n, p in row]) for row in top],
        seconds=round(time.perf_counter() - t0, 4),
    )
