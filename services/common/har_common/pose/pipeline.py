"""From frames to actions, written once for both pose services (plain Python and numpy, no I/O).

:class:`ActionRecognizer` keeps, per track, a sliding window of COCO-17 skeletons; says which windows
are due for classification (a window is due when it has advanced by the model's stride); folds the
classifier's probabilities into a smoothed label (an exponential moving average of the
probabilities plus hysteresis, so labels do not flicker); labels every person in every frame; and
cuts the per-frame labels into :class:`~har_common.schemas.ActionSegment` s.

Windows are measured in time, not frames: the window covers ``window / fps`` seconds of the model,
whatever the video's frame rate or the job's frame stride, and each request carries the real frame
rate of its frames (the classifier resamples any length).

The tracker never calls the classifier itself. A driver does:
:class:`har_pose_service.actions.SyncActions` (video jobs) classifies due windows in line, and
:class:`har_pose_service.actions.LiveActions` (live streams) in the background, so that a slow or
absent classifier never holds a frame back.

Example:
    >>> import numpy as np
    >>> from har_common.pose.backend import Detection
    >>> from har_common.schemas import ModelDescription, WindowSpec
    >>> spec = ModelDescription(name="demo", classes=["walking", "waving"], window=WindowSpec(length=4, fps=10.0, stride=2))
    >>> tracker = ActionRecognizer(spec)
    >>> person = Detection(keypoints=np.ones((17, 3), np.float32), track_id=0)
    >>> due = [r for i in range(4) for r in tracker.observe(i * 100.0, [person])]
    >>> [(r.track_id, len(r.keypoints)) for r in due]       # due once a quarter of the window is filled, then every stride
    [(0, 2), (0, 4)]
    >>> tracker.apply(due, [{"walking": 0.9, "waving": 0.1}] * len(due))
    >>> tracker.frame_labels(300.0, [person])[0].label
    'walking'
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..schemas import (
    SCHEMA_VERSION,
    ActionLabel,
    ActionSegment,
    ClassProbability,
    ModelDescription,
    UnlabelledSpan,
)
from .backend import Detection
from .segments import UNCERTAIN, SegmentCutter

TOP_K = 3  # classes with their probabilities per person and frame (ActionLabel.top_k)


@dataclass
class PipelineConfig:
    """Smoothing and gating of labels. The defaults suit the shipped model at 30 fps; ``ema_alpha`` and
    ``min_window_fill`` were chosen by replaying the real-video benchmark's dev clips with each setting
    (docs/classifier.md, "When the first label comes, and how steady it stays")."""

    ema_alpha: float = 0.3  # weight of the newest window in the moving average, per ema_hop_s of window hop
    # A model that classifies more often (a shorter stride) would otherwise smooth over a shorter time and
    # flicker more: its weight is 1 - (1 - ema_alpha) ** (stride_s / ema_hop_s), the same time constant.
    ema_hop_s: float = 0.8
    enter_confidence: float = 0.5  # smoothed probability a label needs to be adopted
    exit_confidence: float = 0.35  # the current label is dropped below this (see apply)
    switch_margin: float = 0.1  # a new label must beat the current one by this much
    switch_after: int = 2  # ... in this many windows in a row
    visible_threshold: float = 0.3  # a joint counts as visible at this score or above
    min_visible_joints: int = 8  # fewer visible joints: `uncertain` (frame and window)
    min_window_fill: float = 0.25  # share of the window span needed before the first request
    max_gap_ms: float = 1000.0  # a track unseen for longer starts a new window
    track_timeout_ms: float = 2000.0  # a track unseen for longer is closed (its segment ends)
    stale_ms: float = 3000.0  # no classification for this long: labels go `uncertain`
    min_segment_ms: float = 0.0  # shorter segments are not reported


@dataclass
class WindowRequest:
    """One window due for classification."""

    track_id: int | None
    t_ms: float  # time of the window's last frame
    fps: float  # the frames' real rate
    keypoints: np.ndarray  # (T, 17, 3) float32
    start_ms: float | None = None  # time of the window's first frame (None: t_ms)

    def to_json(self) -> dict:
        """The ``SkeletonSequence`` JSON the classifier takes (built directly: no validation cost)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "layout": "coco17",
            "fps": round(min(max(self.fps, 0.01), 1000.0), 3),
            "track_id": self.track_id,
            "keypoints": np.round(self.keypoints, 2).tolist(),
        }


