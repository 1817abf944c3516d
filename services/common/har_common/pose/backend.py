"""The small interface every pose estimator back end implements: each pose service is built around
one (MediaPipe Pose in pose-single, YOLO11-pose in pose-multi) by ``create_app(backend_factory, ...)``.

A *backend* holds the loaded model and is shared by the whole process. A *session* is one stream of
frames (a video job or a live WebSocket): it owns whatever state spans frames, such as MediaPipe's
own tracking or a multi-person tracker, so that two streams never mix their track ids.

Example:
    >>> backend = MediaPipeBackend(model_complexity=1)          # doctest: +SKIP
    >>> with backend.session(raw=False) as session:              # doctest: +SKIP
    ...     people = session.process(rgb_image, timestamp_ms=0.0)
    >>> people[0].keypoints.shape                                # doctest: +SKIP
    (17, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..schemas import PersonPose


@dataclass
class Detection:
    """One person found in one frame, in COCO-17 pixels (see docs/keypoints.md)."""

    keypoints: np.ndarray  # (17, 3) float32: x, y, score; score 0 = missing
    score: float = 1.0
    bbox: tuple[float, float, float, float] | None = None
    track_id: int | None = None
    raw: np.ndarray | None = None  # the estimator's own landmarks, when asked for

    def visible_joints(self, threshold: float = 0.3) -> int:
        """How many of the 17 joints have a score of at least ``threshold``."""
        return int((self.keypoints[:, 2] >= threshold).sum())

    def to_schema(self, action=None) -> PersonPose:
        return PersonPose(
            track_id=self.track_id,
            keypoints=np.round(self.keypoints.astype(float), 2).tolist(),
            score=float(np.clip(self.score, 0.0, 1.0)),
            bbox=None if self.bbox is None else tuple(round(float(v), 2) for v in self.bbox),
            raw_keypoints=None if self.raw is None else np.round(self.raw.astype(float), 4).tolist(),
            action=action,
        )


class People(list):
    """The people a session found in one frame: a list of :class:`Detection`, and ``left_out``, how
    many more were found but not returned (past the back end's limit of people per frame)."""

    def __init__(self, detections=(), left_out: int = 0):
        super().__init__(detections)
        self.left_out = left_out


def left_out(people: list[Detection]) -> int:
    """People found but not returned in one frame's answer (0 for a plain list)."""
    return int(getattr(people, "left_out", 0))


class PoseSession(Protocol):
    """One stream of frames. ``process`` takes RGB uint8 ``(H, W, 3)`` frames in time order.

    A session is used by one thread at a time (the service guarantees it) but not always the same
    thread. ``timestamp_ms`` grows strictly within a session; a *static* session (see
    :meth:`PoseBackend.session`) treats every image on its own and may ignore it.
    """

    def process(self, image: np.ndarray, timestamp_ms: float) -> list[Detection]: ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseSession: ...

    def __exit__(self, *exc) -> None: ...


class PoseBackend(Protocol):
    """A loaded pose model. ``name`` goes into results (``models.pose``); ``multi_person`` says
    whether sessions return several people with track ids.

    Optional: ``info() -> dict`` adds back-end details (model file, providers, ...) to
    ``GET /v1/info``; ``nobody_found_hint: str`` is what a video job's ``nobody_found`` notice
    advises for this back end. The service warms a new back end up itself (a few frames through a session)
    before ``/readyz`` says ready.
    """

    name: str
    multi_person: bool

    def session(self, raw: bool = False, static: bool = False) -> PoseSession:
        """A new stream. ``raw``: fill :attr:`Detection.raw`. ``static``: unrelated single images
        (``POST /v1/frames``): no tracking across calls, so a pooled session never leaks state
        from one request into the next."""
        ...

    def close(self) -> None: ...
