"""How a pose estimator's keypoints differ from clean ones, measured from its own output on real video
(no 3D ground truth needed), and the profile that :class:`har_common.transforms.EstimatorNoise` reproduces.

Per COCO-17 joint, over every tracked person of the analyses (:class:`har_common.schemas.VideoAnalysis`),
lengths in torso lengths (the track's median shoulder-midpoint to hip-midpoint distance, the unit the
classifier normalises by):

- ``jitter``: the per-frame high-frequency noise, sigma per axis: the residual of a quadratic
  Savitzky-Golay fit over :data:`JITTER_WINDOW` frames (where the joint is seen in all of them), robust
  (1.4826 x median absolute residual) and corrected for the fit's own share of white noise; only tracks
  of at least :data:`MIN_JITTER_FPS` fps (at lower rates motion leaks into the residual);
- ``dropout``: the share of a person's frames in which the joint scores under the mask threshold, and
  ``dropout_run_s``, how long such a gap lasts on average (seconds);
- ``swaps_per_min``: sudden left/right exchanges per minute of a left/right pair seen in consecutive
  frames (the two joints jump by at least 2 x :data:`SWAP_MIN_JUMP` together, onto where the other was: crossing
  the two costs under half of staying), and ``swap_run_s``, the mean time until the exchange is undone
  (exchanges undone within :data:`SWAP_RETURN_S`);
- ``score_quantiles``: the 5, 25, 50, 75 and 95 % points of the joint's score over the person's frames;
- with a second estimator's analyses of the same clips (:func:`disagreement`): ``disagreement``, the
  median distance between the two estimators' joint on the same frames; ``offset``, the per-axis
  sigma of each estimator's constant per-person displacement (the per-person mean difference,
  divided by sqrt 2 as both estimators contribute); ``wander``, the per-axis sigma of each one's
  slowly varying error (the rest of the difference, less both estimators' high-frequency jitter,
  divided by sqrt 2), and ``wander_s``, how long it lasts (the autocorrelation's half-life, seconds).
  Errors the two estimators share (both wrong the same way) are not seen: these are lower bounds.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(300)[:, None] * np.ones(17)
    >>> kp = np.zeros((300, 17, 3), np.float32)
    >>> kp[..., 0] = 100 + 20 * np.sin(t / 30) + rng.normal(0, 2, (300, 17))
    >>> kp[..., 1] = 100 + np.arange(17) * 10 + rng.normal(0, 2, (300, 17))
    >>> kp[..., 2] = 0.9
    >>> kp[:, [5, 6], 1], kp[:, [11, 12], 1] = 100, 150  # a torso of 50 px
    >>> stats = TrackStats.of(kp, np.arange(300), fps=30.0)
    >>> round(float(stats.jitter_sigma()[9]), 2)  # 2 px / 50 px
    0.04
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel

from .layouts import COCO17
from .schemas import VideoAnalysis
from .transforms.functional import body_scale

JITTER_WINDOW = 7  # frames of the quadratic fit (0.23 s at 30 fps)
MIN_JITTER_FPS = 20.0
SWAP_MIN_JUMP = 0.3  # torso lengths
SWAP_RETURN_S = 2.0
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# COCO-17 left/right pairs (left index, right index) by name.
PAIRS = {n[5:]: (COCO17.index(n), COCO17.index("right_" + n[5:])) for n in COCO17.joints if n.startswith("left_")}


class EstimatorProfile(BaseModel):
    """One estimator's measured figures (see the module docstring); per-joint lists in COCO-17 order."""

    estimator: str
    clips: list[str]
    person_frames: int
    threshold: float
    jitter: list[float]
    dropout: list[float]
    dropout_run_s: list[float]
    swaps_per_min: dict[str, float]
    swap_run_s: float
    score_quantiles: list[list[float]]
    disagreement: list[float] | None = None
    offset: list[float] | None = None
    wander: list[float] | None = None
    wander_s: float = 0.0


