"""Skeleton transforms: small named steps chained with :class:`Compose`, as in MMAction2.

A *sample* is a dict. Every transform reads ``keypoints`` (float32 ``(T, J, 3)``: x, y, score with
score 0 for a missing joint, whose x and y are then 0 too) and some also read ``fps``. Each class
says what it needs and what it changes. The pure functions underneath (:mod:`.functional`:
:func:`normalize`, :func:`resample`, :func:`flip`, ...) are usable on their own; :mod:`.deterministic`
holds the steps every pipeline runs, :mod:`.augmentation` the random ones of training.

Example:
    >>> import numpy as np
    >>> from har_common.transforms import Compose, MaskLowConfidence, Normalize, Resample
    >>> pipeline = Compose([MaskLowConfidence(0.2), Normalize(), Resample(length=30, fps=30)])
    >>> sample = pipeline({"keypoints": np.random.rand(45, 17, 3).astype("float32"), "fps": 30.0})
    >>> sample["keypoints"].shape
    (30, 17, 3)
"""

from .augmentation import (
    OCCLUDED_LIMBS,
    EstimatorNoise,
    GaussianJitter,
    JointDropout,
    LimbDropout,
    RandomFlip,
    RandomLimbScale,
    RandomRotateScale,
    RandomStretch,
    SpeedChange,
)
from .deterministic import (
    Compose,
    FormatInput,
    MaskLowConfidence,
    Normalize,
    Resample,
    Sample,
    Transform,
)
from .functional import (
    body_center,
    body_scale,
    fit_length,
    flip,
    normalize,
    resample,
    rotate_scale,
    scale_limbs,
)

__all__ = [
    "body_center",
    "body_scale",
    "normalize",
    "resample",
    "fit_length",
    "flip",
    "rotate_scale",
    "scale_limbs",
    "Sample",
    "Transform",
    "Compose",
    "MaskLowConfidence",
    "Normalize",
    "Resample",
    "FormatInput",
    "RandomFlip",
    "RandomRotateScale",
    "RandomStretch",
    "RandomLimbScale",
    "GaussianJitter",
    "JointDropout",
    "OCCLUDED_LIMBS",
    "LimbDropout",
    "SpeedChange",
    "EstimatorNoise",
]
