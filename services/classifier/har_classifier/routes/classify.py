"""``POST /v1/classify``: a batch of skeleton sequences in, one prediction per sequence out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from har_common.schemas import ClassifyResponse

from ..deps import ReadyRegistry
from ..parsing import BadBody
from ..registry import RequestProblem

router = APIRouter(prefix="/v1", tags=["classify"])
INLINE_MAX = 8  # batches up to this size run on the event loop (a few ms); larger ones in the thread pool
# The body is read and parsed by the route itself (see .parsing), so its schema is declared here;
# main.py puts ClassifyRequest and the models it uses into the document's components.
REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}}},
    }
}


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    openapi_extra=REQUEST_BODY,
    responses={
        422: {
            "description": "not JSON, or not a valid request; bad sequences (fewer than 2 frames, no joint visible, "
            "too many frames), unknown model, batch over the limit"
        },
        503: {"description": "models loading, or too many requests in flight"},
    },
)
async def classify(registry: ReadyRegistry, request: Request) -> ClassifyResponse:
    """One prediction per sequence, in order. Small batches (the live pipelines' case) are classified right on the
    event loop, which saves the thread-pool hand-offs (measured: they dominated single-window latency under load);
    large bodies are parsed in a worker process, so that health checks and other requests go on meanwhile."""
    try:
        body = await request.app.state.parser.parse(await request.body())
    except BadBody as exc:
        raise RequestValidationError(exc.errors) from None
    try:
        if len(body.sequences) <= INLINE_MAX:
            response, seconds = registry.classify_arrays(body.model, body.sequences)
        else:
            response, seconds = await run_in_threadpool(registry.classify_arrays, body.model, body.sequences)
    except RequestProblem as exc:
        raise HTTPException(422, detail=[{"loc": exc.loc, "msg": str(exc), "type": "value_error"}]) from None
    metrics = request.app.state.metrics
    metrics.inference.labels(response.model).observe(seconds)
    metrics.sequences.labels(response.model).inc(len(response.predictions))
    return response
