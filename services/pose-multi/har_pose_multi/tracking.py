"""Track ids across frames: ByteTrack from Roboflow's ``trackers`` library (Apache-2.0), and a
re-identification step for people who come back after being hidden.

One :class:`PersonTracker` per stream (video job or live socket): it is handed each frame's
people in time order, with the frame's timestamp, so the Kalman filter and the lost-track budget
work in seconds and a live stream that drops frames still tracks correctly.

ByteTrack matches a box to a track by IoU with the track's Kalman prediction. A person hidden
behind another for a few frames breaks that: while they disappear their visible box shrinks, the
filter's velocity follows the shrinking edge, and the prediction drifts away from where they come
back; ByteTrack then starts a new track (``cases/crossing.mp4``: a walker hidden for 0.13 s came
back with a new id; in ``exercise.avi`` arms stretched out widen a box enough to lose the match).
So the ids handed out here are the tracker's own (*person ids*): a new ByteTrack track takes over
the id of a person lost less than ``lost_seconds`` ago when its box lies where that person was
heading (their centre moved on at their median velocity over the last second, within
``REID_DISTANCE`` of their height) and is about as tall (``REID_HEIGHT``). The thresholds were
chosen on ``benchmarks/tracking_bench.py`` (docs/pose-multi.md has the figures).

ByteTrack gives a new person an id from their second frame on (the library starts a track on the
first and confirms it on the next); in the first they are returned with ``track_id=None``.

Example:
    >>> import numpy as np
    >>> t = PersonTracker()
    >>> box, score = np.array([[10, 10, 50, 120]], np.float32), np.array([0.9], np.float32)
    >>> t.update(box, score, 0.0), t.update(box + 2, score, 33.3)
    ([None], [0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import supervision as sv
from scipy.optimize import linear_sum_assignment
from trackers import ByteTrackTracker

# A returning person's box centre may lie this many of their heights from the predicted centre ...
REID_DISTANCE = 0.5
# ... and their box height may differ by this factor at most (a person half out from behind
# someone is shorter for a frame or two; a different person at another depth is not).
REID_HEIGHT = 1.4
VELOCITY_SECONDS = 1.0  # history the velocity is taken from


@dataclass
class _Person:
    """What is known of one person id: their recent (time s, centre x, centre y, height) rows."""

    history: list[tuple[float, float, float, float]] = field(default_factory=list)

    def add(self, t: float, box: np.ndarray) -> None:
        self.history.append((t, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[3] - box[1]))
        while self.history[0][0] < t - VELOCITY_SECONDS:
            self.history.pop(0)

    @property
    def last_seen(self) -> float:
        return self.history[-1][0]

    def predict(self, t: float) -> tuple[float, float, float]:
        """Centre (x, y) at time ``t`` (s) and the last height, from the median velocity over the
        history (median: the last steps, behind someone, are the least trustworthy)."""
        h = np.array(self.history)
        v = np.zeros(2)
        if len(h) >= 3:
            v = np.median(np.diff(h[:, 1:3], axis=0) / np.diff(h[:, 0])[:, None], axis=0)
        dt = t - h[-1, 0]
        return h[-1, 1] + v[0] * dt, h[-1, 2] + v[1] * dt, h[-1, 3]


class PersonTracker:
    """ByteTrack over person boxes. ``update`` returns one id per input box (``None``: not tracked yet)."""

    def __init__(
        self,
        activation_threshold: float = 0.4,
        high_threshold: float = 0.4,
        min_iou: float = 0.1,
        lost_seconds: float = 1.5,
        min_frames: int = 1,
    ):
        # trackers counts the lost-track buffer in 30 fps frames and, given timestamps, in seconds:
        # lost_track_buffer / 30 seconds.
        self._tracker = ByteTrackTracker(
            lost_track_buffer=max(0, round(lost_seconds * 30)),
            frame_rate=30.0,
            track_activation_threshold=activation_threshold,
            minimum_consecutive_frames=min_frames,
            minimum_iou_threshold=min_iou,
            high_conf_det_threshold=high_threshold,
        )
        self.lost_seconds = lost_seconds
        self._person_of: dict[int, int] = {}  # ByteTrack track id -> person id
        self._people: dict[int, _Person] = {}
        self._next_id = 0
        self._frames = 0  # updates without a timestamp count as 30 fps frames

    def update(self, boxes: np.ndarray, scores: np.ndarray, timestamp_ms: float | None) -> list[int | None]:
        n = len(boxes)
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        dets = sv.Detections(
            xyxy=boxes,
            confidence=np.asarray(scores, dtype=np.float32).reshape(-1),
            class_id=np.zeros(n, dtype=int),
            data={"index": np.arange(n)},
        )
        t = self._frames / 30.0 if timestamp_ms is None else timestamp_ms / 1000.0
        self._frames += 1
        out = self._tracker.update(dets, timestamp=None if timestamp_ms is None else t)
        track_of = {int(i): int(tid) for i, tid in zip(out.data.get("index", []), out.tracker_id if len(out) else [])}
        track_of = {i: tid for i, tid in track_of.items() if tid >= 0}
        new = [i for i, tid in track_of.items() if tid not in self._person_of]
        for i, pid in self._reidentify(new, boxes, t, track_of).items():
            self._person_of[track_of[i]] = pid
        ids: list[int | None] = [None] * n
        for i, tid in track_of.items():
            if tid not in self._person_of:
                self._person_of[tid] = self._next_id
                self._next_id += 1
            pid = self._person_of[tid]
            if pid in ids:  # an old track of this person revived next to the new one: a duplicate box
                continue
            ids[i] = pid
            self._people.setdefault(pid, _Person()).add(t, boxes[i])
        self._forget(t)
        return ids

    def _reidentify(self, new: list[int], boxes: np.ndarray, t: float, track_of: dict[int, int]) -> dict[int, int]:
        """{box index: person id} for new tracks that continue a person lost since an earlier frame."""
        present = {self._person_of.get(tid) for tid in track_of.values()}
        lost = [p for p, person in self._people.items() if p not in present and person.last_seen < t]
        if not new or not lost:
            return {}
        cost = np.full((len(new), len(lost)), np.inf)
        for a, i in enumerate(new):
            x1, y1, x2, y2 = boxes[i]
            for b, p in enumerate(lost):
                px, py, ph = self._people[p].predict(t)
                ratio = (y2 - y1) / ph
                if 1 / REID_HEIGHT <= ratio <= REID_HEIGHT:
                    cost[a, b] = np.hypot((x1 + x2) / 2 - px, (y1 + y2) / 2 - py) / ph
        cost[cost > REID_DISTANCE] = np.inf
        if not np.isfinite(cost).any():
            return {}
        rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e9))
        return {new[a]: lost[b] for a, b in zip(rows, cols) if np.isfinite(cost[a, b])}

    def _forget(self, t: float) -> None:
        """Drop people lost for longer than ``lost_seconds``; they are not re-identified any more."""
        gone = {p for p, person in self._people.items() if person.last_seen < t - self.lost_seconds}
        for p in gone:
            del self._people[p]
        self._person_of = {tid: p for tid, p in self._person_of.items() if p not in gone}

    def reset(self) -> None:
        self._tracker.reset()
        self._person_of.clear()
        self._people.clear()
        self._next_id = 0
        self._frames = 0