def _savgol_centre() -> np.ndarray:
    """Weights of a quadratic least-squares fit's value at the centre of :data:`JITTER_WINDOW` frames."""
    m = JITTER_WINDOW // 2
    v = np.vander(np.arange(-m, m + 1, dtype=np.float64), 3, increasing=True)
    return np.linalg.pinv(v)[0]


def _runs(mask: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1D boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(edges[1::2] - edges[::2])


@dataclass
class TrackStats:
    """Pooled raw figures of one or more tracks; :meth:`of` measures one, ``+`` pools."""

    fps_frames: list[tuple[float, int]] = field(default_factory=list)
    residuals: list[list[np.ndarray]] = field(default_factory=lambda: [[] for _ in range(17)])
    missing: np.ndarray = field(default_factory=lambda: np.zeros(17))
    gap_s: list[list[float]] = field(default_factory=lambda: [[] for _ in range(17)])
    scores: list[np.ndarray] = field(default_factory=list)
    pair_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    swaps: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    swap_returns_s: list[float] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return sum(n for _, n in self.fps_frames)

    @classmethod
    def of(cls, kp: np.ndarray, frame_index: np.ndarray, fps: float, threshold: float = 0.3) -> TrackStats:
        """One person's track: keypoints ``(T, 17, 3)`` pixels on frames ``frame_index`` ``(T,)`` of a ``fps`` video."""
        kp = np.asarray(kp, np.float64)
        s = cls(fps_frames=[(fps, len(kp))], scores=[kp[..., 2]])
        seen = kp[..., 2] >= threshold
        visible = np.where(seen[..., None], kp, 0.0)
        visible[..., 2] = seen
        scale = body_scale(visible.astype(np.float32))
        xy = kp[..., :2] / scale
        consecutive = np.diff(frame_index) == 1
        s.missing = (~seen).sum(0).astype(float)
        for j in range(17):
            s.gap_s[j] = [n / fps for n in _runs(~seen[:, j])]
        if fps >= MIN_JITTER_FPS and len(kp) >= JITTER_WINDOW:
            c, w = _savgol_centre(), JITTER_WINDOW
            unbroken = np.lib.stride_tricks.sliding_window_view(consecutive, w - 1).all(1)
            for j in range(17):
                win = np.lib.stride_tricks.sliding_window_view(seen[:, j], w).all(1) & unbroken
                if win.any():
                    frames = np.lib.stride_tricks.sliding_window_view(xy[:, j], w, axis=0)[win]  # (n, 2, w)
                    s.residuals[j].append((frames[..., w // 2] - frames @ c).ravel())
        s._swaps(xy, seen, consecutive, fps)
        return s

    def _swaps(self, xy: np.ndarray, seen: np.ndarray, consecutive: np.ndarray, fps: float) -> None:
        for name, (lj, rj) in PAIRS.items():
            both = seen[:-1, lj] & seen[:-1, rj] & seen[1:, lj] & seen[1:, rj] & consecutive
            self.pair_seconds[name] += both.sum() / fps
            a0, a1, b0, b1 = xy[:-1, lj], xy[1:, lj], xy[:-1, rj], xy[1:, rj]
            stay = np.linalg.norm(a1 - a0, axis=1) + np.linalg.norm(b1 - b0, axis=1)
            cross = np.linalg.norm(a1 - b0, axis=1) + np.linalg.norm(b1 - a0, axis=1)
            event = both & (cross < 0.5 * stay) & (stay > 2 * SWAP_MIN_JUMP)
            at = np.flatnonzero(event)
            self.swaps[name] += len(at)
            gaps = np.diff(at) / fps
            self.swap_returns_s += [float(g) for g in gaps if g <= SWAP_RETURN_S]

    def __add__(self, other: TrackStats) -> TrackStats:
        out = TrackStats(
            self.fps_frames + other.fps_frames,
            [a + b for a, b in zip(self.residuals, other.residuals)],
            self.missing + other.missing,
            [a + b for a, b in zip(self.gap_s, other.gap_s)],
            self.scores + other.scores,
            swap_returns_s=self.swap_returns_s + other.swap_returns_s,
        )
        for d in (self.pair_seconds, other.pair_seconds):
            for k, v in d.items():
                out.pair_seconds[k] += v
        for d in (self.swaps, other.swaps):
            for k, v in d.items():
                out.swaps[k] += v
        return out

    def jitter_sigma(self) -> np.ndarray:
        """Per-joint noise sigma per axis, torso lengths ``(17,)`` (NaN where never measured)."""
        c0 = _savgol_centre()[JITTER_WINDOW // 2]
        out = np.full(17, np.nan)
        for j, parts in enumerate(self.residuals):
            if parts:
                r = np.concatenate(parts)
                out[j] = 1.4826 * np.median(np.abs(r)) / np.sqrt(1.0 - c0)
        return out

    def profile(self, estimator: str, clips: Sequence[str], threshold: float = 0.3) -> EstimatorProfile:
        n = max(self.frames, 1)
        scores = np.concatenate(self.scores) if self.scores else np.zeros((1, 17))
        returns = self.swap_returns_s
        return EstimatorProfile(
            estimator=estimator,
            clips=list(clips),
            person_frames=self.frames,
            threshold=threshold,
            jitter=[round(float(v), 4) for v in np.nan_to_num(self.jitter_sigma())],
            dropout=[round(float(v), 4) for v in self.missing / n],
            dropout_run_s=[round(float(np.mean(g)), 3) if g else 0.0 for g in self.gap_s],
            swaps_per_min={
                k: round(60.0 * self.swaps[k] / self.pair_seconds[k], 3) if self.pair_seconds[k] else 0.0 for k in PAIRS
            },
            swap_run_s=round(float(np.mean(returns)), 3) if returns else 0.0,
            score_quantiles=[[round(float(q), 3) for q in np.quantile(scores[:, j], QUANTILES)] for j in range(17)],
        )


def tracks(analysis: VideoAnalysis) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Every tracked person of an analysis: ``(track_id, frame indices (T,), keypoints (T, 17, 3) pixels)``.
    Untracked detections (``track_id`` null) cannot be followed from frame to frame and are left out."""
    by_track: dict[int, list[tuple[int, list]]] = defaultdict(list)
    for frame in analysis.frames:
        for person in frame.persons:
            if person.track_id is not None:
                by_track[person.track_id].append((frame.frame_index, person.keypoints))
    out = []
    for tid, items in by_track.items():
        out.append((tid, np.array([i for i, _ in items]), np.asarray([k for _, k in items], np.float32)))
    return out


def measure(analyses: Iterable[VideoAnalysis], threshold: float = 0.3, min_frames: int = 10) -> TrackStats:
    """Pool :meth:`TrackStats.of` over every track of at least ``min_frames`` frames of ``analyses``."""
    total = TrackStats()
    for a in analyses:
        stride = _stride(a)
        for _, idx, kp in tracks(a):
            if len(idx) >= min_frames:
                total = total + TrackStats.of(kp, idx // stride, a.source.fps / stride, threshold)
    return total


def _stride(a: VideoAnalysis) -> int:
    idx = np.array([f.frame_index for f in a.frames])
    return max(1, int(np.median(np.diff(idx)))) if len(idx) > 1 else 1


def _box(kp: np.ndarray, threshold: float) -> np.ndarray | None:
    pts = kp[kp[:, 2] >= threshold, :2]
    return np.r_[pts.min(0), pts.max(0)] if len(pts) >= 2 else None


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    lo, hi = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = float(np.prod(np.clip(hi - lo, 0, None)))
    union = float(np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter)
    return inter / union if union > 0 else 0.0


@dataclass
class Disagreement:
    """Two estimators on the same frames, per joint in torso lengths: ``median`` distance; ``offset``, each
    one's constant per-person displacement (sigma per axis); ``wander``, each one's slowly varying error
    (sigma per axis of the difference less its per-person mean, the high-frequency ``jitter`` of both taken
    out); ``wander_s``, the lag (seconds) at which that difference's autocorrelation falls to one half."""

    median: np.ndarray
    offset: np.ndarray
    wander: np.ndarray
    wander_s: float


def _half_life(d: np.ndarray, fps: float) -> float | None:
    """First lag (s) where the autocorrelation of ``d`` ``(T, 2)`` (longest run without NaN) falls under 0.5."""
    ok = ~np.isnan(d[:, 0])
    runs = np.split(np.arange(len(d)), np.flatnonzero(np.diff(ok.astype(np.int8))) + 1)
    run = max((r for r in runs if ok[r[0]]), key=len, default=np.array([], int))
    if len(run) < 20:
        return None
    x = d[run] - d[run].mean(0)
    var = float((x * x).sum())
    if var <= 0:
        return None
    for lag in range(1, len(x) // 2):
        if float((x[lag:] * x[:-lag]).sum()) / var < 0.5:
            return lag / fps
    return None


def disagreement(
    pairs: Iterable[tuple[VideoAnalysis, VideoAnalysis]],
    threshold: float = 0.3,
    min_iou: float = 0.3,
    jitter: Sequence[float] = (0.0,) * 17,
) -> Disagreement:
    """Two estimators on the same clips, in torso lengths of the first one's tracks (see :class:`Disagreement`;
    ``jitter``: the two estimators' high-frequency sigmas summed in quadrature, taken out of ``wander``). Each of
    its people is matched, frame by frame, to the second one's person whose box of visible joints overlaps it
    most (IoU at least ``min_iou``)."""
    dist: list[list[float]] = [[] for _ in range(17)]
    means: list[list[np.ndarray]] = [[] for _ in range(17)]
    varying: list[list[np.ndarray]] = [[] for _ in range(17)]
    lags: list[float] = []
    for a, b in pairs:
        others: dict[int, list[np.ndarray]] = defaultdict(list)
        for f in b.frames:
            others[f.frame_index] = [np.asarray(p.keypoints, np.float32) for p in f.persons]
        fps = a.source.fps / _stride(a)
        for _, idx, kp in tracks(a):
            seen = kp[..., 2] >= threshold
            scale = body_scale(np.where(seen[..., None], kp, 0.0).astype(np.float32))
            diffs = np.full((len(idx), 17, 2), np.nan)
            for t, (i, mine) in enumerate(zip(idx, kp)):
                box = _box(mine, threshold)
                cands = [(o, _box(o, threshold)) for o in others.get(int(i), [])]
                cands = [(_iou(box, ob), o) for o, ob in cands if box is not None and ob is not None]
                if not cands or max(c[0] for c in cands) < min_iou:
                    continue
                other = max(cands, key=lambda c: c[0])[1]
                both = seen[t] & (other[:, 2] >= threshold)
                diffs[t, both] = (mine[both, :2] - other[both, :2]) / scale
            for j in range(17):
                d = diffs[:, j][~np.isnan(diffs[:, j, 0])]
                if len(d) >= 10:
                    dist[j] += list(np.linalg.norm(d, axis=1))
                    means[j].append(d.mean(0))
                    varying[j].append((d - np.median(d, 0)).ravel())
                    if (lag := _half_life(diffs[:, j], fps)) is not None:
                        lags.append(lag)
    median = np.array([np.median(d) if d else np.nan for d in dist])
    offset = np.array([np.sqrt(np.mean(np.square(m)) / 2.0) if m else np.nan for m in means])
    robust = np.array([1.4826 * np.median(np.abs(np.concatenate(v))) if v else np.nan for v in varying])
    wander = np.sqrt(np.clip(robust**2 - np.square(np.asarray(jitter, np.float64)), 0.0, None) / 2.0)
    return Disagreement(median, offset, wander, float(np.median(lags)) if lags else 0.0)
