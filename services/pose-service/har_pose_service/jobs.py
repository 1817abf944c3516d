"""Video jobs: a SQLite table plus one folder of files per job under the data folder.

A job's files (all names generated here, never the client's)::

    <data>/jobs/<id>/input        the upload (removed when done unless keep_uploads)
    <data>/jobs/<id>/result.json  VideoAnalysis
    <data>/jobs/<id>/keypoints.csv
    <data>/jobs/<id>/annotated.mp4

Results are written to a temporary name and renamed, so a crash never leaves a half-written file
that looks complete. A job that was running when the process stopped is queued again at start
(``resume_interrupted_jobs``) or marked failed; it is never left "running".
"""

from __future__ import annotations

import csv
import json
import logging
import os
import queue
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from har_common.layouts import COCO17
from har_common.schemas import FrameResult, JobLinks, ModelInfo, SourceInfo, VideoAnalysis
from har_common.schemas import Job as JobView

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
TERMINAL = {DONE, FAILED, CANCELLED}
MAX_RESTARTS = 2        # a job that keeps dying with the process is failed, not retried for ever

_COLUMNS = ("id", "status", "progress", "created_at", "updated_at", "filename", "error", "options",
            "source", "frames_done", "stats")


@dataclass
class Job:
    id: str
    status: str
    progress: float
    created_at: float
    updated_at: float
    filename: str | None = None
    error: str | None = None
    options: dict = field(default_factory=dict)
    source: dict | None = None
    frames_done: int = 0
    stats: dict = field(default_factory=dict)

    def public(self, links: bool = False) -> JobView:
        """The job as the API shows it; ``links`` on the single-job answers."""
        base = f"/v1/jobs/{self.id}"
        return JobView(
            id=self.id, status=self.status, progress=round(self.progress, 1), created_at=self.created_at,
            updated_at=self.updated_at, filename=self.filename, error=self.error, options=self.options,
            source=self.source, frames_done=self.frames_done, stats=self.stats,
            result_url=f"{base}/result" if self.status == DONE else None,
            links=JobLinks(self=base, events=f"{base}/events", result=f"{base}/result",
                           keypoints_csv=f"{base}/keypoints.csv", video=f"{base}/video") if links else None,
        )


