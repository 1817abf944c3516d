"""A finished job's result files, each written to a temporary name and renamed, so a crash never
leaves a half-written file that looks complete."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from har_common.layouts import COCO17
from har_common.schemas import FrameResult, ModelInfo, SourceInfo, VideoAnalysis


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
                row = [
                    fr.frame_index,
                    round(fr.timestamp_ms, 3),
                    "" if p.track_id is None else p.track_id,
                    p.action.label if p.action else "",
                    p.action.confidence if p.action else "",
                    p.score,
                ]
                for x, y, s in p.keypoints:
                    row += [x, y, s]
                w.writerow(row)


def analysis(
    frames: list[FrameResult], segments, source: dict, pose_model: str, classifier: str | None, labels: str | None = None
) -> VideoAnalysis:
    return VideoAnalysis(
        source=SourceInfo(**source),
        models=ModelInfo(pose=pose_model, classifier=classifier),
        labels=labels if classifier else None,
        frames=frames,
        segments=segments,
    )


def write_results(job_dir: Path, result: VideoAnalysis) -> None:
    _atomic_write(job_dir / "result.json", lambda p: p.write_text(result.model_dump_json()))
    _atomic_write(job_dir / "keypoints.csv", lambda p: write_csv(p, result.frames))
