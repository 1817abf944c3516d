"""Still postures built from real 3D motion where no source records them (training data only).

No data set here records people lying on the floor or sitting still for seconds. Both are built from
real 3D skeletons (metres, +y up, the floor at y = 0) and then seen by the same virtual cameras as
everything else (:mod:`har_common.cameras`):

- :func:`lie_down`: a standing idle motion turned to lie on the floor or a bed (on the back, the front
  or a side), keeping its small real movements (breathing, shifting weight);
- :func:`hold`: a short seated stretch (the first or last frames of UTD-MHAD's sit-to-stand and
  stand-to-sit trials) held for seconds, replayed back and forth so it keeps its real micro-motion.

Example:
    >>> import numpy as np
    >>> person = np.zeros((10, 17, 3), np.float32); person[..., 1] = np.linspace(0.05, 1.6, 17)[::-1]
    >>> person[:, 1::2, 0], person[:, 2::2, 0] = 0.15, -0.15             # left joints at +x, right at -x
    >>> lying = lie_down(person, np.random.default_rng(0))
    >>> bool(np.ptp(lying[..., 1]) < 0.6), bool(lying[..., 1].min() >= 0)   # flat, on or above the floor
    (True, True)
    >>> hold(person[:3], 12).shape
    (12, 17, 3)
"""

from __future__ import annotations

import numpy as np


def _rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    axis = axis / np.linalg.norm(axis)
    return Rotation.from_rotvec(np.radians(degrees) * axis).as_matrix()


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
