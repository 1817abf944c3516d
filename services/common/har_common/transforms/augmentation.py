"""The random steps of a training pipeline (augmentation), each firing with probability ``p`` and
seeded, so a training run can be repeated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..convert import mask_missing
from ..layouts import COCO17
from .deterministic import Sample, Transform
from .functional import _LIMB_BONES, _valid, body_scale, flip, rotate_scale, scale_limbs


class _Random(Transform):
    def __init__(self, p: float, seed: int | None):
        self.p = p
        self._rng = np.random.default_rng(seed)

    def _fires(self) -> bool:
        return self.p >= 1 or self._rng.random() < self.p


class RandomFlip(_Random):
    """With probability ``p``, mirror and swap left/right joints (see :func:`flip`). Apply after Normalize."""

    def __init__(self, p: float = 0.5, seed: int | None = None):
        super().__init__(p, seed)

    def __call__(self, sample: Sample) -> Sample:
        return {**sample, "keypoints": flip(sample["keypoints"])} if self._fires() else sample


class RandomRotateScale(_Random):
    """Rotate by up to ``max_degrees`` and scale within ``scale``, about the origin. Apply after Normalize."""

    def __init__(
        self, max_degrees: float = 10.0, scale: tuple[float, float] = (0.9, 1.1), p: float = 1.0, seed: int | None = None
    ):
        super().__init__(p, seed)
        self.max_degrees, self.scale = max_degrees, scale

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        deg = self._rng.uniform(-self.max_degrees, self.max_degrees)
        s = self._rng.uniform(*self.scale)
        return {**sample, "keypoints": rotate_scale(sample["keypoints"], deg, s)}


class RandomStretch(_Random):
    """Scale x and y independently, each by a factor within ``1 +- amount``, about the origin: a person
    seen from a little to the side (narrower) or built differently. Apply after Normalize."""

    def __init__(self, amount: float = 0.2, p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        self.amount = amount

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        sx, sy = self._rng.uniform(1.0 - self.amount, 1.0 + self.amount, size=2)
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        kp[..., 0] *= sx
        kp[..., 1] *= sy
        return {**sample, "keypoints": mask_missing(kp)}


class RandomLimbScale(_Random):
    """Each limb bone kind (upper arm, forearm, thigh, shin) scaled by a factor within ``1 +- amount``, the same
    on both sides: other body proportions than the training people's. Apply after Normalize (COCO-17)."""

    def __init__(self, amount: float = 0.15, p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        self.amount = amount

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        factors = {k: float(self._rng.uniform(1.0 - self.amount, 1.0 + self.amount)) for k in _LIMB_BONES}
        return {**sample, "keypoints": scale_limbs(sample["keypoints"], factors)}


class GaussianJitter(_Random):
    """Add Gaussian noise of ``sigma`` (normalised units: torso lengths) to visible joints."""

    def __init__(self, sigma: float = 0.02, p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        self.sigma = sigma

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        noise = self._rng.normal(0.0, self.sigma, size=kp[..., :2].shape).astype(np.float32)
        kp[..., :2] += noise * _valid(kp)[..., None]
        return {**sample, "keypoints": kp}


class JointDropout(_Random):
    """Make each visible joint missing with probability ``rate`` in each frame (pose-estimator misses)."""

    def __init__(self, rate: float = 0.05, p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        self.rate = rate

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        kp[self._rng.random(kp.shape[:2]) < self.rate] = 0.0
        return {**sample, "keypoints": kp}


# COCO-17 limbs that go missing together: the left and right forearms, the left and right shins.
OCCLUDED_LIMBS = ((7, 9), (8, 10), (13, 15), (14, 16))


class LimbDropout(_Random):
    """With probability ``p``, one of ``limbs`` (drawn evenly) is missing for the whole sequence: an occluded limb."""

    def __init__(self, p: float = 0.1, limbs: Sequence[Sequence[int]] = OCCLUDED_LIMBS, seed: int | None = None):
        super().__init__(p, seed)
        self.limbs = tuple(tuple(limb) for limb in limbs)

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        kp[..., list(self.limbs[int(self._rng.integers(len(self.limbs)))]), :] = 0.0
        return {**sample, "keypoints": kp}


class SpeedChange(_Random):
    """Play the sequence faster or slower by a factor within ``factor_range``.

    Needs and changes ``fps``: the frames stay, their rate is multiplied, so a later
    :class:`Resample` to a fixed rate yields a shorter (faster) or longer (slower) motion.
    """

    requires = ("keypoints", "fps")
    changes = ("fps",)

    def __init__(self, factor_range: tuple[float, float] = (0.8, 1.25), p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        self.factor_range = factor_range

    def __call__(self, sample: Sample) -> Sample:
        if not self._fires():
            return sample
        return {**sample, "fps": float(sample["fps"]) * self._rng.uniform(*self.factor_range)}


class EstimatorNoise(_Random):
    """A pose estimator's errors on clean (synthetic) keypoints, as measured on real video
    (:class:`har_common.keypoint_noise.EstimatorProfile`, one of ``profiles`` drawn per sequence): a constant
    per-person displacement of each joint (``offset``), a slowly varying error (``wander``, an AR(1) process
    whose autocorrelation halves after ``wander_s``), per-frame jitter (``jitter``), left/right pairs
    exchanged for a while (``swaps_per_min``, ``swap_run_s``), and joints missing in gaps of the measured
    share and length (``dropout``, ``dropout_run_s``). Lengths scale with the sequence's torso length
    (pixels), times are in seconds, so it runs before :class:`Resample`, on the source frames; ``scale``
    multiplies every length, rate and share (1: as measured).

    Needs ``synthetic``: samples whose flag is false or absent (real recordings, which carry an estimator's
    errors already) are left as they are.
    """

    requires = ("keypoints", "fps", "synthetic")

    def __init__(self, profiles: Sequence[Any], scale: float = 1.0, p: float = 1.0, seed: int | None = None):
        super().__init__(p, seed)
        if not profiles:
            raise ValueError("EstimatorNoise needs at least one profile")
        self.profiles, self.scale = list(profiles), scale

    def __call__(self, sample: Sample) -> Sample:
        if not sample.get("synthetic") or not self._fires():
            return sample
        prof = self.profiles[int(self._rng.integers(len(self.profiles)))]
        kp = mask_missing(sample["keypoints"])
        t, j = kp.shape[:2]
        fps, rng, k = float(sample["fps"]), self._rng, self.scale
        seen = _valid(kp)
        unit = body_scale(kp) * k
        offset = np.asarray(prof.offset if prof.offset is not None else np.zeros(j), np.float32)[:j]
        kp[..., :2] += rng.normal(0.0, 1.0, (1, j, 2)).astype(np.float32) * offset[None, :, None] * unit
        kp[..., :2] += rng.normal(0.0, 1.0, (t, j, 2)).astype(np.float32) * np.asarray(prof.jitter, np.float32)[:j, None] * unit
        if prof.wander is not None and prof.wander_s > 0:
            wander = _ar1(rng, (t, j, 2), 0.5 ** (1.0 / (prof.wander_s * fps)))
            kp[..., :2] += wander * np.asarray(prof.wander, np.float32)[None, :j, None] * unit
        for name, rate in prof.swaps_per_min.items():
            left, right = COCO17.index("left_" + name), COCO17.index("right_" + name)
            swapped = _gaps(rng, t, rate * k / 60.0 / fps, max(prof.swap_run_s, 1.0 / fps) * fps)
            kp[swapped, left], kp[swapped, right] = kp[swapped, right].copy(), kp[swapped, left].copy()
            seen[swapped, left], seen[swapped, right] = seen[swapped, right].copy(), seen[swapped, left].copy()
        for jj in range(j):
            share = min(prof.dropout[jj] * k, 0.9)
            run = max(prof.dropout_run_s[jj] * fps, 1.0)
            kp[_gaps(rng, t, share / (1.0 - share) / run, run), jj] = 0.0
        kp[~seen] = 0.0
        return {**sample, "keypoints": mask_missing(kp)}


def _gaps(rng: np.random.Generator, length: int, start_rate: float, mean_run: float) -> np.ndarray:
    """A two-state chain over ``length`` frames: a gap starts with probability ``start_rate`` per frame and
    lasts ``mean_run`` frames on average (geometric lengths), started in its stationary state. Boolean
    ``(length,)``, True in gaps."""
    out = np.zeros(length, bool)
    start, end = min(max(start_rate, 0.0), 1.0), 1.0 / max(mean_run, 1.0)
    if start <= 0.0:
        return out
    state, i = bool(rng.random() < start / (start + end)), 0
    while i < length:
        n = int(rng.geometric(end if state else start))
        out[i : i + n] = state
        i, state = i + n, not state
    return out


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], a: float) -> np.ndarray:
    """Unit-variance AR(1) noise along the first axis of ``shape``, lag-1 correlation ``a``, started stationary."""
    e = rng.normal(0.0, 1.0, shape).astype(np.float32)
    out = np.empty_like(e)
    out[0] = e[0]
    b = np.float32(np.sqrt(1.0 - a * a))
    for i in range(1, shape[0]):
        out[i] = a * out[i - 1] + b * e[i]
    return out
