"""Windows of the records: the samples training, validation and evaluation run on, their labels and weights.

Short records (UTD trials) are one sample each; long ones are cut into windows of the model's
duration (non-overlapping for evaluation, overlapping and a little longer for training so that
random crops and speed changes have room).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from har_common.dataset import SequenceRecord
from har_common.schemas import WindowSpec

from .sources import dataset_of


@dataclass
class Sample:
    keypoints: np.ndarray  # (T, 17, 3) pixels
    fps: float
    label: str
    dataset: str
    source: str
    synthetic: bool = False  # made from 3D data or held still (no pose estimator's errors): see is_synthetic


def is_synthetic(record: SequenceRecord) -> bool:
    """Whether a record was made rather than seen by a pose estimator: motion capture (``train_only``), a
    virtual camera's or a turned viewpoint of a 3D trial (``view``, ``yaw``), or frames held still (``derived``)."""
    m = record.meta
    return bool(m.get("train_only") or "view" in m or m.get("yaw") or m.get("derived"))


def make_samples(records: Sequence[SequenceRecord], spec: WindowSpec, train: bool) -> list[Sample]:
    """One sample per short record; long records (more than twice the window) cut into windows."""
    out: list[Sample] = []
    for r in records:
        n = len(r.keypoints)
        win = max(2, int(round(spec.seconds * r.fps)))
        if n <= 2 * win:
            out.append(Sample(r.keypoints, r.fps, r.label, dataset_of(r), r.source, is_synthetic(r)))
            continue
        length, step = (int(round(1.5 * win)), max(1, win // 2)) if train else (win, win)
        starts = list(range(0, n - length + 1, step))
        if not train and n - (starts[-1] + length) >= win // 2:
            starts.append(n - length)  # the tail, overlapping the previous window a little
        for s in starts:
            out.append(Sample(r.keypoints[s : s + length], r.fps, r.label, dataset_of(r), f"{r.source}@{s}", is_synthetic(r)))
    return out


def balance_weights(samples: Sequence[Sample], classes: Sequence[str]) -> np.ndarray:
    """Per-sample weights: every class weighs the same, and within a class every source data set too. Mean 1."""
    groups = Counter((s.label, s.dataset) for s in samples)
    per_class = defaultdict(int)
    for (label, _), _n in groups.items():
        per_class[label] += 1
    w = np.array([1.0 / (groups[(s.label, s.dataset)] * per_class[s.label]) for s in samples], np.float64)
    return (w * len(w) / w.sum()).astype(np.float32)


def labels_to_index(samples: Sequence[Sample], classes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[s.label] for s in samples], np.int32)
