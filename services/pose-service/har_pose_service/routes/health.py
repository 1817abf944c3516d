"""Health, readiness, Prometheus metrics and service information."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from har_common.schemas import ClassifierLink, Liveness, PoseReadiness, ServiceInfo, ServiceLimits

from ..deps import AUTH, State

router = APIRouter()


@router.get("/livez", tags=["health"], response_model=Liveness)
def livez() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    tags=["health"],
    response_model=PoseReadiness,
    responses={503: {"model": PoseReadiness, "description": "the pose model is loading or failed to load"}},
)
def readyz(st: State):
    body = PoseReadiness(
        status="failed" if st.load_error else "ready" if st.ready else "loading",
        pose_model=st.backend.name if st.backend else None,
        classifier=st.classifier.status,
        error=st.load_error,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if st.ready else 503)


@router.get(
    "/metrics",
    tags=["health"],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "description": "Prometheus text format"}},
)
def metrics(st: State):
    st.metrics.queue_depth.set(st.runner.depth() if st.runner else 0)
    return Response(generate_latest(st.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/info", tags=["info"], dependencies=AUTH, response_model=ServiceInfo)
def info(st: State) -> ServiceInfo:
    """What this service runs, its classifier link and its limits."""
    settings, backend = st.settings, st.backend
    return ServiceInfo(
        service=settings.service_name,
        version=st.version,
        ready=st.ready,
        pose_model=backend.name if backend else None,
        multi_person=bool(backend.multi_person) if backend else None,
        backend=backend.info() if backend is not None and hasattr(backend, "info") else {},
        classifier=ClassifierLink(
            url=st.classifier.base_url, status=st.classifier.status, model=st.classifier.spec, error=st.classifier.last_error
        ),
        limits=ServiceLimits(
            max_upload_bytes=settings.max_upload_bytes,
            max_video_duration_s=settings.max_video_duration_s,
            max_message_bytes=settings.max_message_bytes,
            max_streams=settings.max_streams,
            max_inflight=settings.max_inflight,
        ),
        video_formats=["mp4", "avi", "mov", "webm", "mkv"],
        job_frame_stride=settings.job_frame_stride,
        allow_stream_urls=settings.allow_stream_urls,
    )
