"""Still postures built from real 3D motion where no source records them (training data only).

No data set here records people lying on the floor or sitting still for seconds, or falling in 3D.
All three are built from
real 3D skeletons (metres, +y up, the floor at y = 0) and then seen by the same virtual cameras as
everything else (:mod:`har_common.cameras`):

- :func:`lie_down`: a standing idle motion turned to lie on the floor or a bed (on the back, the front
  or a side), keeping its small real movements (breathing, shifting weight);
- :func:`fall_over`: a stretch of a standing idle motion, then the body toppling to the floor as one
  rigid whole about its feet (faster and faster, as a falling body does), then lying there: the
  ``falling`` class's only 3D source (a crude fall: no knee buckles, no arm thrown out);
- :func:`hold`: a short seated stretch (the first or last frames of UTD-MHAD's sit-to-stand and
  stand-to-sit trials) held for seconds, replayed back and forth so it keeps its real micro-motion.

Example:
    >>> import numpy as np
    >>> person = np.zeros((10, 17, 3), np.float32); person[..., 1] = np.linspace(0.05, 1.6, 17)[::-1]
    >>> person[:, 1::2, 0], person[:, 2::2, 0] = 0.15, -0.15             # left joints at +x, right at -x
    >>> lying = lie_down(person, np.random.default_rng(0))
    >>> bool(np.ptp(lying[..., 1]) < 0.6), bool(lying[..., 1].min() >= 0)   # flat, on or above the floor
    (True, True)
    >>> fall = fall_over(np.repeat(person, 150, axis=0), np.random.default_rng(0), fps=30.0)
    >>> bool(np.ptp(fall[0, :, 1]) > 1.4), bool(np.ptp(fall[-1, :, 1]) < 0.3), bool(fall[..., 1].min() >= 0)
    (True, True, True)
    >>> hold(person[:3], 12).shape
    (12, 17, 3)
"""

from __future__ import annotations

import numpy as np


def _rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    axis = axis / np.linalg.norm(axis)
    return Rotation.from_rotvec(np.radians(degrees) * axis).as_matrix()


def _rotations(axis: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """``(n,)`` angles about one axis -> ``(n, 3, 3)`` rotation matrices."""
    from scipy.spatial.transform import Rotation

    axis = axis / np.linalg.norm(axis)
    return Rotation.from_rotvec(np.radians(degrees)[:, None] * axis).as_matrix()


def lie_down(joints3d: np.ndarray, rng: np.random.Generator, bed_probability: float = 0.3) -> np.ndarray:
    """``(T, 17, 3)`` upright motion -> the same motion lying flat: on the back, the front or either side
    (equally likely), turned to a random heading, on the floor or (``bed_probability``) on a 0.5 m bed."""
    hips = joints3d[:, 11:13].mean(axis=1)
    centre = np.median(hips, axis=0)
    left = np.median(joints3d[:, 11] - joints3d[:, 12], axis=0)
    left[1] = 0.0
    left /= max(np.linalg.norm(left), 1e-9)
    forward = np.cross(left, [0.0, 1.0, 0.0])
    way = rng.integers(4)
    # on the back / front: tip over the left-right axis; on a side: over the front-back axis
    rot = _rotation(left, (90.0, -90.0)[way]) if way < 2 else _rotation(forward, (90.0, -90.0)[way - 2])
    out = (joints3d - centre) @ rot.T
    out = out @ _rotation(np.array([0.0, 1.0, 0.0]), rng.uniform(0.0, 360.0)).T
    out[..., 1] -= out[..., 1].min()
    if rng.random() < bed_probability:
        out[..., 1] += 0.5
    out[..., 0] += centre[0]
    out[..., 2] += centre[2]
    return out.astype(np.float32)


# How long each part of a built fall lasts, in seconds (drawn uniformly): upright before it, the fall itself
# (a body toppling from standing reaches the floor in about 0.6-1 s), and lying after it. Together they are
# at most about a 3.2 s window, so any window cut from a fall shows the fall.
FALL_PHASES_S = {"before": (0.5, 1.2), "fall": (0.5, 1.0), "after": (0.8, 1.4)}


def fall_over(joints3d: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    """``(T, 17, 3)`` upright motion (metres, +y up, the floor at y = 0) at ``fps`` -> ``(n, 17, 3)``: a stretch of
    it upright, then the whole body turning about the midpoint of its feet by an angle growing with the square of
    the time (a toppling body's fall speeds up) until it lies on the floor (80-95 degrees), then lying while the
    motion's small movements go on. Direction forwards, backwards or to either side (equally likely); the
    stretch and the phase lengths (:data:`FALL_PHASES_S`) are drawn from ``rng``.

    Raises:
        ValueError: the motion is shorter than the three phases drawn.
    """
    n_before, n_fall, n_after = (max(1, round(rng.uniform(*FALL_PHASES_S[k]) * fps)) for k in ("before", "fall", "after"))
    n = n_before + n_fall + n_after
    if len(joints3d) < n:
        raise ValueError(f"a fall needs {n} frames of motion, the clip has {len(joints3d)}")
    start = int(rng.integers(0, len(joints3d) - n + 1))
    seg = np.asarray(joints3d[start : start + n], np.float64)
    pivot = seg[n_before, 15:17].mean(axis=0)
    pivot[1] = 0.0
    left = seg[n_before, 11] - seg[n_before, 12]
    left[1] = 0.0
    left /= max(np.linalg.norm(left), 1e-9)
    forward = np.cross(left, [0.0, 1.0, 0.0])
    way = rng.integers(4)
    axis = (left, -left, forward, -forward)[way]
    final = rng.uniform(80.0, 95.0)
    s = np.clip((np.arange(n) - n_before) / n_fall, 0.0, 1.0)
    out = np.einsum("nij,nkj->nki", _rotations(axis, final * s**2), seg - pivot) + pivot
    out[..., 1] -= np.minimum(out[..., 1].min(axis=1, keepdims=True), 0.0)  # nothing under the floor
    return out.astype(np.float32)


def hold(frames: np.ndarray, length: int) -> np.ndarray:
    """``(n, J, 3)`` frames of a still posture -> ``(length, J, 3)``: played forward, then backward, and so on
    (a ping-pong loop keeps the real small movements and never jumps)."""
    n = len(frames)
    if n == 0 or length < 1:
        raise ValueError("hold needs at least one frame and a length >= 1")
    if n == 1:
        return np.repeat(frames, length, axis=0)
    cycle = np.concatenate([np.arange(n), np.arange(n - 2, 0, -1)])
    return frames[cycle[np.arange(length) % len(cycle)]]
