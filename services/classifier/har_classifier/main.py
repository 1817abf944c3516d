"""The classifier's HTTP layer (FastAPI): thin, over :mod:`har_classifier.inference`.

Run: ``.venvs/classifier/bin/python -m uvicorn har_classifier.main:app --port 8001``.

- ``POST /v1/classify``: ``{"model": name|null, "sequences": [SkeletonSequence, ...]}`` ->
  ``{"model": name, "predictions": [ActionPrediction, ...]}``, one per sequence, every class's probability.
- ``GET /v1/models``: every loaded model with its classes, window (length, fps, stride), layout and figures.
- ``/livez``, ``/readyz`` (503 until the models are loaded and warmed up), ``/metrics`` (Prometheus), ``/docs``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from har_common.schemas import SCHEMA_VERSION, ActionPrediction, SkeletonSequence

from . import __version__

log = logging.getLogger("har_classifier")
PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "models"


class Settings(BaseSettings):
    """Every setting, from the environment with the prefix ``HAR_CLASSIFIER_`` (e.g. ``HAR_CLASSIFIER_MAX_BATCH=128``)."""

    model_config = SettingsConfigDict(env_prefix="HAR_CLASSIFIER_")

    port: int = Field(8001, description="port scripts/up and the compose stack serve on (uvicorn's --port decides)")
    model_dir: Path = Field(PACKAGE_MODELS, description="folder with one sub-folder per trained model")
    default_model: str = Field("stgcn", description="model used when a request names none")
    models: str | None = Field(None, description="comma-separated model names to load (default: every folder in model_dir)")
    engine: str = Field("auto", description="auto (TFLite when exported, else tf.function), tflite or tf")
    threads: int = Field(2, ge=1, description="inference threads per model")
    max_batch: int = Field(256, ge=1, description="most sequences in one /v1/classify request")
    max_frames: int = Field(3000, ge=1, description="most frames in one sequence")


class ClassifyRequest(BaseModel):
    model_config = {"extra": "forbid"}

    model: str | None = Field(None, description="model name from GET /v1/models; the default model when omitted")
    sequences: list[SkeletonSequence] = Field(description="one person's skeleton sequence each (any length: resampled inside)")


class ClassifyResponse(BaseModel):
    schema_version: str = SCHEMA_VERSION
    model: str
    predictions: list[ActionPrediction]


class Service:
    """Loaded models and readiness, shared by the endpoints."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.runners: dict = {}
        self.ready = False
        self.error: str | None = None

    def load(self) -> None:
        from .inference import ModelRunner, discover

        try:
            dirs = discover(self.settings.model_dir)
            if self.settings.models:
                wanted = {n.strip() for n in self.settings.models.split(",") if n.strip()}
                dirs = [d for d in dirs if d.name in wanted]
            if not dirs:
                raise FileNotFoundError(f"no model folders in {self.settings.model_dir}")
            for d in dirs:
                runner = ModelRunner(d, engine=self.settings.engine, threads=self.settings.threads)
                seconds = runner.warm_up()
                self.runners[runner.name] = runner
                log.info("model %s loaded (%s engine), warmed up in %.2fs", runner.name, runner.engine, seconds)
            if self.settings.default_model not in self.runners:
                raise ValueError(f"default model {self.settings.default_model!r} not among {sorted(self.runners)}")
            self.ready = True
        except Exception as exc:  # readiness reports it; liveness stays up
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("loading models failed")


