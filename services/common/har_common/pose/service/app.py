"""The HTTP and WebSocket layer both pose services share: ``create_app(backend_factory, settings)``.

Thin by design: requests are checked and turned into calls of the back end (:mod:`..backend`), the
frames-to-actions pipeline (:mod:`..pipeline`, :mod:`..classifier`), media helpers and the job
store. Endpoints are listed in ``docs/pose-api.md``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import sqlite3
import uuid
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.websockets import WebSocketDisconnect

from ...schemas import FrameResult
from ..backend import PoseBackend
from ..pipeline import PipelineConfig
from . import jobs as J
from .live import LiveStream
from .media import MediaError, TooLong, decode_image, probe_video
from .metrics import MetricsMiddleware
from .settings import PoseServiceSettings
from .state import BackendFactory, ServiceState
from .upload import BadUpload, TooLarge, receive_file

log = logging.getLogger(__name__)

_JOB_ID = "^[0-9a-f]{32}$"
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": {"type": "string", "format": "binary"}}}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _error(status: int, message: str, headers: dict | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=message, headers=headers)


def create_app(backend_factory: BackendFactory, settings: PoseServiceSettings, *, title: str = "HAR pose service",
               version: str = "0.1.0", pipeline_config: PipelineConfig | None = None) -> FastAPI:
    """The whole service around one back end. ``backend_factory(settings)`` loads the model; it
    runs in a thread after start-up, and ``/readyz`` answers 503 until it has loaded and warmed up."""
    st = ServiceState(settings, backend_factory, pipeline_config or PipelineConfig())
    m = st.metrics

    async def _load() -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(st.executor, st.load)
            st.runner.start(resume=settings.resume_interrupted_jobs)
            st.ready = True
            m.ready.set(1)
            log.info("%s ready: %s", settings.service_name, st.backend.name)
        except Exception as exc:  # noqa: BLE001
            st.load_error = f"{type(exc).__name__}: {exc}"
            log.exception("loading the pose model failed")

    async def _classifier_watch() -> None:
        while st.classifier.enabled and st.classifier.spec is None:
            await st.classifier.afetch_spec()
            await asyncio.sleep(2.0)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        st.store = J.JobStore(settings.data_dir)
        st.runner = J.JobRunner(st.store, st.process_job, settings.job_workers, on_depth=m.queue_depth.set)
        st.tasks = [asyncio.create_task(_load()), asyncio.create_task(_classifier_watch())]
        try:
            yield
        finally:
            for t in st.tasks:
                t.cancel()
            await asyncio.gather(*st.tasks, return_exceptions=True)
            await asyncio.get_running_loop().run_in_executor(None, st.runner.stop)
            await st.classifier.aclose()
            st.executor.shutdown(wait=True)
            if st.backend is not None:
                st.backend.close()
            st.store.close()

    app = FastAPI(title=title, version=version, lifespan=lifespan,
                  description="Poses, action labels and action segments from images, videos and live streams.")
    app.state.har = st

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"])

    app.add_middleware(MetricsMiddleware, metrics=m)

    # -- access -------------------------------------------------------------------------------
    def require_key(x_api_key: str | None = Header(None)) -> None:
        if settings.api_key and not (x_api_key and hmac.compare_digest(x_api_key, settings.api_key)):
            raise _error(401, "missing or wrong API key (header X-API-Key)")

    auth = [Depends(require_key)]

    def need_ready() -> PoseBackend:
        if not st.ready:
            raise _error(503, st.load_error or "the pose model is loading", {"Retry-After": "2"})
        return st.backend

    def job_or_404(job_id: str) -> J.Job:
        job = st.store.get(job_id)
        if job is None:
            raise _error(404, "no such job")
        return job

    # -- health, info, metrics ----------------------------------------------------------------
    @app.get("/livez", tags=["health"])
    def livez():
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"])
    def readyz():
        body = {"status": "ready" if st.ready else "loading", "pose_model": st.backend.name if st.backend else None,
                "classifier": st.classifier.status}
        if st.load_error:
            body.update(status="failed", error=st.load_error)
        return JSONResponse(body, status_code=200 if st.ready else 503)

    @app.get("/metrics", tags=["health"])
    def metrics():
        m.queue_depth.set(st.runner.depth() if st.runner else 0)
        return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/info", tags=["info"], dependencies=auth)
    def info():
        spec = st.classifier.spec
        backend = st.backend
        return {
            "service": settings.service_name, "version": version, "ready": st.ready,
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

    # -- single frames ------------------------------------------------------------------------
    @app.post("/v1/frames", tags=["frames"], response_model=FrameResult, dependencies=auth,
              openapi_extra=_UPLOAD_BODY)
    async def frames(request: Request, raw: bool = Query(False, description="Add MediaPipe's raw landmarks.")):
        """One JPEG or PNG (multipart field ``file``, or the raw body) in; every person found out."""
        need_ready()
        if st.inflight >= settings.max_inflight:
            raise _error(503, "busy: too many frames in flight", {"Retry-After": "1"})
        st.inflight += 1
        try:
            sink = _Buffer()
            try:
                await receive_file(request, sink, settings.max_message_bytes)
            except TooLarge:
                raise _error(413, f"image over the limit of {settings.max_message_bytes} bytes") from None
            except BadUpload as exc:
                raise _error(422, str(exc)) from None
            loop = asyncio.get_running_loop()

            def work():
                rgb = decode_image(sink.getbuffer(), settings.max_image_pixels)
                return rgb.shape, st.static_frame(rgb, raw)

            try:
                shape, dets = await loop.run_in_executor(st.executor, work)
            except MediaError as exc:
                raise _error(422, str(exc)) from None
            return FrameResult(frame_index=0, timestamp_ms=0.0, width=shape[1], height=shape[0],
                               persons=[d.to_schema() for d in dets])
        finally:
            st.inflight -= 1

    # -- video jobs ---------------------------------------------------------------------------
    @app.post("/v1/videos", tags=["jobs"], status_code=202, dependencies=auth, openapi_extra=_UPLOAD_BODY)
    async def upload_video(
        request: Request,
        stride: int | None = Query(None, ge=1, le=100, description="Analyse every Nth frame (default: setting)."),
        raw: bool = Query(False, description="Keep MediaPipe's raw landmarks in the result."),
        actions: bool = Query(True, description="Label actions (needs the classifier)."),
        render: bool | None = Query(None, description="Write the annotated video (default: setting)."),
        filename: str | None = Query(None, max_length=255, description="Display name for a raw-body upload."),
    ):
        """Upload a video (multipart field ``file``, or the raw body); a job starts at once."""
        if st.store.count(J.QUEUED) >= settings.max_queued_jobs:
            raise _error(503, "busy: too many jobs waiting", {"Retry-After": "10"})
        if st.uploads >= settings.max_inflight:
            raise _error(503, "busy: too many uploads in progress", {"Retry-After": "2"})
        st.uploads += 1
        part = st.store.uploads_dir / f"{uuid.uuid4().hex}.part"
        keep = False
        try:
            try:
                with open(part, "wb") as fh:
                    name = await receive_file(request, fh, settings.max_upload_bytes)
            except TooLarge:
                raise _error(413, f"upload over the limit of {settings.max_upload_bytes} bytes") from None
            except BadUpload as exc:
                raise _error(422, str(exc)) from None
            except OSError as exc:
                raise _error(507, f"could not store the upload: {exc.strerror or exc}") from None
            try:
                probe = await asyncio.get_running_loop().run_in_executor(
                    None, probe_video, part, settings.max_video_duration_s, settings.max_video_pixels)
            except TooLong as exc:
                raise _error(422, str(exc)) from None
            except MediaError as exc:
                raise _error(422, str(exc)) from None
            display = (name or filename or None)
            if display:
                display = os.path.basename(display.replace("\\", "/"))[:255] or None
            source = {"filename": display, "width": probe.width, "height": probe.height, "fps": probe.fps,
                      "frame_count": probe.frame_count, "duration_ms": probe.duration_ms}
            options = {"stride": stride or settings.job_frame_stride, "raw": raw,
                       "actions": bool(actions and settings.actions),
                       "render": settings.render_video if render is None else render}
            try:
                job = st.store.create(display, options, source)
            except sqlite3.Error as exc:
                raise _error(507, f"could not record the job: the data folder is full or read-only ({exc})") from None
            try:
                st.store.dir(job.id).mkdir(parents=True, exist_ok=True)
                os.replace(part, st.store.dir(job.id) / "input")
            except OSError as exc:
                st.store.delete(job.id)
                raise _error(507, f"could not store the upload: {exc.strerror or exc}") from None
            keep = True
            st.runner.submit(job.id)
            body = job.public()
            body["links"] = _links(job.id)
            return JSONResponse(body, status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})
        finally:
            st.uploads -= 1
            if not keep:
                try:
                    part.unlink(missing_ok=True)
                except OSError:                   # a read-only folder: nothing was written there
                    pass

    def _links(job_id: str) -> dict:
        base = f"/v1/jobs/{job_id}"
        return {"self": base, "events": f"{base}/events", "result": f"{base}/result",
                "keypoints_csv": f"{base}/keypoints.csv", "video": f"{base}/video"}

    @app.get("/v1/jobs", tags=["jobs"], dependencies=auth)
    def list_jobs(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)):
        return {"jobs": [j.public() for j in st.store.list(limit, offset)], "queue_depth": st.runner.depth()}

    @app.get("/v1/jobs/{job_id}", tags=["jobs"], dependencies=auth)
    def get_job(job_id: str = _path_id()):
        job = job_or_404(job_id)
        body = job.public()
        body["links"] = _links(job.id)
        return body

    @app.delete("/v1/jobs/{job_id}", tags=["jobs"], status_code=204, dependencies=auth)
    async def delete_job(job_id: str = _path_id()):
        job = job_or_404(job_id)
        if job.status in (J.QUEUED, J.RUNNING):
            st.runner.cancel(job_id)
            for _ in range(100):                      # let a running job notice (it checks per frame)
                cur = st.store.get(job_id)
                if cur is None or cur.status != J.RUNNING:
                    break
                await asyncio.sleep(0.05)
        st.store.delete(job_id)
        return Response(status_code=204)

    def _done_file(job_id: str, name: str) -> Path:
        job = job_or_404(job_id)
        if job.status != J.DONE:
            raise _error(409, f"the job is {job.status}" + (f": {job.error}" if job.error else ""))
        path = st.store.dir(job_id) / name
        if not path.exists():
            raise _error(404, "this job has no such file (annotated video switched off?)")
        return path

    @app.get("/v1/jobs/{job_id}/result", tags=["jobs"], dependencies=auth,
             responses={200: {"description": "VideoAnalysis JSON (har_common.schemas)"}})
    def job_result(job_id: str = _path_id()):
        return FileResponse(_done_file(job_id, "result.json"), media_type="application/json")

    @app.get("/v1/jobs/{job_id}/keypoints.csv", tags=["jobs"], dependencies=auth)
    def job_csv(job_id: str = _path_id()):
        return FileResponse(_done_file(job_id, "keypoints.csv"), media_type="text/csv",
                            filename=f"keypoints-{job_id[:8]}.csv")

    @app.get("/v1/jobs/{job_id}/video", tags=["jobs"], dependencies=auth)
    def job_video(job_id: str = _path_id()):
        return FileResponse(_done_file(job_id, "annotated.mp4"), media_type="video/mp4")

    @app.websocket("/v1/jobs/{job_id}/events")
    async def job_events(ws: WebSocket, job_id: str, api_key: str | None = None):
        if not await _ws_admit(ws, api_key):
            return
        await ws.accept()
        if not await _ws_authenticated(ws, api_key):
            return
        last = None
        try:
            while True:
                job = st.store.get(job_id)
                if job is None:
                    await ws.send_json({"type": "error", "message": "no such job"})
                    await ws.close(code=1000)
                    return
                snap = (job.status, round(job.progress, 1))
                if snap != last:
                    await ws.send_json({"type": "progress", "job": job.public()})
                    last = snap
                if job.status in J.TERMINAL:
                    await ws.close(code=1000)
                    return
                await asyncio.sleep(0.25)
        except WebSocketDisconnect:
            return

    # -- live streams -------------------------------------------------------------------------
    def _origin_allowed(headers) -> bool:
        """Browsers send Origin: it must be a configured origin, or the page's own origin (its host
        is the Host we were asked for, or the X-Forwarded-Host a same-origin proxy such as the
        frontend's passes on). No Origin: not a browser, so nothing to check."""
        origin = headers.get("origin")
        if not origin or "*" in settings.cors_origins or origin in settings.cors_origins:
            return True
        netloc = urlsplit(origin).netloc.lower()
        hosts = {headers.get("host", "").lower()}
        hosts |= {h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",")}
        return bool(netloc) and netloc in hosts

    async def _ws_admit(ws: WebSocket, api_key: str | None) -> bool:
        """Origin and key checks before accepting: a refusal is an HTTP 403 to the client."""
        if not _origin_allowed(ws.headers):
            await ws.close(code=1008)
            return False
        if settings.api_key and api_key is not None and not hmac.compare_digest(api_key, settings.api_key):
            await ws.close(code=1008)
            return False
        return True

    @app.websocket("/v1/stream")
    async def stream(ws: WebSocket, raw: bool = False, actions: bool = True, api_key: str | None = None):
        if not await _ws_admit(ws, api_key):
            return
        await ws.accept()
        if not await _ws_authenticated(ws, api_key):
            return
        await _live(ws, None, raw, actions)

    @app.websocket("/v1/stream/url")
    async def stream_url(ws: WebSocket, url: str = "", raw: bool = False, actions: bool = True,
                         api_key: str | None = None):
        if not settings.allow_stream_urls:
            await ws.close(code=1008)                 # before accept: HTTP 403
            return
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("rtsp", "http", "https") or not parts.netloc:
            await ws.close(code=1008)
            return
        if not await _ws_admit(ws, api_key):
            return
        await ws.accept()
        if not await _ws_authenticated(ws, api_key):
            return
        await _live(ws, url, raw, actions)

    async def _ws_authenticated(ws: WebSocket, api_key: str | None) -> bool:
        if not settings.api_key or api_key is not None:
            return True
        try:
            msg = json.loads(await asyncio.wait_for(ws.receive_text(), 5.0))
            ok = msg.get("type") == "auth" and hmac.compare_digest(str(msg.get("api_key", "")), settings.api_key)
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            try:
                await ws.close(code=1008, reason="API key required")
            except Exception:  # noqa: BLE001 - the client already left
                pass
        return ok

    async def _live(ws: WebSocket, url: str | None, raw: bool, actions: bool) -> None:
        if not st.ready:
            await ws.close(code=1013, reason="the pose model is loading")
            return
        if st.streams >= settings.max_streams:
            await ws.close(code=1013, reason="too many streams")
            return
        st.streams += 1
        m.streams.inc()
        live = LiveStream(st, ws, raw, actions and settings.actions)
        try:
            await live.run(url)
        finally:
            st.streams -= 1
            m.streams.dec()
            await live.close()

    return app


def _path_id():
    from fastapi import Path as PathParam

    return PathParam(..., pattern=_JOB_ID, description="Job id (32 hex digits).")


class _Buffer(bytearray):
    def write(self, data: bytes) -> None:
        self.extend(data)

    def getbuffer(self) -> memoryview:
        return memoryview(self)
