"""The project's on-disk skeleton dataset: a folder with ``dataset.json`` and ``keypoints.npz``.

``dataset.json`` lists the classes and, per sequence, its label, subject, source, frame rate,
free-form metadata and where its frames lie in the keypoint array. ``keypoints.npz`` holds one
float32 array ``keypoints`` of shape ``(total_frames, 17, 3)`` in COCO-17 pixels: every sequence's
frames one after another. Nothing is pickled: ``np.load(..., allow_pickle=False)`` reads it.
``docs/dataset-format.md`` describes it in full.

Example:
    >>> import numpy as np, tempfile
    >>> from har_common.dataset import SkeletonDataset, SequenceRecord
    >>> ds = SkeletonDataset([SequenceRecord("wave", np.zeros((5, 17, 3), "float32"), subject="s1")])
    >>> folder = tempfile.mkdtemp(); _ = ds.save(folder)
    >>> SkeletonDataset.load(folder).classes
    ['wave']
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .layouts import COCO17

FORMAT_NAME = "har-skeleton-dataset"
FORMAT_VERSION = 1
MetaValue = str | int | float | None


@dataclass
class SequenceRecord:
    """One labelled skeleton sequence, ``keypoints`` float32 ``(T, 17, 3)`` in pixels."""

    label: str
    keypoints: np.ndarray
    subject: str | None = None
    source: str = ""
    fps: float = 30.0
    meta: dict[str, MetaValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keypoints = np.asarray(self.keypoints, dtype=np.float32)
        if self.keypoints.ndim != 3 or self.keypoints.shape[1:] != (len(COCO17), 3):
            raise ValueError(f"keypoints must be (T, 17, 3), got {self.keypoints.shape}")
        if self.keypoints.shape[0] == 0:
            raise ValueError("a sequence needs at least one frame")
        if not np.isfinite(self.keypoints).all():
            raise ValueError(f"sequence {self.source or self.label!r} has non-finite keypoints")


class DatasetError(ValueError):
    """A dataset folder that is missing, of another format, or inconsistent."""


class SkeletonDataset:
    """A list of :class:`SequenceRecord` with its class list, saved and loaded as one folder."""

    def __init__(self, records: Iterable[SequenceRecord], classes: list[str] | None = None):
        self.records = list(records)
        seen = sorted({r.label for r in self.records})
        self.classes = list(classes) if classes is not None else seen
        unknown = set(seen) - set(self.classes)
        if unknown:
            raise DatasetError(f"labels not in the class list: {sorted(unknown)}")

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __add__(self, other: SkeletonDataset) -> SkeletonDataset:
        classes = list(dict.fromkeys(self.classes + other.classes))
        return SkeletonDataset(self.records + other.records, classes)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the folder atomically enough: files are written aside, then renamed into place."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        offsets, entries = 0, []
        for r in self.records:
            n = int(r.keypoints.shape[0])
            entries.append(
                {
                    "label": r.label,
                    "subject": r.subject,
                    "source": r.source,
                    "fps": float(r.fps),
                    "start": offsets,
                    "length": n,
                    "meta": r.meta,
                }
            )
            offsets += n
        arrays = (
            np.concatenate([r.keypoints for r in self.records]) if self.records else np.zeros((0, len(COCO17), 3), np.float32)
        )
        index = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "layout": COCO17.name,
            "classes": self.classes,
            "sequences": entries,
        }
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as tmp:
            np.savez_compressed(tmp, keypoints=arrays)
        os.replace(tmp.name, folder / "keypoints.npz")
        tmp_json = folder / "dataset.json.tmp"
        tmp_json.write_text(json.dumps(index, indent=1))
        os.replace(tmp_json, folder / "dataset.json")
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> SkeletonDataset:
        folder = Path(folder)
        index_path, arrays_path = folder / "dataset.json", folder / "keypoints.npz"
        if not index_path.is_file() or not arrays_path.is_file():
            raise DatasetError(f"{folder} is not a dataset folder (needs dataset.json and keypoints.npz)")
        index = json.loads(index_path.read_text())
        if index.get("format") != FORMAT_NAME or index.get("version") != FORMAT_VERSION:
            raise DatasetError(f"{folder}: unknown format {index.get('format')!r} v{index.get('version')!r}")
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = npz["keypoints"]
        records = []
        for e in index["sequences"]:
            start, n = int(e["start"]), int(e["length"])
            if start < 0 or start + n > len(arrays):
                raise DatasetError(f"{folder}: sequence {e.get('source')!r} points outside the keypoint array")
            records.append(
                SequenceRecord(
                    e["label"],
                    arrays[start : start + n],
                    subject=e.get("subject"),
                    source=e.get("source", ""),
                    fps=float(e.get("fps", 30.0)),
                    meta=dict(e.get("meta") or {}),
                )
            )
        return cls(records, index["classes"])

    # -- inspection -----------------------------------------------------------------------------

    def summary(self) -> dict:
        """Classes, sequences and frames per class, subjects: what ``har dataset info`` prints."""
        per_class = Counter(r.label for r in self.records)
        frames = Counter()
        for r in self.records:
            frames[r.label] += r.keypoints.shape[0]
        subjects = sorted({r.subject for r in self.records if r.subject is not None})
        return {
            "sequences": len(self.records),
            "classes": {c: {"sequences": per_class.get(c, 0), "frames": frames.get(c, 0)} for c in self.classes},
            "subjects": subjects,
            "unattributed_sequences": sum(r.subject is None for r in self.records),
        }

    def format_summary(self) -> str:
        s = self.summary()
        width = max([len(c) for c in self.classes] + [5])
        lines = [f"{s['sequences']} sequences, {len(self.classes)} classes", "", f"{'class':<{width}}  sequences   frames"]
        for c, v in s["classes"].items():
            lines.append(f"{c:<{width}}  {v['sequences']:>9}  {v['frames']:>7}")
        subjects = ", ".join(s["subjects"]) if s["subjects"] else "none"
        lines += ["", f"subjects ({len(s['subjects'])}): {subjects}"]
        if s["unattributed_sequences"]:
            lines.append(f"sequences without a subject: {s['unattributed_sequences']}")
        return "\n".join(lines)
