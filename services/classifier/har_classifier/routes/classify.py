"""``POST /v1/classify``: a batch of skeleton sequences in, one prediction per sequence out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from har_common.schemas import ClassifyRequest, ClassifyResponse

from ..deps import ReadyRegistry
from ..registry import RequestProblem

router = APIRouter(prefix="/v1", tags=["classify"])
INLINE_MAX = 8  # batches up to this size run on the event loop (a few ms); larger ones in the thread pool


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    responses={
        422: {
            "description": "bad sequences (fewer than 2 frames, no joint visible, too many frames), "
            "unknown model, batch over the limit"
        },
        503: {"description": "models loading, or too many requests in flight"},
    },
)
async def classify(body: ClassifyRequest, registry: ReadyRegistry, request: Request) -> ClassifyResponse:
    """One prediction per sequence, in order. Small batches (the live pipelines' case) are classified right on the
    event loop, which saves the thread-pool hand-offs (measured: they dominated single-window latency under load)."""
    try:
        if len(body.sequences) <= INLINE_MAX:
            response, seconds = registry.classify(body)
        else:
            response, seconds = await run_in_threadpool(registry.classify, body)
    except RequestProblem as exc:
        raise HTTPException(422, detail=[{"loc": exc.loc, "msg": str(exc), "type": "value_error"}]) from None
    metrics = request.app.state.metrics
    metrics.inference.labels(response.model).observe(seconds)
    metrics.sequences.labels(response.model).inc(len(response.predictions))
    return response
