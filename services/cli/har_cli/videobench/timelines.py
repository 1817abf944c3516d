"""A clip's analysis as per-frame label *timelines*: ``main`` (in each frame the largest person found,
``no_person`` when nobody is) and one per real track id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from har_common.schemas import VideoAnalysis

from .groundtruth import NO_PERSON

UNCERTAIN = "uncertain"


@dataclass
class Timeline:
    """Per-frame labels of one row: ``main`` or one track. ``labels[i]`` is None where the track is absent."""

    key: str
    times_ms: np.ndarray  # (N,) frame times in ms, increasing
    labels: Sequence[str | None]  # (N,)

    def present(self) -> np.ndarray:
        return np.array([x is not None and x != NO_PERSON for x in self.labels], dtype=bool)


def _person_area(person) -> float:
    if person.bbox is not None:
        x1, y1, x2, y2 = person.bbox
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)
    pts = np.array([k for k in person.keypoints if k[2] > 0] or [(0.0, 0.0, 0.0)])
    return float(np.ptp(pts[:, 0]) * np.ptp(pts[:, 1]))


def _label_of(person) -> str:
    return person.action.label if person.action is not None else UNCERTAIN


def timelines(analysis: VideoAnalysis) -> tuple[Timeline, dict[int, Timeline], int]:
    """The ``main`` timeline, one timeline per real track id, and the number of untracked detections."""
    times = np.array([f.timestamp_ms for f in analysis.frames], dtype=float)
    main: list[str] = []
    tracks: dict[int, list[str | None]] = {}
    untracked = 0
    for i, frame in enumerate(analysis.frames):
        main.append(_label_of(max(frame.persons, key=_person_area)) if frame.persons else NO_PERSON)
        for p in frame.persons:
            if p.track_id is None:
                untracked += 1
                continue
            tracks.setdefault(p.track_id, [None] * len(analysis.frames))[i] = _label_of(p)
    return (
        Timeline("main", times, main),
        {tid: Timeline(f"track {tid}", times, labels) for tid, labels in sorted(tracks.items())},
        untracked,
    )
