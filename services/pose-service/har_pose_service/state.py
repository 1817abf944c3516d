"""What one pose service holds while it runs: settings, the loaded back end, the thread pool that
runs the model, the classifier client, the job store and runner, and the counters the bounds use."""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from har_common.admission import KeyedSlots, Slots
from har_common.pose.backend import Detection, PoseBackend
from har_common.pose.pipeline import PipelineConfig

from .classifier import ClassifierClient
from .metrics import Metrics
from .runner import JobContext, JobRunner
from .settings import PoseServiceSettings
from .store import JobRecord, JobStore

BackendFactory = Callable[[PoseServiceSettings], PoseBackend]


class ServiceState:
    def __init__(self, settings: PoseServiceSettings, factory: BackendFactory, config: PipelineConfig, version: str = "0.1.0"):
        self.settings = settings
        self.version = version
        self.factory = factory
        self.config = config
        self.metrics = Metrics(settings.service_name)
        self.backend: PoseBackend | None = None
        self.ready = False
        self.load_error: str | None = None
        self.executor = ThreadPoolExecutor(settings.inference_threads, thread_name_prefix="pose")
        url = (settings.classifier_url or "").strip() or None
        self.classifier = ClassifierClient(
            url if settings.actions else None,
            settings.classifier_model,
            settings.classifier_timeout_s,
            on_call=self.metrics.classifier_call,
            api_key=settings.classifier_api_key or settings.api_key or None,
        )
        self.store: JobStore | None = None
        self.runner: JobRunner | None = None
        # admission: at most this many of each at once, the rest refused at once (no queue)
        self.frame_slots = Slots("frames in flight", settings.max_inflight)
        self.upload_slots = Slots("uploads in progress", settings.max_inflight)
        self.stream_slots = Slots("streams open", settings.max_streams)
        self.client_streams = KeyedSlots("streams per client", settings.max_streams_per_client)
        self._pools: dict[bool, queue.SimpleQueue] = {False: queue.SimpleQueue(), True: queue.SimpleQueue()}
        self.tasks: list[asyncio.Task] = []

    # -- pose --------------------------------------------------------------------------------
    def static_frame(self, rgb: np.ndarray, raw: bool) -> list[Detection]:
        pool = self._pools[raw]
        try:
            session = pool.get_nowait()
        except queue.Empty:
            session = self.backend.session(raw=raw, static=True)
        try:
            t0 = time.perf_counter()
            dets = session.process(rgb, 0.0)
            self.metrics.inference.observe(time.perf_counter() - t0)
            self.metrics.frames.labels("frame").inc()
        except BaseException:
            session.close()
            raise
        pool.put(session)
        return dets

    def load(self) -> None:
        backend = self.factory(self.settings)
        rng = np.random.default_rng(0)
        warm = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
        with backend.session(raw=False) as session:
            for i in range(3):
                session.process(warm, i * 33.0)
        self.backend = backend
        self.metrics.info.labels(self.settings.service_name, backend.name).set(1)

    # -- jobs --------------------------------------------------------------------------------
    def process_job(self, job: JobRecord, ctx: JobContext) -> None:
        from .videojob import run_video_job

        run_video_job(self, job, ctx)
