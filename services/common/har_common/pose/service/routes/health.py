"""Health, readiness, Prometheus metrics and service information."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..deps import AUTH, State

router = APIRouter()


@router.get("/livez", tags=["health"])
def livez():
    return {"status": "alive"}


@router.get("/readyz", tags=["health"])
def readyz(st: State):
    body = {"status": "ready" if st.ready else "loading", "pose_model": st.backend.name if st.backend else None,
            "classifier": st.classifier.status}
    if st.load_error:
        body.update(status="failed", error=st.load_error)
    return JSONResponse(body, status_code=200 if st.ready else 503)


@router.get("/metrics", tags=["health"])
def metrics(st: State):
    st.metrics.queue_depth.set(st.runner.depth() if st.runner else 0)
    return Response(generate_latest(st.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/info", tags=["info"], dependencies=AUTH)
def info(st: State):
    settings, spec, backend = st.settings, st.classifier.spec, st.backend
    return {
        "service": settings.service_name, "version": st.version, "ready": st.ready,
        "pose_model": backend.name if backend else None,
        "multi_person": bool(backend.multi_person) if backend else None,
        "backend": backend.info() if backend is not None and hasattr(backend, "info") else {},
        "classifier": {"url": st.classifier.base_url, "status": st.classifier.status,
                       "model": asdict(spec) if spec else None, "error": st.classifier.last_error},
        "limits": {"max_upload_bytes": settings.max_upload_bytes,
                   "max_video_duration_s": settings.max_video_duration_s,
                   "max_message_bytes": settings.max_message_bytes, "max_streams": settings.max_streams,
                   "max_inflight": settings.max_inflight},
        "video_formats": ["mp4", "avi", "mov", "webm", "mkv"],
        "job_frame_stride": settings.job_frame_stride,
        "allow_stream_urls": settings.allow_stream_urls,
    }
