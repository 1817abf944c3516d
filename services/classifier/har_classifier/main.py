"""The classifier's HTTP app (FastAPI): built here from :mod:`.settings`, :mod:`.routes` and :mod:`.middleware`.

Run: ``.venvs/classifier/bin/python -m uvicorn har_classifier.main:app --port 8001``. Endpoints:
``POST /v1/classify``, ``GET /v1/models``, ``POST /v1/clips`` and ``GET /v1/clips/model`` (the optional
Kinetics-400 clip model), ``GET /v1/models/{name}/report/{file}``, ``/livez``,
``/readyz``, ``/metrics``, ``/docs`` (see docs/classifier.md).
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from har_common.admission import InflightLimit, Route, Slots
from har_common.schemas import ClassifyRequest

from . import __version__
from .deps import require_api_key
from .kinetics.model import LazyClipModel
from .middleware import BodyLimit, Metrics, MetricsMiddleware
from .parsing import BodyParser
from .registry import ModelRegistry
from .routes import classify, clips, health, models
from .settings import Settings

__all__ = ["Settings", "create_app", "app"]


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with a message that says what is wrong (NaN and infinity spelled out)."""
    errors = []
    for e in exc.errors():
        msg, value = e.get("msg", ""), e.get("input")
        if isinstance(value, float) and not math.isfinite(value):
            msg = f"must be a finite number, got {value} (NaN and infinity are not valid keypoint values)"
        elif e.get("type") == "json_invalid" or "JSON" in msg:
            msg = f"{msg} (NaN and Infinity are not valid keypoint values)"
        errors.append({"loc": list(e.get("loc", [])), "msg": msg, "type": e.get("type")})
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": errors}))


def create_app(settings: Settings | None = None, load_in_background: bool = True) -> FastAPI:
    settings = settings or Settings()
    registry = ModelRegistry(settings)
    metrics = Metrics()

    parser = BodyParser()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if load_in_background:
            threading.Thread(target=registry.load, name="model-loader", daemon=True).start()
        else:
            await asyncio.to_thread(registry.load)
        yield
        parser.close()

    app = FastAPI(
        title="HAR classifier",
        version=__version__,
        lifespan=lifespan,
        description="Skeleton-sequence action classification (COCO-17 keypoints in, action probabilities out); "
        "optionally the Kinetics-400 clip model on windows of RGB frames (/v1/clips).",
    )
    app.state.settings, app.state.registry, app.state.metrics, app.state.parser = settings, registry, metrics, parser
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(health.router)
    app.include_router(models.router, dependencies=[Depends(require_api_key)])
    app.include_router(classify.router, dependencies=[Depends(require_api_key)])
    app.state.clips = LazyClipModel(settings.kinetics_dir, settings.threads)
    app.include_router(clips.router, dependencies=[Depends(require_api_key)])
    # Outermost last: CORS (so busy answers carry its headers too), metrics, the in-flight bound, the body limit.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    slots = Slots("requests in flight", settings.max_inflight)
    app.add_middleware(
        InflightLimit, routes=[Route("/v1/", slots, setting="HAR_CLASSIFIER_MAX_INFLIGHT")], on_reject=metrics.rejected.inc
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "x-api-key"],
            max_age=600,
        )
    # outermost: a request for another host name is answered before anything else runs
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.openapi = functools.partial(_openapi, app)
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document, plus the request body that ``/v1/classify`` parses itself."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        request = ClassifyRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in request.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("ClassifyRequest", request)
        app.openapi_schema = schema
    return app.openapi_schema


app = create_app()
