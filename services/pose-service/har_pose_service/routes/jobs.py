"""Video jobs: upload (``POST /v1/videos``), status, listing, deletion, the result files and a
progress WebSocket. Jobs live in the job store (SQLite plus files), so they survive restarts."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path

from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.websockets import WebSocketDisconnect

from har_common.schemas import Job, JobEvent, JobList, JobOptions, LabelTiming, Problem, SourceInfo, VideoAnalysis

from ..access import open_socket
from ..decoder import probe_video
from ..deps import AUTH, UPLOAD_BODY, JobId, State, error, job_or_404
from ..media import MediaError
from ..scene import ClipClient, ClipModelUnavailable
from ..state import ServiceState
from ..store import CANCELLED, DONE, QUEUED, RUNNING, TERMINAL, JobRecord
from ..upload import BadUpload, TooLarge, receive_file

router = APIRouter()


@router.post(
    "/v1/videos",
    tags=["jobs"],
    status_code=202,
    dependencies=AUTH,
    openapi_extra=UPLOAD_BODY,
    response_model=Job,
    responses={413: {"model": Problem}, 422: {"model": Problem}, 503: {"model": Problem}, 507: {"model": Problem}},
)
async def upload_video(
    st: State,
    request: Request,
    stride: int | None = Query(None, ge=1, le=100, description="Analyse every Nth frame (default: setting)."),
    raw: bool = Query(False, description="Keep MediaPipe's raw landmarks in the result."),
    actions: bool = Query(True, description="Label actions (needs the classifier)."),
    render: bool | None = Query(None, description="Write the annotated video (default: setting)."),
    filename: str | None = Query(None, max_length=255, description="Display name for a raw-body upload."),
    model: str | None = Query(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Classifier model for this job (default: the service's setting).",
    ),
    kinetics: bool | None = Query(
        None,
        description="Label what the scene shows with the Kinetics-400 clip model (400 everyday activities, from the "
        "pixels): top 5 per 2 s window, per person's crop in multi-person jobs, and on `other` segments (default: "
        "setting; 422 naming the model when the classifier does not have it set up, 503 when it cannot be reached).",
    ),
    labels: LabelTiming = Query(
        "centred",
        description="How each frame's action is decided: `centred` from the windows around it once the whole video is "
        "posed (no delay, steadier labels, the annotated video drawn after posing), or `causal` from the windows before "
        "it only, as a live stream decides (the job then gives the labels the live stream would).",
    ),
):
    """Upload a video (multipart field ``file``, or the raw body); a job starts at once, or once the pose model
    has loaded. At most ``max_inflight`` uploads at once (the admission middleware refuses more with 503); 503
    too when the pose model failed to load (``/readyz`` gives the reason)."""
    settings = st.settings
    if st.load_error:  # a job would wait for a model that will never load
        raise error(503, f"the pose model failed to load: {st.load_error}")
    if st.store.count(QUEUED) >= settings.max_queued_jobs:
        raise error(503, "busy: too many jobs waiting", {"Retry-After": "10"})
    model = model if actions and settings.actions else None  # no labels asked for: no model to choose
    if model:
        await _check_model(st, model)  # before the upload is read, so a wrong name costs nothing
    kinetics = settings.kinetics if kinetics is None else kinetics
    if kinetics:
        await _check_clip_model(st)
    part = st.store.uploads_dir / f"{uuid.uuid4().hex}.part"
    try:
        name = await _receive(st, request, part)
        source = await _probe(st, part, _display_name(name or filename))
        options = JobOptions(
            stride=stride or settings.job_frame_stride,
            raw=raw,
            actions=bool(actions and settings.actions),
            render=settings.render_video if render is None else render,
            model=model,
            kinetics=kinetics,
            labels=labels,
        )
        job = _create_job(st, part, source, options)
    finally:
        try:
            part.unlink(missing_ok=True)  # gone already when the job took it
        except OSError:  # a read-only folder: nothing was written there
            pass
    st.runner.submit(job.id)
    body = job.public(links=True).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


async def _check_model(st: ServiceState, model: str) -> None:
    if not st.classifier.enabled:
        raise error(422, "model: this service has no classifier configured, so no model can be chosen")
    try:
        await asyncio.get_running_loop().run_in_executor(None, st.classifier.spec_for, model, True)
    except LookupError as exc:
        raise error(422, f"model: {exc}") from None
    except ConnectionError as exc:
        raise error(503, f"cannot check the model: {exc}", {"Retry-After": "5"}) from None


async def _check_clip_model(st: ServiceState) -> None:
    s = st.settings
    client = ClipClient((s.classifier_url or "").strip() or None, s.classifier_api_key or s.api_key or None, 10.0)
    try:
        await asyncio.get_running_loop().run_in_executor(None, client.model)
    except ClipModelUnavailable as exc:
        if exc.missing:
            raise error(422, f"kinetics: {exc}") from None
        raise error(503, f"kinetics: {exc}", {"Retry-After": "5"}) from None
    finally:
        client.close()


async def _receive(st: ServiceState, request: Request, part: Path) -> str | None:
    """The upload into ``part``; the client's file name, if it gave one."""
    limit = st.settings.max_upload_bytes
    try:
        with open(part, "wb") as fh:
            return await receive_file(request, fh, limit)
    except TooLarge:
        raise error(413, f"upload over the limit of {limit} bytes") from None
    except BadUpload as exc:
        raise error(422, str(exc)) from None
    except OSError as exc:
        raise error(507, f"could not store the upload: {exc.strerror or exc}") from None


