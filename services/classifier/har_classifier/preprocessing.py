"""The classifier's two pipelines of named transforms (:mod:`har_common.transforms`), as MMAction2 has a train
and a test pipeline of the same transforms:

- :func:`test_pipeline` (serving, evaluation, validation): mask low-confidence joints, resample to the
  window's frame rate and length (centre crop), normalise (sequence-centred, torso scale), format the
  input (score -> 0/1 visibility, eyes and ears dropped, coordinates bounded);
- :func:`train_pipeline`: the same steps with random ones between them (optionally the pose estimators'
  measured errors on synthetic sequences, speed change, random crop, flip, rotation and scale, optional
  stretch and limb lengths, jitter, joint and limb dropout).

:func:`preprocess_batch` runs the test pipeline on many sequences at once: sequences of equal length
and frame rate go through it as one ``(B, T, 17, 3)`` batch (every test step is batch-aware).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from har_common.keypoint_noise import EstimatorProfile
from har_common.schemas import WindowSpec
from har_common.transforms import augmentation, deterministic

FACE_JOINTS = (1, 2, 3, 4)  # eyes and ears: absent from UTD-MHAD's Kinect skeletons
COORDINATE_BOUND = 8.0  # normalised units (torso lengths)
# MediaPipe's and YOLO's errors measured on real clips (services/classifier/tools/pose_noise.py).
POSE_NOISE = Path(__file__).with_name("pose_noise.json")


@lru_cache(maxsize=1)
def estimator_profiles() -> tuple[EstimatorProfile, ...]:
    """The measured pose-estimator profiles of :data:`POSE_NOISE` (one per estimator)."""
    import json

    return tuple(EstimatorProfile.model_validate(p) for p in json.loads(POSE_NOISE.read_text())["profiles"])


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


def train_pipeline(
    spec: WindowSpec, seed: int, stretch: float = 0.0, limb_scale: float = 0.0, estimator_noise: float = 0.0
) -> deterministic.Compose:
    """The training chain, seeded: the test chain's steps with the random ones between them (``stretch``,
    ``limb_scale`` and ``estimator_noise`` 0: those steps left out). ``estimator_noise`` scales the measured
    pose-estimator errors (:func:`estimator_profiles`) put on samples flagged ``synthetic``."""
    rng = np.random.default_rng(seed)
    s = lambda: int(rng.integers(2**31))  # noqa: E731
    noise = [augmentation.EstimatorNoise(estimator_profiles(), estimator_noise, seed=s())] if estimator_noise else []
    return deterministic.Compose(
        [
            *noise,
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
    sequences: Sequence[tuple[np.ndarray, float]],
    spec: WindowSpec,
    seed: int,
    stretch: float = 0.0,
    limb_scale: float = 0.0,
    estimator_noise: float = 0.0,
    synthetic: Sequence[bool] | None = None,
) -> np.ndarray:
    """Training inputs for ``[(keypoints, fps), ...]`` through a fresh :func:`train_pipeline`; the same ``seed`` gives
    the same arrays. ``synthetic``: per sequence, whether it was made rather than seen by a pose estimator."""
    pipeline = train_pipeline(spec, seed, stretch, limb_scale, estimator_noise)
    flags = synthetic if synthetic is not None else [False] * len(sequences)
    out = np.empty((len(sequences), spec.length, 17, 3), np.float32)
    for i, ((kp, fps), made) in enumerate(zip(sequences, flags)):
        out[i] = pipeline({"keypoints": kp, "fps": fps, "synthetic": bool(made)})["keypoints"]
    return out
