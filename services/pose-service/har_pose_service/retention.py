"""Retention of ended jobs: a job that is done, failed or cancelled goes (its row and every file)
once it ended longer ago than ``retention_days``, and the longest-ended ones go first while the
jobs' files take more than ``retention_max_gb``. Jobs that are queued or running are never touched.
The service applies it at start and every ``retention_interval_s``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .store import JobStore

log = logging.getLogger(__name__)


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (0 when it is gone)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def purge(store: JobStore, max_age_s: float, max_bytes: int, now: float | None = None) -> list[str]:
    """Delete ended jobs past ``max_age_s`` (0: no age limit), then the longest-ended ones while all
    jobs' files exceed ``max_bytes`` (0: no size limit); the ids deleted."""
    now = time.time() if now is None else now
    gone: list[str] = []
    ended = store.ended()
    for job in ended:
        if max_age_s > 0 and now - job.updated_at > max_age_s:
            store.delete(job.id)
            gone.append(job.id)
    if max_bytes > 0:
        total = folder_bytes(store.jobs_dir)
        for job in ended:
            if total <= max_bytes:
                break
            if job.id in gone:
                continue
            total -= folder_bytes(store.dir(job.id))
            store.delete(job.id)
            gone.append(job.id)
    if gone:
        log.info("retention: %d ended job(s) deleted", len(gone))
    return gone
