"""The two drivers that take one stream's frames through the frames-to-actions pipeline and the
classifier (:class:`~har_common.pose.pipeline.ActionRecognizer` plus :class:`~.classifier.ClassifierClient`).

:class:`SyncActions` classifies in line (video jobs, where every frame must carry its label);
:class:`LiveActions` classifies in the background on the event loop (live streams: a frame is never
held back by the classifier; at most one call per stream is in flight, and windows that come due
meanwhile wait, the newest per track winning).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence

from har_common.pose.backend import Detection
from har_common.pose.centred import relabel
from har_common.pose.pipeline import ActionRecognizer, PipelineConfig, WindowRequest
from har_common.schemas import ActionLabel, ActionSegment, FrameResult, ModelDescription, UnlabelledSpan

from .classifier import ClassifierClient


class SyncActions:
    """Actions for a video job: windows are classified in line, so each frame has its live label at
    once; with ``centred=True`` :meth:`relabel` then decides every label again from the windows
    around it (:mod:`har_common.pose.centred`), once the whole video is posed.

    ``enabled=False`` (or no classifier): frames carry no labels. ``model`` names a classifier model
    other than the service's (checked at upload: see :meth:`ClassifierClient.spec_for`).
    """

    def __init__(
        self,
        client: ClassifierClient | None,
        config: PipelineConfig | None = None,
        enabled: bool = True,
        model: str | None = None,
        centred: bool = False,
    ):
        self.client = client if (enabled and client is not None and client.enabled) else None
        self.model = model if self.client else None
        self._classify = None if self.client is None else functools.partial(self.client.classify, model=self.model)
        spec = self._spec()
        self.centred = centred
        self.tracker = ActionRecognizer(spec, config, keep_windows=centred)

    def _spec(self) -> ModelDescription | None:
        if self.client is None:
            return None
        if self.model is None:
            return self.client.fetch_spec()
        try:
            return self.client.spec_for(self.model)
        except (ConnectionError, LookupError):
            return None  # asked again at the next frame, like the service's own model

    @property
    def status(self) -> str:
        return self.client.status if self.client else "off"

    @property
    def model_name(self) -> str | None:
        return self.tracker.spec.name if self.tracker.spec else None

    def wait_for_model(self, seconds: float, check=None, poll_s: float = 0.5) -> bool:
        """Wait up to ``seconds`` for a classifier that has not answered yet (one starting with the
        service, say), calling ``check()`` meanwhile (a job's cancellation); True once a model is known.
        Without a classifier, or with one that answered already, returns at once."""
        if self.client is None or self.tracker.spec is not None:
            return self.tracker.spec is not None
        deadline = time.monotonic() + seconds
        while True:
            spec = self._spec()
            if spec is not None:
                self.tracker.set_spec(spec)
                return True
            if time.monotonic() >= deadline:
                return False
            if check is not None:
                check()
            time.sleep(poll_s)

    def process(self, t_ms: float, detections: Sequence[Detection]) -> list[ActionLabel | None]:
        if self.client is not None and self.tracker.spec is None:
            self.tracker.set_spec(self._spec())
        return self.tracker.step(t_ms, detections, self._classify)

    def drain_segments(self) -> list[ActionSegment]:
        return self.tracker.drain_segments()

    def drain_unlabelled(self) -> list[UnlabelledSpan]:
        return self.tracker.drain_unlabelled()

    def finish(self, t_ms: float | None = None) -> list[ActionSegment]:
        return self.tracker.finish(t_ms)

    def relabel(self, frames: Sequence[FrameResult]) -> tuple[list[ActionSegment], list[UnlabelledSpan]] | None:
        """Every label in ``frames`` decided again from the windows around it (in place), with the
        segments and ``uncertain`` spans cut from them; None (nothing changed) unless ``centred``
        and a model labelled the frames."""
        if not self.centred or self.tracker.spec is None or self.tracker.windows is None:
            return None
        return relabel(frames, self.tracker.windows, self.tracker.spec, self.tracker.config)


class LiveActions:
    """Actions for a live stream, on the event loop; :meth:`process` never waits for the network."""

    def __init__(self, client: ClassifierClient | None, config: PipelineConfig | None = None, enabled: bool = True):
        self.client = client if (enabled and client is not None and client.enabled) else None
        self.tracker = ActionRecognizer(self.client.spec if self.client else None, config)
        self._task: asyncio.Task | None = None
        self._pending: dict[int | None, WindowRequest] = {}

    @property
    def status(self) -> str:
        return self.client.status if self.client else "off"

    def process(self, t_ms: float, detections: Sequence[Detection]) -> list[ActionLabel | None]:
        """Call on the event loop thread, once per frame, in time order."""
        if self.client is not None:
            if self.tracker.spec is None and self.client.spec is not None:
                self.tracker.set_spec(self.client.spec)
            due = self.tracker.observe(t_ms, detections)
            for req in due:
                self._pending[req.track_id] = req
            if self._task is None and (self._pending or self.client.spec is None):
                self._task = asyncio.get_running_loop().create_task(self._run())
        return self.tracker.frame_labels(t_ms, detections)

    async def _run(self) -> None:
        try:
            while True:
                if self.client.spec is None:
                    await self.client.afetch_spec()
                    if self.client.spec is None:
                        return
                    self.tracker.set_spec(self.client.spec)
                if not self._pending:
                    return
                batch = list(self._pending.values())
                self._pending.clear()
                results = await self.client.aclassify(batch)
                if results is None:
                    return  # unavailable: drop these windows, newer ones retry
                self.tracker.apply(batch, results)
        finally:
            self._task = None

    def drain_segments(self) -> list[ActionSegment]:
        return self.tracker.drain_segments()

    def finish(self, t_ms: float | None = None) -> list[ActionSegment]:
        return self.tracker.finish(t_ms)

    async def aclose(self) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            try:
                await task
            except BaseException:  # noqa: BLE001
                pass
