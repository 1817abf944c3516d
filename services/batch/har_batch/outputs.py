"""Where ``har batch`` reads videos from and writes results to: local paths or fsspec URLs.

Per video ``<stem>.analysis.json`` (the services' ``VideoAnalysis``, the same file as
``har analyze`` saves) and ``<stem>.keypoints.csv``; for the whole run ``segments.parquet`` and
``segments.csv`` (one row per action segment, see :data:`SEGMENT_COLUMNS`) and ``summary.json``.
Every file is written under a temporary name and renamed (locally) or uploaded whole (object
stores), so an analysis JSON that parses is a complete one: that is what makes a run resumable.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import fsspec

from har_common.schemas import VideoAnalysis

ANALYSIS = ".analysis.json"
# the segments table: seconds from the start of the video; confidence is the segment's mean
SEGMENT_COLUMNS = ("video", "track", "label", "start", "end", "duration", "confidence")


def is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


class Destination:
    """The results folder (a path or an fsspec URL such as ``s3://bucket/results``)."""

    def __init__(self, root: str):
        self.root = root.rstrip("/") or "/"
        self.fs, self.path = fsspec.core.url_to_fs(self.root)
        self.local = not is_url(root)

    def _join(self, rel: str) -> str:
        return f"{self.path}/{rel}"

    def analysis_path(self, name: str) -> str:
        return self._join(name + ANALYSIS)

    def load(self, name: str) -> VideoAnalysis | None:
        """A video's complete analysis, or None (absent, cut short, or not an analysis)."""
        try:
            with self.fs.open(self.analysis_path(name), "rb") as fh:
                return VideoAnalysis.model_validate_json(fh.read())
        except (OSError, ValueError):
            return None

    def fetch(self, uri: str, target: Path) -> Path:
        """The video as a local file at ``target``: a link to a local one, a download of a URL."""
        if not is_url(uri):
            src = Path(uri.removeprefix("file://")).resolve()
            if not src.is_file():
                raise FileNotFoundError(f"no such video: {src}")
            target.symlink_to(src)
            return target
        with fsspec.open(uri, "rb") as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        return target

    def store(self, job_dir: Path, name: str, render: bool = False) -> None:
        """A finished job's files under ``name``; the analysis last, so that it marks the video done."""
        files = [("keypoints.csv", ".keypoints.csv")]
        if render:
            files.append(("annotated.mp4", ".annotated.mp4"))
        files.append(("result.json", ANALYSIS))
        for src, suffix in files:
            self.put(job_dir / src, name + suffix)

    def put(self, src: Path, rel: str) -> None:
        """``src`` to ``rel`` under the destination, whole or not at all."""
        target = self._join(rel)
        parent = target.rsplit("/", 1)[0]
        if self.local:
            os.makedirs(parent, exist_ok=True)
            tmp = f"{parent}/.{target.rsplit('/', 1)[-1]}.tmp"
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
        else:
            self.fs.makedirs(parent, exist_ok=True)
            self.fs.put_file(str(src), target)

    def write_text(self, rel: str, text: str) -> None:
        target = self._join(rel)
        if self.local:
            os.makedirs(self.path, exist_ok=True)
            tmp = f"{target}.tmp"
            Path(tmp).write_text(text)
            os.replace(tmp, target)
        else:
            with self.fs.open(target, "w") as fh:
                fh.write(text)


def segment_rows(name: str, analysis: VideoAnalysis) -> list[dict]:
    """One row per segment of one video (``SEGMENT_COLUMNS``); times in seconds."""
    return [
        {
            "video": name,
            "track": s.track_id,
            "label": s.label,
            "start": round(s.start_ms / 1000.0, 3),
            "end": round(s.end_ms / 1000.0, 3),
            "duration": round((s.end_ms - s.start_ms) / 1000.0, 3),
            "confidence": s.mean_confidence,
        }
        for s in analysis.segments
    ]


def write_tables(dest: Destination, rows: list[dict]) -> None:
    """``segments.parquet`` and ``segments.csv`` (``track`` nullable: null for an untracked person)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS)).astype({"track": "Int64"})
    df = df.sort_values(["video", "track", "start"], kind="stable", na_position="first").reset_index(drop=True)
    for rel, write in (("segments.parquet", df.to_parquet), ("segments.csv", df.to_csv)):
        target = dest._join(rel)
        tmp = dest._join(f".{rel}.tmp")
        with dest.fs.open(tmp, "wb") as fh:
            write(fh, index=False)
        dest.fs.mv(tmp, target)


def write_summary(dest: Destination, summary: dict) -> None:
    dest.write_text("summary.json", json.dumps(summary, indent=2) + "\n")
