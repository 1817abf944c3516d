"""The Ray Data actor that analyses videos: it holds one loaded pose model and runs each video
through the pose services' own video job (:func:`har_pose_service.videojob.run_video_job`), so
decoding, posing, the frames-to-actions pipeline, notices and the result files are the services'
code, not a copy.

A worker is the service's job runner reduced to one job at a time: the job's folder is a scratch
folder on the worker's disk holding ``input`` (the video, linked or downloaded), the job writes
``result.json`` and ``keypoints.csv`` there, and the worker copies them to the destination
(``<stem>.analysis.json``, ``<stem>.keypoints.csv``; ``<stem>.annotated.mp4`` with ``render``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backends import kind
from .outputs import Destination

log = logging.getLogger(__name__)


@dataclass
class _State:
    """What :func:`run_video_job` reads of a service's state (``ServiceState``): settings, the
    loaded back end, the classifier client, the pipeline's settings and the metrics."""

    settings: Any
    backend: Any
    classifier: Any
    config: Any
    metrics: Any


@dataclass
class _Context:
    """What a running job reports through (the service's ``JobContext``): its folder, progress,
    cancellation (a batch job is never cancelled) and its figures at the end."""

    dir: Path
    stats: dict = field(default_factory=dict)
    frames_done: int = 0

    def check(self) -> None:
        pass

    def progress(self, percent: float, frames_done: int, force: bool = False) -> None:
        self.frames_done = frames_done

    def finish(self, stats: dict) -> None:
        self.stats = stats


class VideoAnalyst:
    """One Ray actor: loads the back end once, then analyses the videos of each batch in turn.

    ``settings`` is the service's settings as a dict (see :mod:`.backends`), ``options`` a job's
    options (``stride``, ``actions``, ``render``, ``model``, ``labels``), ``dest`` where results go (a folder
    or an fsspec URL), ``classifier_url`` the classifier service (None: actions off).
    """

    def __init__(
        self,
        multi: bool,
        settings: dict,
        options: dict,
        dest: str,
        classifier_url: str | None,
        scratch: str | None = None,
    ):
        from har_common.pose.pipeline import PipelineConfig
        from har_pose_service.classifier import ClassifierClient
        from har_pose_service.metrics import Metrics

        backend_kind = kind(multi)
        s = backend_kind.settings(settings)
        self.options = options
        self.dest = Destination(dest)
        self.scratch = Path(scratch or tempfile.gettempdir())
        clf = ClassifierClient(
            classifier_url if options.get("actions", True) else None,
            s.classifier_model,
            s.classifier_timeout_s,
            api_key=s.classifier_api_key or s.api_key or None,
        )
        backend = backend_kind.load().load_backend(s)
        self.st = _State(s, backend, clf, PipelineConfig(), Metrics(s.service_name))

    def __call__(self, batch: dict) -> dict:
        """``batch``: columns ``uri`` (the video) and ``name`` (its result's stem under the destination).
        Returns one row per video: ``uri``, ``name``, ``status`` (done or failed), ``error``,
        ``frames``, ``seconds`` (wall time of the analysis), ``segments``."""
        rows = [self.analyse(str(u), str(n)) for u, n in zip(batch["uri"], batch["name"])]
        return {k: [r[k] for r in rows] for k in ("uri", "name", "status", "error", "frames", "seconds", "segments")}

    def analyse(self, uri: str, name: str) -> dict:
        """One video: a failure (a broken file, a write error) is its row's ``error``, never raised."""
        from har_pose_service.videojob import run_video_job

        t0 = time.perf_counter()
        work = self.scratch / f"har-batch-{uuid.uuid4().hex}"
        row = {"uri": uri, "name": name, "status": "failed", "error": "", "frames": 0, "seconds": 0.0, "segments": 0}
        try:
            work.mkdir(parents=True)
            local = self.dest.fetch(uri, work / "input")
            job = _job(self.st, local, uri, self.options)
            ctx = _Context(work)
            run_video_job(self.st, job, ctx)
            self.dest.store(work, name, render=bool(self.options.get("render")))
            row.update(status="done", frames=int(ctx.stats.get("frames", 0)), segments=int(ctx.stats.get("segments", 0)))
        except Exception as exc:  # noqa: BLE001 - one video's trouble is reported, the run goes on
            log.warning("%s failed: %s", uri, exc)
            row["error"] = _describe(exc)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        row["seconds"] = round(time.perf_counter() - t0, 3)
        return row


def _job(st: _State, video: Path, uri: str, options: dict):
    """The job record the service would have made at upload: the video probed with the service's
    limits (a file it would refuse with 422 fails here with the same message)."""
    from har_pose_service.decoder import probe_video
    from har_pose_service.store import QUEUED, JobRecord

    s = st.settings
    probe = probe_video(video, s.max_video_duration_s, s.max_video_pixels)
    source = probe.source(uri.rsplit("/", 1)[-1])
    opts = {"stride": s.job_frame_stride, "raw": False, "actions": True, "render": False, **options}
    now = time.time()
    return JobRecord(
        id=uuid.uuid4().hex,
        status=QUEUED,
        progress=0.0,
        created_at=now,
        updated_at=now,
        filename=source.filename,
        options={k: v for k, v in opts.items() if v is not None},
        source=source.model_dump(),
    )


def _describe(exc: Exception) -> str:
    """What the summary says about a failed video: the service's own message for bad input."""
    if isinstance(exc, (ValueError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"