def _display_name(name: str | None) -> str | None:
    """The base name of a client's file name (kept for display only), at most 255 printable characters."""
    if not name:
        return None
    # control characters (newlines, escapes) would end up in logs, tables and terminals: dropped
    name = "".join(c for c in name if c.isprintable())
    return os.path.basename(name.replace("\\", "/"))[:255] or None


async def _probe(st: ServiceState, part: Path, display: str | None) -> SourceInfo:
    s = st.settings
    try:
        probe = await asyncio.get_running_loop().run_in_executor(
            None, probe_video, part, s.max_video_duration_s, s.max_video_pixels
        )
    except MediaError as exc:  # TooLong included
        raise error(422, str(exc)) from None
    return probe.source(display)


def _create_job(st: ServiceState, part: Path, source: SourceInfo, options: JobOptions) -> JobRecord:
    """The job's row, then its folder with the upload moved in (the row goes again if that fails)."""
    try:
        job = st.store.create(source.filename, options.model_dump(exclude_none=True), source.model_dump())
    except sqlite3.Error as exc:
        raise error(507, f"could not record the job: the data folder is full or read-only ({exc})") from None
    try:
        st.store.dir(job.id).mkdir(parents=True, exist_ok=True)
        os.replace(part, st.store.dir(job.id) / "input")
    except OSError as exc:
        st.store.delete(job.id)
        raise error(507, f"could not store the upload: {exc.strerror or exc}") from None
    return job


