"""Labels decided after the fact, for a whole video: each frame from the windows around it.

A live stream can only label a moment from the windows that end before it, so its labels come late
(half a window plus the moving average's lag) and a short event is averaged away before it shows.
A video job knows every window once the video is posed, so :func:`relabel` decides again:

- each window speaks for its centre (the middle of its first and last frame), not its end;
- the probabilities are smoothed forwards and backwards with the live pipeline's moving average
  (the same weight per window) and the two averaged, which smooths as much as the live path without
  its delay (a zero-phase filter; see ``scipy.signal.filtfilt`` for the linear-filter version);
- the live path's hysteresis (:func:`~.pipeline.switch`) then decides each window's label, and a
  frame takes the label of the last window centred at or before it (the first window's label
  before that, from the window's first frame on).

What the live path said for a frame is kept where no window speaks for it, and where the frame
itself says why there is no label (``few_visible_joints``, ``classifier_unavailable``). Segments and
``uncertain`` spans are then cut again from the new labels (:class:`~.segments.SegmentCutter`).

Measured on the real-video benchmark's dev clips with the shipped model (docs/classifier.md,
"Labels of video jobs"): steadier labels (fewer changes inside a span) and fewer false alarms.

Example:
    >>> import numpy as np
    >>> from har_common.schemas import ActionLabel, FrameResult, ModelDescription, PersonPose, WindowSpec
    >>> spec = ModelDescription(name="demo", classes=["walking", "running"], window=WindowSpec(length=4, fps=10.0, stride=2))
    >>> wait = ActionLabel(label="uncertain", confidence=0.0, reason="window_filling")
    >>> frames = [FrameResult(frame_index=i, timestamp_ms=i * 100.0, width=64, height=64,
    ...                       persons=[PersonPose(track_id=1, keypoints=[[0, 0, 1]] * 17, action=wait)])
    ...           for i in range(8)]
    >>> windows = [WindowResult(1, 0.0, 300.0, np.array([0.9, 0.1])), WindowResult(1, 400.0, 700.0, np.array([0.9, 0.1]))]
    >>> segments, unlabelled = relabel(frames, windows, spec)
    >>> [(s.label, s.start_ms, s.end_ms) for s in segments], unlabelled   # labelled from the first frame
    ([('walking', 0.0, 700.0)], [])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..schemas import ActionLabel, ActionSegment, ClassProbability, FrameResult, ModelDescription, UnlabelledSpan
from .pipeline import TOP_K, PipelineConfig, WindowResult, ema_weight, switch
from .segments import UNCERTAIN, SegmentCutter

KEEP_REASONS = ("few_visible_joints", "classifier_unavailable")  # what the frame itself says: kept


class _Track:
    """One track's windows, decided: centres (N,), smoothed probabilities (N, C), labels (N,)."""

    def __init__(self, windows: list[WindowResult], spec: ModelDescription, config: PipelineConfig):
        windows.sort(key=lambda w: w.end_ms)
        self.starts = np.array([w.start_ms for w in windows])
        self.ends = np.array([w.end_ms for w in windows])
        self.centres = (self.starts + self.ends) / 2.0
        probs = np.stack([w.probs for w in windows]).astype(np.float64)
        alpha = ema_weight(spec, config)
        # runs of windows without a gap the live path would have gone stale in: smoothed apart
        cuts = np.flatnonzero(np.diff(self.ends) > config.stale_ms) + 1
        self.smoothed = np.concatenate([_zero_phase(p, alpha) for p in np.split(probs, cuts)])
        self.labels: list[str] = []
        state: tuple[str, str | None, int] = (UNCERTAIN, None, 0)
        first = set(cuts.tolist())
        for i, p in enumerate(self.smoothed):
            if i in first:
                state = (UNCERTAIN, None, 0)
            state = switch(*state, p, spec.classes, config)
            self.labels.append(state[0])
        self.stale_ms = config.stale_ms

    def window_at(self, t_ms: float) -> int | None:
        """The window that speaks for time ``t_ms``, or None."""
        i = int(np.searchsorted(self.centres, t_ms, side="right")) - 1
        nxt = i + 1
        if nxt < len(self.centres) and self.starts[nxt] <= t_ms and (i < 0 or t_ms - self.ends[i] > self.stale_ms):
            return nxt  # before the first centre of a run, within that window
        if i >= 0 and t_ms - self.ends[i] <= self.stale_ms:
            return i
        return None


def _zero_phase(probs: np.ndarray, alpha: float) -> np.ndarray:
    """(N, C) probabilities smoothed by the moving average run forwards and backwards, averaged."""
    fwd, bwd = probs.copy(), probs.copy()
    for i in range(1, len(probs)):
        fwd[i] = alpha * probs[i] + (1 - alpha) * fwd[i - 1]
    for i in range(len(probs) - 2, -1, -1):
        bwd[i] = alpha * probs[i] + (1 - alpha) * bwd[i + 1]
    return (fwd + bwd) / 2.0


def relabel(
    frames: Sequence[FrameResult],
    windows: Sequence[WindowResult],
    spec: ModelDescription,
    config: PipelineConfig | None = None,
) -> tuple[list[ActionSegment], list[UnlabelledSpan]]:
    """Decide every person's label in ``frames`` (in time order) again from ``windows`` (every window
    the live pipeline classified, :attr:`~.pipeline.ActionRecognizer.windows`), in place; returns
    the segments and ``uncertain`` spans cut from the new labels.

    Raises:
        ValueError: a window's probabilities do not have one value per class of ``spec``.
    """
    config = config or PipelineConfig()
    by_track: dict[int | None, list[WindowResult]] = {}
    for w in windows:
        if len(w.probs) != len(spec.classes):
            raise ValueError(f"a window has {len(w.probs)} probabilities for {len(spec.classes)} classes of {spec.name}")
        by_track.setdefault(w.track_id, []).append(w)
    tracks = {tid: _Track(ws, spec, config) for tid, ws in by_track.items()}
    cutter = SegmentCutter(config.min_segment_ms)
    last_seen: dict[int | None, float] = {}
    last_t = None
    for frame in frames:
        t = frame.timestamp_ms
        for tid in [k for k, seen in last_seen.items() if t - seen > config.track_timeout_ms]:
            del last_seen[tid]
            cutter.close(tid)
        for person in frame.persons:
            if person.action is None:
                continue
            track = tracks.get(person.track_id)
            i = track.window_at(t) if track is not None and person.action.reason not in KEEP_REASONS else None
            if i is not None:
                person.action = _label(track, i, spec.classes)
            last_seen[person.track_id] = t
            cutter.add(person.track_id, t, person.action)
        last_t = t
    segments = cutter.finish(last_t)
    return segments, cutter.drain_unlabelled()


def _label(track: _Track, i: int, classes: Sequence[str]) -> ActionLabel:
    probs, label = track.smoothed[i], track.labels[i]
    conf = float(probs[list(classes).index(label)] if label != UNCERTAIN else probs.max())
    best = np.argsort(-probs, kind="stable")[:TOP_K]
    return ActionLabel(
        label=label,
        confidence=round(min(max(conf, 0.0), 1.0), 4),
        top_k=[ClassProbability(label=classes[k], probability=round(float(probs[k]), 4)) for k in best],
        reason="low_confidence" if label == UNCERTAIN else None,
    )
