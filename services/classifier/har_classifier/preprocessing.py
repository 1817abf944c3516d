"""The classifier's two pipelines of named transforms (:mod:`har_common.transforms`), as MMAction2 has a train
and a test pipeline of the same transforms:

- :func:`test_pipeline` (serving, evaluation, validation): mask low-confidence joints, resample to the
  window's frame rate and length (centre crop), normalise (sequence-centred, torso scale), format the
  input (score -> 0/1 visibility, eyes and ears dropped, coordinates bounded);
- :func:`train_pipeline`: the same steps with random ones between them (speed change, random crop,
  flip, rotation and scale, optional stretch and limb lengths, jitter, joint and limb dropout).

:func:`preprocess_batch` runs the test pipeline on many sequences at once: sequences of equal length
and frame rate go through it as one ``(B, T, 17, 3)`` batch (every test step is batch-aware).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from har_common.schemas import WindowSpec
from har_common.transforms import augmentation, deterministic

FACE_JOINTS = (1, 2, 3, 4)  # eyes and ears: absent from UTD-MHAD's Kinect skeletons
COORDINATE_BOUND = 8.0  # normalised units (torso lengths)


def _format(spec: WindowSpec) -> deterministic.FormatInput:
    return deterministic.FormatInput(FACE_JOINTS if spec.drop_face else (), COORDINATE_BOUND)


@lru_cache(maxsize=64)
def test_pipeline(spec: WindowSpec) -> deterministic.Compose:
    """The deterministic chain: any sequence in pixels -> the model's input window ``(length, 17, 3)``. It keeps
    no state between calls, so one instance per window (cached) serves every request."""
    return deterministic.Compose(
        [
            deterministic.MaskLowConfidence(spec.mask_threshold),
            deterministic.Resample(spec.length, spec.fps, crop="center"),
            deterministic.Normalize(spec.center),
            _format(spec),
        ]
    )


test_pipeline.__test__ = False  # not a pytest test


def train_pipeline(spec: WindowSpec, seed: int, stretch: float = 0.0, limb_scale: float = 0.0) -> deterministic.Compose:
    """The training chain, seeded: the test chain's steps with the random ones between them (``stretch`` and
    ``limb_scale`` 0: those steps left out)."""
    rng = np.random.default_rng(seed)
    s = lambda: int(rng.integers(2**31))  # noqa: E731
    return deterministic.Compose(
        [
            deterministic.MaskLowConfidence(spec.mask_threshold),
            augmentation.SpeedChange((0.8, 1.25), p=0.5, seed=s()),
            deterministic.Resample(spec.length, spec.fps, crop="random", seed=s()),
            deterministic.Normalize(spec.center),
            augmentation.RandomFlip(0.5, seed=s()),
            augmentation.RandomRotateScale(12.0, (0.85, 1.15), seed=s()),
            *([augmentation.RandomStretch(stretch, seed=s())] if stretch else []),
            *([augmentation.RandomLimbScale(limb_scale, seed=s())] if limb_scale else []),
            augmentation.GaussianJitter(0.03, seed=s()),
            augmentation.JointDropout(0.08, p=0.7, seed=s()),
            augmentation.LimbDropout(0.1, seed=seed + 1),
            _format(spec),
        ]
    )


def preprocess_batch(sequences: Sequence[tuple[np.ndarray, float]], spec: WindowSpec) -> np.ndarray:
    """The test pipeline over ``[(keypoints (T, 17, 3) pixels, fps), ...]`` -> ``(N, length, 17, 3)``; sequences
    of equal length and frame rate go through it together."""
    pipeline = test_pipeline(spec)
    out = np.zeros((len(sequences), spec.length, 17, 3), np.float32)
    groups: dict[tuple[int, float], list[int]] = defaultdict(list)
    arrays = [np.asarray(kp, dtype=np.float32) for kp, _ in sequences]
    for i, (a, (_, fps)) in enumerate(zip(arrays, sequences)):
        if a.ndim != 3 or a.shape[0] == 0 or a.shape[1:] != (17, 3):
            out[i] = pipeline({"keypoints": a, "fps": float(fps)})["keypoints"]  # raises the transforms' errors
        else:
            groups[(a.shape[0], float(fps))].append(i)
    for (_, fps), idx in groups.items():
        out[idx] = pipeline({"keypoints": np.stack([arrays[i] for i in idx]), "fps": fps})["keypoints"]
    return out


def preprocess(keypoints: np.ndarray, fps: float, spec: WindowSpec) -> np.ndarray:
    """One sequence (any length, pixels) -> the model's input window ``(length, 17, 3)``."""
    return test_pipeline(spec)({"keypoints": np.asarray(keypoints, np.float32), "fps": float(fps)})["keypoints"]


def augment(
    sequences: Sequence[tuple[np.ndarray, float]], spec: WindowSpec, seed: int, stretch: float = 0.0, limb_scale: float = 0.0
) -> np.ndarray:
    """Training inputs for ``[(keypoints, fps), ...]`` through a fresh :func:`train_pipeline`; the same ``seed`` gives
    the same arrays."""
    pipeline = train_pipeline(spec, seed, stretch, limb_scale)
    out = np.empty((len(sequences), spec.length, 17, 3), np.float32)
    for i, (kp, fps) in enumerate(sequences):
        out[i] = pipeline({"keypoints": kp, "fps": fps})["keypoints"]
    return out
