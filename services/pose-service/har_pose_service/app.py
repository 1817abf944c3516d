"""The HTTP and WebSocket layer both pose services share: ``create_app(backend_factory, settings)``
builds the app (state, lifespan, middleware) and includes the route modules of :mod:`.routes`.

Thin by design: requests are checked and turned into calls of the back end (:mod:`..backend`), the
frames-to-actions pipeline (:mod:`..pipeline`, :mod:`..classifier`), media helpers and the job
store. Endpoints are listed in ``docs/pose-api.md``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from har_common.admission import InflightLimit, Route
from har_common.pose.pipeline import PipelineConfig

from .access import CrossSiteGuard
from .heap import configure_allocator
from .logs import redact_log_handlers
from .metrics import MetricsMiddleware
from .retention import purge
from .routes import ROUTERS
from .runner import JobRunner
from .settings import PoseServiceSettings
from .state import BackendFactory, ServiceState
from .store import JobStore

log = logging.getLogger(__name__)


async def _load(st: ServiceState) -> None:
    """Load and warm up the pose model in a thread, then start the job runner; a failure is kept
    for ``/readyz``."""
    try:
        await asyncio.get_running_loop().run_in_executor(st.executor, st.load)
        st.runner.start(resume=st.settings.resume_interrupted_jobs)
        st.ready = True
        st.metrics.ready.set(1)
        log.info("%s ready: %s", st.settings.service_name, st.backend.name)
    except Exception as exc:  # reported by /readyz
        st.load_error = f"{type(exc).__name__}: {exc}"
        log.exception("loading the pose model failed")


async def _classifier_watch(st: ServiceState) -> None:
    """Ask the classifier for its model every 2 s until it answers (it may start after this service)."""
    while st.classifier.enabled and st.classifier.spec is None:
        await st.classifier.afetch_spec(force=True)
        await asyncio.sleep(2.0)


async def _retention(st: ServiceState) -> None:
    """Apply the retention settings at start and every ``retention_interval_s``."""
    s = st.settings
    while True:
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, purge, st.store, s.retention_days * 86400.0, int(s.retention_max_gb * 1e9)
            )
        except Exception:  # logged; retention tries again next time, the service goes on
            log.exception("applying retention failed")
        await asyncio.sleep(s.retention_interval_s)


def _lifespan(st: ServiceState):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # uploads, results and the job database are private to the service's user (files 600,
        # folders 700): a video of people is personal data
        os.umask(0o077)
        # before the model loads and any job runs: the memory a job frees goes back to the system (.heap)
        configure_allocator()
        redact_log_handlers()  # again here: uvicorn may configure its handlers after the app is built
        st.store = JobStore(st.settings.data_dir)
        st.runner = JobRunner(
            st.store,
            st.process_job,
            st.settings.job_workers,
            on_depth=st.metrics.queue_depth.set,
            keep_uploads=st.settings.keep_uploads,
        )
        st.tasks = [
            asyncio.create_task(_load(st)),
            asyncio.create_task(_classifier_watch(st)),
            asyncio.create_task(_retention(st)),
        ]
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

    return lifespan


def create_app(
    backend_factory: BackendFactory,
    settings: PoseServiceSettings,
    *,
    title: str = "HAR pose service",
    version: str = "0.1.0",
    pipeline_config: PipelineConfig | None = None,
) -> FastAPI:
    """The whole service around one back end. ``backend_factory(settings)`` loads the model; it
    runs in a thread after start-up, and ``/readyz`` answers 503 until it has loaded and warmed up."""
    redact_log_handlers()
    st = ServiceState(settings, backend_factory, pipeline_config or PipelineConfig(), version)
    m = st.metrics
    app = FastAPI(
        title=title,
        version=version,
        lifespan=_lifespan(st),
        description="Poses, action labels and action segments from images, videos and live streams.",
    )
    app.state.har = st

    # innermost, so that CORS headers reach a refused request's answer too
    app.add_middleware(InflightLimit, routes=[Route("/v1/frames", st.frame_slots), Route("/v1/videos", st.upload_slots)])
    app.add_middleware(CrossSiteGuard, settings=settings)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"])

    app.add_middleware(MetricsMiddleware, metrics=m)
    # outermost: a request for another host name is answered before anything else runs
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)

    for router in ROUTERS:
        app.include_router(router)
    return app
