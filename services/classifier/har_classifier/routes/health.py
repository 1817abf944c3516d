"""``/livez``, ``/readyz`` and ``/metrics``: always open, never bounded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from har_common.schemas import ClassifierReadiness, Liveness

from ..deps import AnyRegistry, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/livez", response_model=Liveness)
async def livez() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    response_model=ClassifierReadiness,
    responses={503: {"model": ClassifierReadiness, "description": "models loading or failed to load"}},
)
async def readyz(registry: AnyRegistry, settings: SettingsDep):
    if registry.ready:
        return ClassifierReadiness(status="ready", models=sorted(registry.runners), default_model=settings.default_model)
    body = ClassifierReadiness(status="error" if registry.error else "loading", error=registry.error)
    return JSONResponse(status_code=503, content=body.model_dump(), headers={"Retry-After": "2"})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
