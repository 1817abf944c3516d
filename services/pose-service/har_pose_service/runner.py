"""Worker threads that run queued jobs, and the context a running job reports through.

A job that was running when the process stopped is queued again at start (``resume_interrupted_jobs``)
or marked failed; it is never left "running".
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from .heap import release_free_memory
from .store import CANCELLED, DONE, FAILED, QUEUED, RUNNING, JobRecord, JobStore

log = logging.getLogger(__name__)

MAX_RESTARTS = 2  # a job that keeps dying with the process is failed, not retried for ever


class Cancelled(Exception):
    pass


class JobRunner:
    """Worker threads taking job ids from a queue; ``process(job, ctx)`` does the work. A job that
    fails or is cancelled loses its upload unless ``keep_uploads``."""

    def __init__(
        self,
        store: JobStore,
        process: Callable[[JobRecord, JobContext], None],
        workers: int = 1,
        on_depth: Callable[[int], None] | None = None,
        keep_uploads: bool = True,
    ):
        self.store = store
        self._process = process
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._cancel: set[str] = set()
        self._on_depth = on_depth
        self.keep_uploads = keep_uploads
        self._threads = [threading.Thread(target=self._loop, name=f"job-worker-{i}", daemon=True) for i in range(workers)]
        self._stopping = False

    def start(self, resume: bool) -> None:
        for job in self.store.interrupted():
            restarts = int(job.stats.get("restarts", 0)) + (job.status == RUNNING)
            if resume and restarts <= MAX_RESTARTS and (self.store.dir(job.id) / "input").exists():
                self.store.update(job.id, status=QUEUED, progress=0.0, frames_done=0, error=None, stats={"restarts": restarts})
                self._queue.put(job.id)
            else:
                why = "interrupted by a restart of the service"
                if restarts > MAX_RESTARTS:
                    why += f" {restarts} times"
                self._end(job.id, FAILED, why)
                for tmp in self.store.dir(job.id).glob(".*tmp*"):  # half-written outputs
                    tmp.unlink(missing_ok=True)
        for t in self._threads:
            t.start()
        self._depth()

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)
        self._depth()

    def depth(self) -> int:
        return self._queue.qsize()

    def _depth(self) -> None:
        if self._on_depth:
            self._on_depth(self._queue.qsize())

    def cancel(self, job_id: str) -> None:
        self._cancel.add(job_id)

    def stop(self) -> None:
        self._stopping = True
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            if t.is_alive():  # never started where the pose model failed to load
                t.join(timeout=10)

    def _loop(self) -> None:
        while True:
            try:
                if not self._one():
                    return
            except Exception:  # the worker outlives any one job's trouble
                log.exception("job worker error")
            # the job's frames are garbage now: their memory goes back to the system, so the
            # service's footprint does not creep up job after job
            release_free_memory()

    def _one(self) -> bool:
        """One job from the queue; False when the worker should stop."""
        job_id = self._queue.get()
        self._depth()
        if job_id is None or self._stopping:
            return False
        job = self.store.get(job_id)
        if job_id in self._cancel:  # cancelled while queued: the route marked it, its upload goes here
            self._cancel.discard(job_id)
            if job is not None and job.status in (QUEUED, CANCELLED):
                self._end(job_id, CANCELLED, "cancelled")
            return True
        if job is None or job.status != QUEUED:
            return True
        self.store.update(job_id, status=RUNNING, progress=0.0)
        ctx = JobContext(self, job)
        try:
            self._process(job, ctx)
            if self._stopping:
                return False  # left "running": the next start resumes or fails it
        except Cancelled:
            if self._stopping:
                return False  # shutting down: left "running" for the next start
            self._cancel.discard(job_id)
            if self.store.get(job_id) is not None:
                self._end(job_id, CANCELLED, "cancelled")
        except Exception as exc:  # a job's failure is recorded, never raised
            if self._stopping:
                return False
            log.exception("job %s failed", job_id)
            msg = (
                str(exc)
                if isinstance(exc, (ValueError, OSError))
                else (
                    f"the service failed on this job ({type(exc).__name__}), not because of the video: try again, and "
                    f"if it fails again report it with the job id {job_id} (the service's log has the details)"
                )
            )
            if isinstance(exc, OSError):
                msg = f"could not write the job's files: {exc.strerror or exc}"
            elif isinstance(exc, sqlite3.Error):
                msg = f"the job database could not be written ({exc})"
            elif not isinstance(exc, ValueError):
                trouble = _disk_trouble(ctx.dir)  # e.g. the video writer failing on a full disk
                if trouble:
                    msg = f"could not write the job's files: {trouble}"
            if self.store.get(job_id) is not None:
                self._end(job_id, FAILED, msg)
        return True

    def _end(self, job_id: str, status: str, error: str) -> None:
        """A job ends without a result: recorded, and its upload goes unless uploads are kept."""
        self.store.update(job_id, status=status, error=error)
        if not self.keep_uploads:
            try:
                (self.store.dir(job_id) / "input").unlink(missing_ok=True)
            except OSError as exc:  # a read-only folder: the record above says what happened
                log.warning("could not remove the upload of job %s: %s", job_id, exc)


def _disk_trouble(folder: Path) -> str | None:
    """Why ``folder`` cannot take a small write (full, read-only, gone), or None."""
    probe = folder / f".space-check-{uuid.uuid4().hex}.tmp"
    try:
        with open(probe, "wb") as fh:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass


class JobContext:
    """What a running job reports through: progress (throttled to the database) and cancellation."""

    def __init__(self, runner: JobRunner, job: JobRecord):
        self._runner, self.job = runner, job
        self._last = 0.0

    @property
    def dir(self) -> Path:
        return self._runner.store.dir(self.job.id)

    def check(self) -> None:
        if self.job.id in self._runner._cancel or self._runner._stopping:
            raise Cancelled()

    def progress(self, percent: float, frames_done: int, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= 0.25:
            self._last = now
            self._runner.store.update(self.job.id, progress=min(max(percent, 0.0), 100.0), frames_done=frames_done)

    def finish(self, stats: dict) -> None:
        self._runner.store.update(self.job.id, status=DONE, progress=100.0, stats=stats)
