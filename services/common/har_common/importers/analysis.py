"""The project's own analysis JSON files (:class:`har_common.schemas.VideoAnalysis`), labelled by a CSV.

The labels CSV has a header and the columns ``file,label,subject``; ``file`` is the path of an
analysis JSON, relative to the CSV. Every track of a file with at least ``min_length`` frames
becomes one sequence with that row's label and subject. The frame rate is the video's, divided by
the frame stride the analysis was made with (read from the frame indices).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..dataset import SequenceRecord
from ..schemas import VideoAnalysis

REQUIRED_COLUMNS = ("file", "label", "subject")


def load_analysis_labels(labels_csv: str | Path, min_length: int = 10) -> list[SequenceRecord]:
    labels_csv = Path(labels_csv)
    with labels_csv.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{labels_csv.name}: missing column(s) {missing}; expected {list(REQUIRED_COLUMNS)}")
        rows = list(reader)
    records: list[SequenceRecord] = []
    for line, row in enumerate(rows, start=2):
        path = (labels_csv.parent / row["file"]).resolve()
        label, subject = row["label"].strip(), (row["subject"] or "").strip() or None
        if not label:
            raise ValueError(f"{labels_csv.name} line {line}: empty label")
        if not path.is_file():
            raise FileNotFoundError(f"{labels_csv.name} line {line}: no such analysis file {row['file']!r}")
        analysis = VideoAnalysis.model_validate_json(path.read_bytes())
        records.extend(_tracks(analysis, label, subject, row["file"], min_length))
    return records


def _tracks(analysis: VideoAnalysis, label: str, subject: str | None, name: str, min_length: int):
    frames_by_track: dict[int | None, list[tuple[int, list]]] = defaultdict(list)
    for frame in analysis.frames:
        for person in frame.persons:
            frames_by_track[person.track_id].append((frame.frame_index, person.keypoints))
    for track_id, items in sorted(frames_by_track.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        if len(items) < min_length:
            continue
        indices = np.array([i for i, _ in items])
        stride = float(np.median(np.diff(indices))) if len(indices) > 1 else 1.0
        keypoints = np.asarray([kp for _, kp in items], dtype=np.float32)
        yield SequenceRecord(
            label,
            keypoints,
            subject=subject,
            source=f"{name}#track={track_id}",
            fps=analysis.source.fps / max(stride, 1.0),
            meta={"file": name, "track_id": track_id, "first_frame": int(indices[0]), "last_frame": int(indices[-1])},
        )
