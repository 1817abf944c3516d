"""OpenPose COCO-18 per-frame CSV rows (the LZQ data): 36 columns x, y in [0, 1], then the label.

Rows carry no video or subject id, only their order in time. They are cut into sequences where the
label changes or the skeleton jumps (the mean step of joints visible in both rows exceeds ``jump``,
in image fractions), which is where one recording ended and the next began. A row that repeats one
already read, whatever its label (``data.csv`` repeats ``data_under_scene.csv``'s stand and walk rows) is skipped, and
a sequence is cut there too. Each sequence keeps its file and row range in ``meta`` so that splits
can keep contiguous time blocks apart.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..convert import from_openpose18_normalized
from ..dataset import SequenceRecord

# The LZQ webcam frames: OpenPose normalised by a 640x480 image (the code's capture size).
DEFAULT_SIZE = (640, 480)
DEFAULT_FPS = 10.0  # the LZQ recorder's frame rate is undocumented: 10 fps is an assumption (--fps)

# ``data_under_scene.csv`` stores its labels as numbers; ``action_enum.txt`` names them.
KNOWN_LABELS = {"data_under_scene.csv": {"0": "stand", "1": "walk", "2": "operate", "3": "fall_down", "4": "run"}}


def _mean_step(a: np.ndarray, b: np.ndarray) -> float:
    both = ((a != 0).any(axis=1)) & ((b != 0).any(axis=1))
    if not both.any():
        return float("inf")
    return float(np.linalg.norm(a[both] - b[both], axis=1).mean())


def load_openpose_csv(
    paths: Iterable[str | Path],
    label_map: dict[str, str] | None = None,
    jump: float = 0.05,
    min_length: int = 10,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: float = DEFAULT_FPS,
) -> list[SequenceRecord]:
    """Read CSV files in the given order into labelled sequences of at least ``min_length`` rows."""
    seen: set[tuple] = set()
    records: list[SequenceRecord] = []

    def close(path: Path, run: list[np.ndarray], run_label: str | None, run_start: int, end_row: int) -> None:
        if run and len(run) >= min_length:
            label = run_label if label_map is None else label_map.get(run_label)
            if label is not None:
                xy = np.stack(run).reshape(-1, 18, 2)
                records.append(
                    SequenceRecord(
                        label,
                        from_openpose18_normalized(xy, *size),
                        subject=None,
                        source=f"{path.parent.name}/{path.name}#rows={run_start}-{end_row - 1}",
                        fps=fps,
                        meta={"file": path.name, "start_row": run_start, "end_row": end_row - 1, "source_label": run_label},
                    )
                )
        run.clear()

    for path in paths:
        path = Path(path)
        with path.open(newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            continue
        header, body = rows[0], rows[1:]
        if len(header) != 37:
            raise ValueError(f"{path.name}: expected 36 coordinate columns and a label, got {len(header)} columns")
        names = KNOWN_LABELS.get(path.name, {})
        run: list[np.ndarray] = []
        run_label, run_start = None, 0

        for i, row in enumerate(body):
            if len(row) != 37:
                raise ValueError(f"{path.name} row {i + 2}: expected 37 fields, got {len(row)}")
            key = tuple(row[:36])
            label = row[36].strip()
            label = names.get(label, label)
            xy = np.asarray([float(v) for v in row[:36]], dtype=np.float32)
            duplicate = key in seen
            seen.add(key)
            cut = duplicate or label != run_label or (run and _mean_step(run[-1].reshape(18, 2), xy.reshape(18, 2)) > jump)
            if cut:
                close(path, run, run_label, run_start, i)
                run_label, run_start = label, i
            if not duplicate:
                run.append(xy)
            else:
                run_start = i + 1
        close(path, run, run_label, run_start, len(body))
    return records
