"""Track ids across frames with ByteTrack from Roboflow's ``trackers`` library (Apache-2.0).

One :class:`PersonTracker` per stream (video job or live socket): it is handed each frame's
people in time order, with the frame's timestamp, so the Kalman filter and the lost-track budget
work in seconds and a live stream that drops frames still tracks correctly.

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

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker


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

    def update(self, boxes: np.ndarray, scores: np.ndarray, timestamp_ms: float | None) -> list[int | None]:
        n = len(boxes)
        dets = sv.Detections(
            xyxy=np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
            confidence=np.asarray(scores, dtype=np.float32).reshape(-1),
            class_id=np.zeros(n, dtype=int),
            data={"index": np.arange(n)},
        )
        out = self._tracker.update(dets, timestamp=None if timestamp_ms is None else timestamp_ms / 1000.0)
        ids: list[int | None] = [None] * n
        if out.tracker_id is not None and len(out):
            for i, tid in zip(out.data["index"], out.tracker_id):
                ids[int(i)] = int(tid) if tid >= 0 else None
        return ids

    def reset(self) -> None:
        self._tracker.reset()
