"""The random steps of a training pipeline (augmentation), each firing with probability ``p`` and
seeded, so a training run can be repeated."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..convert import mask_missing
from .deterministic import Sample, Transform
from .functional import _LIMB_BONES, _valid, flip, rotate_scale, scale_limbs


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