@router.get("/v1/jobs", tags=["jobs"], dependencies=AUTH, response_model=JobList)
def list_jobs(st: State, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> JobList:
    """Jobs, newest first."""
    # queue_depth: the jobs waiting to run, from the store (the worker queue still holds cancelled ones)
    return JobList(jobs=[j.public() for j in st.store.list(limit, offset)], queue_depth=st.store.count(QUEUED))


@router.get("/v1/jobs/{job_id}", tags=["jobs"], dependencies=AUTH, response_model=Job, responses={404: {"model": Problem}})
def get_job(st: State, job_id: JobId) -> Job:
    return job_or_404(st, job_id).public(links=True)


@router.delete("/v1/jobs/{job_id}", tags=["jobs"], status_code=204, dependencies=AUTH)
async def delete_job(st: State, job_id: JobId):
    job = job_or_404(st, job_id)
    if job.status in (QUEUED, RUNNING):
        st.runner.cancel(job_id)
        for _ in range(100):  # let a running job notice (it checks per frame)
            cur = st.store.get(job_id)
            if cur is None or cur.status != RUNNING:
                break
            await asyncio.sleep(0.05)
    st.store.delete(job_id)
    return Response(status_code=204)


@router.post(
    "/v1/jobs/{job_id}/cancel",
    tags=["jobs"],
    dependencies=AUTH,
    response_model=Job,
    responses={404: {"model": Problem}, 409: {"model": Problem, "description": "the job has ended already"}},
)
async def cancel_job(st: State, job_id: JobId) -> Job:
    """Stop a queued or running job and keep its record as ``cancelled`` (``DELETE`` also removes
    it). A running job stops at its next frame; the answer is the job once it has (within 5 s)."""
    job = job_or_404(st, job_id)
    if job.status in TERMINAL:
        raise error(409, f"the job has ended already: it is {job.status}")
    st.runner.cancel(job_id)
    if job.status == QUEUED:
        # a worker that takes it from the queue now skips it (it is in the cancel set); one that took
        # it a moment ago stops at its first frame and ends it as cancelled too
        st.store.update(job_id, status=CANCELLED, error="cancelled")
    for _ in range(100):  # let a running job notice (it checks per frame)
        cur = st.store.get(job_id)
        if cur is None or cur.status != RUNNING:
            break
        await asyncio.sleep(0.05)
    return job_or_404(st, job_id).public(links=True)


def _done_file(st: ServiceState, job_id: str, name: str) -> Path:
    job = job_or_404(st, job_id)
    if job.status != DONE:
        raise error(409, f"the job is {job.status}" + (f": {job.error}" if job.error else ""))
    path = st.store.dir(job_id) / name
    if not path.exists():
        raise error(404, "this job has no such file (annotated video switched off?)")
    return path


FILE_ERRORS = {
    404: {"model": Problem, "description": "no such job or file"},
    409: {"model": Problem, "description": "the job is not done"},
}


@router.get(
    "/v1/jobs/{job_id}/result",
    tags=["jobs"],
    dependencies=AUTH,
    response_class=FileResponse,
    responses={200: {"model": VideoAnalysis, "description": "the analysis (written once, served as a file)"}, **FILE_ERRORS},
)
def job_result(st: State, job_id: JobId):
    return FileResponse(_done_file(st, job_id, "result.json"), media_type="application/json")


def _file_route(path: str, media_type: str, description: str):
    """A GET of one of a done job's files, with its real media type in the OpenAPI."""
    schema = {"type": "string"} if media_type.startswith("text/") else {"type": "string", "format": "binary"}
    return router.get(
        path,
        tags=["jobs"],
        dependencies=AUTH,
        response_class=FileResponse,
        responses={200: {"content": {media_type: {"schema": schema}}, "description": description}, **FILE_ERRORS},
    )


@_file_route(
    "/v1/jobs/{job_id}/keypoints.csv", "text/csv", "one row per person and frame: frame, time, track, 17 x (x, y, score)"
)
def job_csv(st: State, job_id: JobId):
    return FileResponse(_done_file(st, job_id, "keypoints.csv"), media_type="text/csv", filename=f"keypoints-{job_id[:8]}.csv")


@_file_route("/v1/jobs/{job_id}/video", "video/mp4", "the annotated video (H.264)")
def job_video(st: State, job_id: JobId):
    return FileResponse(_done_file(st, job_id, "annotated.mp4"), media_type="video/mp4")


@router.websocket("/v1/jobs/{job_id}/events")
async def job_events(ws: WebSocket, job_id: str, api_key: str | None = None):
    st: ServiceState = ws.app.state.har
    if not await open_socket(ws, api_key, st.settings):
        return
    last = None
    try:
        while True:
            job = st.store.get(job_id)
            if job is None:
                await ws.send_json(JobEvent(type="error", message="no such job").model_dump(mode="json"))
                await ws.close(code=1000)
                return
            snap = (job.status, round(job.progress, 1))
            if snap != last:
                await ws.send_json(JobEvent(type="progress", job=job.public()).model_dump(mode="json"))
                last = snap
            if job.status in TERMINAL:
                await ws.close(code=1000)
                return
            await asyncio.sleep(0.25)
    except WebSocketDisconnect:
        return
