"""The deterministic steps of a skeleton pipeline (serving and training alike): :class:`Transform`,
:class:`Compose`, and the steps that mask, normalise, resample and format a window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from ..convert import mask_missing
from .functional import fit_length, normalize, resample

Sample = dict[str, Any]


class Transform:
    """One step of a skeleton pipeline. ``requires``: keys read; ``changes``: keys written."""

    requires: tuple[str, ...] = ("keypoints",)
    changes: tuple[str, ...] = ("keypoints",)

    def __call__(self, sample: Sample) -> Sample:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence[Callable[[Sample], Sample]]):
        self.transforms = list(transforms)

    def __call__(self, sample: Sample) -> Sample:
        for t in self.transforms:
            sample = t(sample)
        return sample


class MaskLowConfidence(Transform):
    """Treat joints whose score is below ``threshold`` as missing (score and coordinates 0)."""

    def __init__(self, threshold: float = 0.3):
        self.threshold = threshold

    def __call__(self, sample: Sample) -> Sample:
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        kp[kp[..., 2] < self.threshold] = 0.0
        return {**sample, "keypoints": mask_missing(kp)}


class Normalize(Transform):
    """Centre on the hip midpoint and divide by the torso length (see :func:`normalize`)."""

    def __init__(self, center: Literal["frame", "sequence"] = "frame"):
        self.center = center

    def __call__(self, sample: Sample) -> Sample:
        return {**sample, "keypoints": normalize(sample["keypoints"], self.center)}


class Resample(Transform):
    """Resample to ``fps`` and crop or pad to ``length`` frames (default 30 frames at 30 fps); with ``crop="center"``
    a batch ``(B, T, J, 3)`` of sequences at one ``fps`` works too.

    Needs ``fps`` (the source rate) and sets it to the target rate. ``crop="random"`` picks the
    crop offset with the transform's own seeded generator (training); ``"center"`` is for inference.
    """

    requires = ("keypoints", "fps")
    changes = ("keypoints", "fps")

    def __init__(
        self, length: int = 30, fps: float = 30.0, crop: Literal["center", "random"] = "center", seed: int | None = None
    ):
        if length < 1:
            raise ValueError("length must be at least 1")
        self.length, self.fps, self.crop = length, fps, crop
        self._rng = np.random.default_rng(seed)

    def __call__(self, sample: Sample) -> Sample:
        kp = resample(sample["keypoints"], float(sample.get("fps", self.fps)), self.fps)
        offset = None
        if self.crop == "random" and kp.shape[0] > self.length:
            offset = int(self._rng.integers(0, kp.shape[0] - self.length + 1))
        return {**sample, "keypoints": fit_length(kp, self.length, offset), "fps": self.fps}


class FormatInput(Transform):
    """The model's input format: the score becomes a 0/1 visibility flag, the joints in ``drop_joints`` are made
    missing (e.g. eyes and ears, which some skeleton sources lack), coordinates are bounded to ``+-bound``
    (normalised units) and missing joints are all zeros. Elementwise: a batch works too."""

    def __init__(self, drop_joints: Sequence[int] = (), bound: float = 8.0):
        self.drop_joints, self.bound = tuple(drop_joints), bound

    def __call__(self, sample: Sample) -> Sample:
        kp = np.array(sample["keypoints"], dtype=np.float32, copy=True)
        visible = kp[..., 2] > 0
        if self.drop_joints:
            visible[..., list(self.drop_joints)] = False
        kp[..., 2] = visible
        kp[..., :2] = np.clip(kp[..., :2], -self.bound, self.bound) * visible[..., None]
        return {**sample, "keypoints": kp}