@dataclass
class WindowResult:
    """One classified window, kept for labelling after the fact (:mod:`.centred`)."""

    track_id: int | None
    start_ms: float  # time of the window's first frame
    end_ms: float  # time of its last frame
    probs: np.ndarray  # (C,) the classifier's probabilities, in the model's class order, summing to 1


@dataclass
class _Track:
    times: deque = field(default_factory=deque)
    points: deque = field(default_factory=deque)
    visible: deque = field(default_factory=deque)
    last_seen: float = -math.inf
    last_request: float | None = None
    last_result: float | None = None
    last_failure: float | None = None  # time of the last window the classifier did not answer
    probs: np.ndarray | None = None
    label: str = UNCERTAIN
    confidence: float = 0.0
    candidate: str | None = None
    candidate_n: int = 0


def ema_weight(spec: ModelDescription | None, cfg: PipelineConfig) -> float:
    """The moving average's weight of each new window for this model's hop: ``cfg.ema_alpha`` per
    ``cfg.ema_hop_s`` of hop, so every model smooths over the same time.

    >>> from har_common.schemas import WindowSpec
    >>> spec = ModelDescription(name="demo", classes=["a", "b"], window=WindowSpec(length=16, fps=10.0, stride=4))
    >>> round(ema_weight(spec, PipelineConfig()), 3)    # a 0.4 s hop: 1 - 0.7 ** 0.5
    0.163
    """
    hop = spec.window.stride_seconds if spec else cfg.ema_hop_s
    return 1.0 - (1.0 - cfg.ema_alpha) ** (hop / cfg.ema_hop_s)


def switch(
    label: str, candidate: str | None, candidate_n: int, probs: np.ndarray, classes: Sequence[str], cfg: PipelineConfig
) -> tuple[str, str | None, int]:
    """One step of the labels' hysteresis: the label kept or changed given the newest smoothed
    probabilities ``probs`` (C,), with the candidate that waits to replace it and for how many
    windows it has led. Returns ``(label, candidate, candidate_n)``.

    A label is adopted from ``uncertain`` at ``enter_confidence``; the current label is dropped below
    ``exit_confidence`` (the top class then enters at once if it may); another class replaces it when
    it is adopted-worthy and leads by ``switch_margin`` for ``switch_after`` windows in a row.

    >>> cfg = PipelineConfig()
    >>> classes = ["walking", "running"]
    >>> step = switch(UNCERTAIN, None, 0, np.array([0.6, 0.4]), classes, cfg); step
    ('walking', None, 0)
    >>> step = switch(*step, np.array([0.4, 0.6]), classes, cfg); step    # one window ahead: not yet
    ('walking', 'running', 1)
    >>> switch(*step, np.array([0.4, 0.6]), classes, cfg)                # two in a row: switched
    ('running', None, 0)
    """
    top = int(np.argmax(probs))
    p_top = float(probs[top])
    if label not in classes:
        return (classes[top] if p_top >= cfg.enter_confidence else UNCERTAIN), None, 0
    p_cur = float(probs[list(classes).index(label)])
    if p_cur < cfg.exit_confidence:
        # below the exit threshold the label is never kept, not even while another one waits out its
        # switch_after windows: the top class enters at once if it may
        return (classes[top] if p_top >= cfg.enter_confidence else UNCERTAIN), None, 0
    if classes[top] != label and p_top >= cfg.enter_confidence and p_top >= p_cur + cfg.switch_margin:
        candidate_n = candidate_n + 1 if candidate == classes[top] else 1
        if candidate_n >= cfg.switch_after:
            return classes[top], None, 0
        return label, classes[top], candidate_n
    return label, None, 0


