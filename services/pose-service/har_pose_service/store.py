"""The job store: a SQLite table plus one folder of files per job under the data folder.

A job's files (all names generated here, never the client's)::

    <data>/jobs/<id>/input        the upload (removed when done unless keep_uploads)
    <data>/jobs/<id>/result.json  VideoAnalysis
    <data>/jobs/<id>/keypoints.csv
    <data>/jobs/<id>/annotated.mp4

The files are written by :mod:`.results`, the jobs run by :mod:`.runner`.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from har_common.schemas import Job, JobLinks

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
TERMINAL = {DONE, FAILED, CANCELLED}

_COLUMNS = (
    "id",
    "status",
    "progress",
    "created_at",
    "updated_at",
    "filename",
    "error",
    "options",
    "source",
    "frames_done",
    "stats",
)


@dataclass
class JobRecord:
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

    def public(self, links: bool = False) -> JobRecord:
        """The job as the API shows it; ``links`` on the single-job answers."""
        base = f"/v1/jobs/{self.id}"
        return Job(
            id=self.id,
            status=self.status,
            progress=round(self.progress, 1),
            created_at=self.created_at,
            updated_at=self.updated_at,
            filename=self.filename,
            error=self.error,
            options=self.options,
            source=self.source,
            frames_done=self.frames_done,
            stats=self.stats,
            result_url=f"{base}/result" if self.status == DONE else None,
            links=JobLinks(
                self=base,
                events=f"{base}/events",
                result=f"{base}/result",
                keypoints_csv=f"{base}/keypoints.csv",
                video=f"{base}/video",
            )
            if links
            else None,
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
            raise RuntimeError(
                f"data folder {self.root} is not writable: {exc.strerror or exc} (set the data_dir setting to a writable folder)"
            ) from None
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
            " source TEXT, frames_done INTEGER NOT NULL DEFAULT 0, stats TEXT)"
        )
        # stale uploads from a crash mid-upload
        for part in self.uploads_dir.glob("*.part"):
            part.unlink(missing_ok=True)

    def dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    @staticmethod
    def _row(row) -> JobRecord:
        d = dict(zip(_COLUMNS, row))
        for k in ("options", "source", "stats"):
            d[k] = json.loads(d[k]) if d[k] else ({} if k != "source" else None)
        return JobRecord(**d)

    def create(self, filename: str | None, options: dict, source: dict) -> JobRecord:
        now = time.time()
        job = JobRecord(
            id=uuid.uuid4().hex,
            status=QUEUED,
            progress=0.0,
            created_at=now,
            updated_at=now,
            filename=filename,
            options=options,
            source=source,
        )
        with self._lock:
            self._db.execute(
                f"INSERT INTO jobs ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                (
                    job.id,
                    job.status,
                    job.progress,
                    job.created_at,
                    job.updated_at,
                    job.filename,
                    job.error,
                    json.dumps(job.options),
                    json.dumps(job.source),
                    0,
                    json.dumps({}),
                ),
            )
        return job

    def _overlay(self, row) -> JobRecord:
        job = self._row(row)
        unsaved = self._unsaved.get(job.id)
        if unsaved:
            for k, v in unsaved.items():
                setattr(job, k, json.loads(v) if k in ("options", "source", "stats") else v)
        return job

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute(f"SELECT {','.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return self._overlay(row) if row else None

    def list(self, limit: int = 100, offset: int = 0) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {','.join(_COLUMNS)} FROM jobs ORDER BY created_at DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
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
                for other in list(self._unsaved):  # older changes first, now that it may work
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

    def interrupted(self) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {','.join(_COLUMNS)} FROM jobs WHERE status IN (?, ?) ORDER BY created_at", (QUEUED, RUNNING)
            ).fetchall()
        return [self._row(r) for r in rows]

    def ended(self) -> list[JobRecord]:
        """Jobs that are done, failed or cancelled, the longest-ended first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {','.join(_COLUMNS)} FROM jobs WHERE status IN (?, ?, ?) ORDER BY updated_at", tuple(TERMINAL)
            ).fetchall()
        return [self._overlay(r) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