class JobStore:
    """Thread-safe; one connection guarded by a lock (SQLite WAL)."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir)
        self.jobs_dir = self.root / "jobs"
        self.uploads_dir = self.root / "uploads"
        probe = self.root / f".write-test-{uuid.uuid4().hex}"
        try:
            for d in (self.jobs_dir, self.uploads_dir):
                d.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise RuntimeError(f"data folder {self.root} is not writable: {exc.strerror or exc} "
                               f"(set the data_dir setting to a writable folder)") from None
        self._lock = threading.Lock()
        # updates the database could not take (disk full, read-only): served from memory and
        # written as soon as it takes writes again; a restart turns their jobs "interrupted"
        self._unsaved: dict[str, dict] = {}
        self._db = sqlite3.connect(self.root / "jobs.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, progress REAL NOT NULL,"
            " created_at REAL NOT NULL, updated_at REAL NOT NULL, filename TEXT, error TEXT, options TEXT,"
            " source TEXT, frames_done INTEGER NOT NULL DEFAULT 0, stats TEXT)")
        # stale uploads from a crash mid-upload
        for part in self.uploads_dir.glob("*.part"):
            part.unlink(missing_ok=True)

    def dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    @staticmethod
    def _row(row) -> Job:
        d = dict(zip(_COLUMNS, row))
        for k in ("options", "source", "stats"):
            d[k] = json.loads(d[k]) if d[k] else ({} if k != "source" else None)
        return Job(**d)

    def create(self, filename: str | None, options: dict, source: dict) -> Job:
        now = time.time()
        job = Job(id=uuid.uuid4().hex, status=QUEUED, progress=0.0, created_at=now, updated_at=now,
                  filename=filename, options=options, source=source)
        with self._lock:
            self._db.execute(
                f"INSERT INTO jobs ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                (job.id, job.status, job.progress, job.created_at, job.updated_at, job.filename, job.error,
                 json.dumps(job.options), json.dumps(job.source), 0, json.dumps({})))
        return job

    def _overlay(self, row) -> Job:
        job = self._row(row)
        unsaved = self._unsaved.get(job.id)
        if unsaved:
            for k, v in unsaved.items():
                setattr(job, k, json.loads(v) if k in ("options", "source", "stats") else v)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute(f"SELECT {','.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return self._overlay(row) if row else None

    def list(self, limit: int = 100, offset: int = 0) -> list[Job]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(_COLUMNS)} FROM jobs ORDER BY created_at DESC LIMIT ? OFFSET ?",
                                    (limit, offset)).fetchall()
            return [self._overlay(r) for r in rows]

    def update(self, job_id: str, **fields: Any) -> None:
        """Never raises for a full or read-only disk: the change is then kept in memory (and
        shown by get/list) until the database takes writes again."""
        fields["updated_at"] = time.time()
        for k in ("options", "source", "stats"):
            if k in fields:
                fields[k] = json.dumps(fields[k])
        with self._lock:
            pending = {**self._unsaved.pop(job_id, {}), **fields}
            try:
                for other in list(self._unsaved):          # older changes first, now that it may work
                    self._write(other, self._unsaved[other])
                    del self._unsaved[other]
                self._write(job_id, pending)
            except sqlite3.Error as exc:
                if not self._unsaved:
                    log.error("the job database cannot be written (%s): job states kept in memory", exc)
                self._unsaved[job_id] = pending

    def _write(self, job_id: str, fields: dict) -> None:
        cols = ", ".join(f"{k} = ?" for k in fields)
        self._db.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*fields.values(), job_id))

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            self._unsaved.pop(job_id, None)
        shutil.rmtree(self.dir(job_id), ignore_errors=True)

    def count(self, *statuses: str) -> int:
        with self._lock:
            return self._db.execute(
                f"SELECT COUNT(*) FROM jobs WHERE status IN ({','.join('?' * len(statuses))})", statuses
            ).fetchone()[0]

    def interrupted(self) -> list[Job]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(_COLUMNS)} FROM jobs WHERE status IN (?, ?) ORDER BY created_at",
                                    (QUEUED, RUNNING)).fetchall()
        return [self._row(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(path: Path, frames: list[FrameResult]) -> None:
    """One row per person per frame: time, track, label, then x, y, score of the 17 joints."""
    header = ["frame_index", "timestamp_ms", "track_id", "label", "confidence", "person_score"]
    for name in COCO17.joints:
        header += [f"{name}_x", f"{name}_y", f"{name}_score"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for fr in frames:
            for p in fr.persons:
                row = [fr.frame_index, round(fr.timestamp_ms, 3), "" if p.track_id is None else p.track_id,
                       p.action.label if p.action else "", p.action.confidence if p.action else "", p.score]
                for x, y, s in p.keypoints:
                    row += [x, y, s]
                w.writerow(row)


class Cancelled(Exception):
    pass


class JobRunner:
    """Worker threads taking job ids from a queue; ``process(job, ctx)`` does the work."""

    def __init__(self, store: JobStore, process: Callable[[Job, "JobContext"], None], workers: int = 1,
                 on_depth: Callable[[int], None] | None = None):
        self.store = store
        self._process = process
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._cancel: set[str] = set()
        self._on_depth = on_depth
        self._threads = [threading.Thread(target=self._loop, name=f"job-worker-{i}", daemon=True)
                         for i in range(workers)]
        self._stopping = False

    def start(self, resume: bool) -> None:
        for job in self.store.interrupted():
            restarts = int(job.stats.get("restarts", 0)) + (job.status == RUNNING)
            if resume and restarts <= MAX_RESTARTS and (self.store.dir(job.id) / "input").exists():
                self.store.update(job.id, status=QUEUED, progress=0.0, frames_done=0, error=None,
                                  stats={"restarts": restarts})
                self._queue.put(job.id)
            else:
                why = "interrupted by a restart of the service"
                if restarts > MAX_RESTARTS:
                    why += f" {restarts} times"
                self.store.update(job.id, status=FAILED, error=why)
                for tmp in self.store.dir(job.id).glob(".*tmp*"):      # half-written outputs
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
            t.join(timeout=10)

    def _loop(self) -> None:
        while True:
            try:
                if not self._one():
                    return
            except Exception:  # noqa: BLE001 - the worker outlives any one job's trouble
                log.exception("job worker error")

    def _one(self) -> bool:
        """One job from the queue; False when the worker should stop."""
        job_id = self._queue.get()
        self._depth()
        if job_id is None or self._stopping:
            return False
        job = self.store.get(job_id)
        if job is None or job.status != QUEUED:
            return True
        if job_id in self._cancel:
            self._cancel.discard(job_id)
            return True
        self.store.update(job_id, status=RUNNING, progress=0.0)
        ctx = JobContext(self, job)
        try:
            self._process(job, ctx)
            if self._stopping:
                return False        # left "running": the next start resumes or fails it
        except Cancelled:
            if self._stopping:
                return False        # shutting down: left "running" for the next start
            self._cancel.discard(job_id)
            if self.store.get(job_id) is not None:
                self.store.update(job_id, status=CANCELLED, error="cancelled")
        except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, never raised
            if self._stopping:
                return False
            log.exception("job %s failed", job_id)
            msg = str(exc) if isinstance(exc, (ValueError, OSError)) else f"internal error ({type(exc).__name__})"
            if isinstance(exc, OSError):
                msg = f"could not write the job's files: {exc.strerror or exc}"
            elif isinstance(exc, sqlite3.Error):
                msg = f"the job database could not be written ({exc})"
            elif not isinstance(exc, ValueError):
                trouble = _disk_trouble(ctx.dir)          # e.g. the video writer failing on a full disk
                if trouble:
                    msg = f"could not write the job's files: {trouble}"
            if self.store.get(job_id) is not None:
                self.store.update(job_id, status=FAILED, error=msg)
        return True


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

    def __init__(self, runner: JobRunner, job: Job):
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


def analysis(frames: list[FrameResult], segments, source: dict, pose_model: str, classifier: str | None) -> VideoAnalysis:
    return VideoAnalysis(
        source=SourceInfo(**source), models=ModelInfo(pose=pose_model, classifier=classifier),
        frames=frames, segments=segments,
    )


def write_results(job_dir: Path, result: VideoAnalysis) -> None:
    _atomic_write(job_dir / "result.json", lambda p: p.write_text(result.model_dump_json()))
    _atomic_write(job_dir / "keypoints.csv", lambda p: write_csv(p, result.frames))
