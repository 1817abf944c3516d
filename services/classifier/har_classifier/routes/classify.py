"""``POST /v1/classify``: a batch of skeleton sequences in, one prediction per sequence out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from ..deps import ReadyRegistry
from ..registry import RequestProblem
from ..schemas import ClassifyRequest, ClassifyResponse

router = APIRouter(prefix="/v1", tags=["classify"])


@router.post("/classify", response_model=ClassifyResponse,
             responses={422: {"description": "bad sequences, unknown model, batch over the limit"},
                        503: {"description": "models loading, or too many requests in flight"}})
def classify(body: ClassifyRequest, registry: ReadyRegistry, request: Request) -> ClassifyResponse:
    try:
        response, seconds = registry.classify(body)
    except RequestProblem as exc:
        raise HTTPException(422, detail=[{"loc": exc.loc, "msg": str(exc), "type": "value_error"}]) from None
    metrics = request.app.state.metrics
    metrics.inference.labels(response.model).observe(seconds)
    metrics.sequences.labels(response.model).inc(len(response.predictions))
    return response