def create_app(settings: Settings | None = None, load_in_background: bool = True) -> FastAPI:
    settings = settings or Settings()
    service = Service(settings)
    registry = CollectorRegistry()
    requests = Counter("har_classifier_requests", "HTTP requests", ["path", "status"], registry=registry)
    latency = Histogram("har_classifier_request_seconds", "HTTP request latency", ["path"], registry=registry,
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5))
    inference = Histogram("har_classifier_inference_seconds", "model time per classify request", ["model"], registry=registry,
                          buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5))
    sequences = Counter("har_classifier_sequences", "sequences classified", ["model"], registry=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if load_in_background:
            threading.Thread(target=service.load, name="model-loader", daemon=True).start()
        else:
            await asyncio.to_thread(service.load)
        yield

    app = FastAPI(title="HAR classifier", version=__version__, lifespan=lifespan,
                  description="Skeleton-sequence action classification (COCO-17 keypoints in, action probabilities out).")
    app.state.service = service
    app.state.settings = settings

    @app.middleware("http")
    async def count(request: Request, call_next):
        t = time.perf_counter()
        response = await call_next(request)
        path = request.scope.get("route").path if request.scope.get("route") is not None else "other"
        requests.labels(path, str(response.status_code)).inc()
        latency.labels(path).observe(time.perf_counter() - t)
        return response

    def unprocessable(message: str, loc: list | None = None) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [{"loc": loc or ["body"], "msg": message, "type": "value_error"}]})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors():
            msg = e.get("msg", "")
            value = e.get("input")
            if isinstance(value, float) and not math.isfinite(value):
                msg = f"must be a finite number, got {value} (NaN and infinity are not valid keypoint values)"
            elif e.get("type") == "json_invalid" or "JSON" in msg:
                msg = f"{msg} (NaN and Infinity are not valid keypoint values)"
            errors.append({"loc": list(e.get("loc", [])), "msg": msg, "type": e.get("type")})
        return JSONResponse(status_code=422, content=jsonable_encoder({"detail": errors}))

    @app.get("/livez", tags=["health"])
    def livez():
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz():
        if service.ready:
            return {"status": "ready", "models": sorted(service.runners), "default_model": settings.default_model}
        return JSONResponse(status_code=503, content={"status": "error" if service.error else "loading", "error": service.error})

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def metrics():
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/models", tags=["classify"])
    def list_models():
        if not service.ready:
            return JSONResponse(status_code=503, content={"detail": "models are loading"})
        return {"default_model": settings.default_model, "max_batch": settings.max_batch,
                "models": [r.describe() for r in service.runners.values()]}

    @app.post("/v1/classify", tags=["classify"], response_model=ClassifyResponse)
    def classify(body: ClassifyRequest):
        if not service.ready:
            return JSONResponse(status_code=503, content={"detail": "models are loading"})
        name = body.model or settings.default_model
        runner = service.runners.get(name)
        if runner is None:
            return unprocessable(f"unknown model {name!r}; available: {sorted(service.runners)}", ["body", "model"])
        n = len(body.sequences)
        if n == 0:
            return unprocessable("sequences is empty: send at least one sequence", ["body", "sequences"])
        if n > settings.max_batch:
            return unprocessable(f"batch of {n} sequences is over the limit of {settings.max_batch} (HAR_CLASSIFIER_MAX_BATCH)",
                                 ["body", "sequences"])
        arrays = []
        for i, seq in enumerate(body.sequences):
            if len(seq.keypoints) > settings.max_frames:
                return unprocessable(f"sequence {i} has {len(seq.keypoints)} frames, over the limit of {settings.max_frames}",
                                     ["body", "sequences", i, "keypoints"])
            arrays.append((np.asarray(seq.keypoints, np.float32), seq.fps))
        t = time.perf_counter()
        probs = runner.classify(arrays)
        inference.labels(name).observe(time.perf_counter() - t)
        sequences.labels(name).inc(n)
        classes = runner.classes
        preds = []
        for p in probs:
            p = np.clip(p.astype(np.float64), 0.0, 1.0)
            k = int(p.argmax())
            preds.append(ActionPrediction.model_construct(
                schema_version=SCHEMA_VERSION, model=name, label=classes[k], confidence=float(p[k]),
                probabilities={c: float(v) if math.isfinite(v) else 0.0 for c, v in zip(classes, p)}))
        return ClassifyResponse(model=name, predictions=preds)

    return app


app = create_app()