class ActionRecognizer:
    """Per-track windows, smoothing and segments for one stream (a job or a live socket).

    Not thread-safe: one stream's frames go through it in time order from one place.
    ``spec`` may be ``None`` (no classifier known yet, or actions off): frames then carry no label
    and no windows are requested; :meth:`set_spec` switches classification on later.
    ``keep_windows=True`` keeps every classified window's probabilities in :attr:`windows`.
    """

    def __init__(self, spec: ModelDescription | None, config: PipelineConfig | None = None, keep_windows: bool = False):
        self.config = config or PipelineConfig()
        # every classified window, for labelling after the fact (video jobs: see .centred)
        self.windows: list[WindowResult] | None = [] if keep_windows else None
        self.spec: ModelDescription | None = None
        self._tracks: dict[int | None, _Track] = {}
        self._segments = SegmentCutter(self.config.min_segment_ms)
        self._index: dict[str, int] = {}
        self.set_spec(spec)

    # -- configuration -------------------------------------------------------------------------
    def set_spec(self, spec: ModelDescription | None) -> None:
        if spec == self.spec:
            return
        self.spec = spec
        if self.windows:
            self.windows.clear()  # another model's classes: its windows cannot be read with the new one
        self._index = {c: i for i, c in enumerate(spec.classes)} if spec else {}
        for track in self._tracks.values():  # a new model: its probabilities start afresh
            track.probs, track.last_request, track.last_result = None, None, None
            track.label, track.confidence = UNCERTAIN, 0.0

    @property
    def _alpha(self) -> float:
        return ema_weight(self.spec, self.config)

    @property
    def track_ids(self) -> list[int | None]:
        return list(self._tracks)

    # -- the three steps of a frame -------------------------------------------------------------
    def observe(self, t_ms: float, detections: Sequence[Detection]) -> list[WindowRequest]:
        """Add this frame's people to their windows; return the windows now due."""
        cfg, spec = self.config, self.spec
        due: list[WindowRequest] = []
        span_ms = spec.window.seconds * 1000.0 if spec else 0.0
        for det in detections:
            if det.track_id is None:
                # untracked (a multi-person tracker's first sight of someone): no window, no label;
                # pooling all untracked people into one window would mix different persons
                continue
            track = self._tracks.get(det.track_id)
            if track is None:
                track = self._tracks[det.track_id] = _Track()
            if t_ms - track.last_seen > cfg.max_gap_ms:
                track.times.clear()
                track.points.clear()
                track.visible.clear()
                track.last_request = None
            track.last_seen = t_ms
            if spec is None:
                continue
            track.times.append(t_ms)
            track.points.append(det.keypoints)
            track.visible.append(det.visible_joints(cfg.visible_threshold))
            # keep frames within the window span (plus the frame that starts it)
            while len(track.times) > 2 and t_ms - track.times[1] >= span_ms:
                track.times.popleft()
                track.points.popleft()
                track.visible.popleft()
            n = len(track.times)
            if n < 2:
                continue
            step = (t_ms - track.times[0]) / (n - 1)
            covered = t_ms - track.times[0] + step
            if covered < cfg.min_window_fill * span_ms:
                continue
            if track.last_request is not None and t_ms - track.last_request < spec.window.stride_seconds * 1000.0 - 0.5 * step:
                continue
            track.last_request = t_ms
            if float(np.mean(track.visible)) < cfg.min_visible_joints:
                # too little of the person is seen to say anything: no request, no label
                track.label, track.confidence = UNCERTAIN, 0.0
                continue
            fps = 1000.0 / step if step > 0 else spec.window.fps
            points = list(track.points)
            k = int(fps / spec.window.fps + 0.05)
            if k >= 2:  # thin to about the model's rate (ending on the newest frame)
                points, fps = points[::-1][::k][::-1], fps / k
            due.append(
                WindowRequest(
                    track_id=det.track_id,
                    t_ms=t_ms,
                    fps=fps,
                    keypoints=np.stack(points).astype(np.float32, copy=False),
                    start_ms=track.times[0],
                )
            )
        self._expire(t_ms)
        return due

    def apply(self, requests: Sequence[WindowRequest], results: Sequence[Mapping[str, float] | None] | None) -> None:
        """Fold the classifier's probabilities in: one mapping per request (None: that one failed),
        or None for the whole batch when the call failed (classifier down, slow or backing off).
        A failure changes nothing; labels go ``uncertain`` once they are stale."""
        if results is None:
            results = [None] * len(requests)
        cfg = self.config
        for req, probs in zip(requests, results):
            track = self._tracks.get(req.track_id)
            if track is not None and probs is None:
                track.last_failure = req.t_ms
            if track is None or probs is None or not self._index:
                continue
            vec = np.zeros(len(self._index), dtype=np.float64)
            for name, p in probs.items():
                i = self._index.get(name)
                if i is not None and math.isfinite(p):
                    vec[i] = p
            total = vec.sum()
            if total <= 0:
                continue
            vec /= total
            if self.windows is not None:
                start = req.t_ms if req.start_ms is None else req.start_ms
                self.windows.append(WindowResult(req.track_id, start, req.t_ms, vec))
            track.probs = vec if track.probs is None else self._alpha * vec + (1 - self._alpha) * track.probs
            track.last_result = req.t_ms
            track.label, track.candidate, track.candidate_n = switch(
                track.label, track.candidate, track.candidate_n, track.probs, self.spec.classes, cfg
            )
            track.confidence = float(track.probs[self._index[track.label]] if track.label in self._index else track.probs.max())

    def frame_labels(self, t_ms: float, detections: Sequence[Detection]) -> list[ActionLabel | None]:
        """Each person's label at this frame (None without a classifier); extends the segments."""
        if self.spec is None:
            return [None] * len(detections)
        cfg = self.config
        out: list[ActionLabel | None] = []
        for det in detections:
            track = self._tracks.get(det.track_id)
            if track is None:
                out.append(None)
                continue
            label, conf, reason = track.label, track.confidence, None
            if track.last_result is None or t_ms - track.last_result > cfg.stale_ms:
                label, conf = UNCERTAIN, 0.0
                failed = track.last_failure is not None and (track.last_result is None or track.last_failure > track.last_result)
                reason = "classifier_unavailable" if failed else "window_filling"
            elif det.visible_joints(cfg.visible_threshold) < cfg.min_visible_joints:
                label, reason = UNCERTAIN, "few_visible_joints"
            elif label == UNCERTAIN:
                reason = "low_confidence"
            conf = float(min(max(conf, 0.0), 1.0))
            top_k = None
            if track.probs is not None and reason not in ("window_filling", "classifier_unavailable"):
                best = np.argsort(-track.probs, kind="stable")[:TOP_K]
                classes = self.spec.classes
                top_k = [ClassProbability(label=classes[i], probability=round(float(track.probs[i]), 4)) for i in best]
            out.append(ActionLabel(label=label, confidence=round(conf, 4), top_k=top_k, reason=reason))
            self._segments.add(det.track_id, t_ms, out[-1])
        return out

    def step(self, t_ms: float, detections: Sequence[Detection], classify=None) -> list[ActionLabel | None]:
        """All three steps, classifying in line: ``classify(requests) -> results`` (or None)."""
        due = self.observe(t_ms, detections)
        if due and classify is not None:
            self.apply(due, classify(due))
        return self.frame_labels(t_ms, detections)

    # -- segments ------------------------------------------------------------------------------
    def drain_segments(self) -> list[ActionSegment]:
        """Segments closed since the last call, in the order they closed."""
        return self._segments.drain_segments()

    def drain_unlabelled(self) -> list[UnlabelledSpan]:
        """Time ranges of ``uncertain`` labels closed since the last call, with their reasons."""
        return self._segments.drain_unlabelled()

    def finish(self, t_ms: float | None = None) -> list[ActionSegment]:
        """Close every open segment (end of the video or stream); return all undrained ones."""
        return self._segments.finish(t_ms)

    def _expire(self, t_ms: float) -> None:
        for tid in [k for k, tr in self._tracks.items() if t_ms - tr.last_seen > self.config.track_timeout_ms]:
            del self._tracks[tid]
            self._segments.close(tid)
