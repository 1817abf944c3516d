"""Converters from every source layout into canonical COCO-17 keypoints.

A keypoint is ``(x, y, score)``: x and y in image pixels, score in [0, 1]. ``score == 0`` means the
joint is missing, and a missing joint always has ``x == y == 0`` too, so that no stale coordinate
can leak into a model. Every converter accepts one frame ``(J, C)`` or a sequence ``(T, J, C)`` and
returns float32 ``(..., 17, 3)``.

Example:
    >>> import numpy as np
    >>> from har_common.convert import from_openpose18
    >>> frame = np.zeros((18, 3)); frame[0] = (320, 100, 0.9)   # nose only
    >>> [round(v, 3) for v in from_openpose18(frame)[0].tolist()]
    [320.0, 100.0, 0.9]
"""

from __future__ import annotations

import numpy as np

from .layouts import COCO17, KINECT20, MEDIAPIPE33, OPENPOSE18, Layout


def _index_map(source: Layout, mapping: dict[str, str] | None = None) -> np.ndarray:
    """For each COCO-17 joint, the source index it comes from, or -1 when the source lacks it."""
    mapping = mapping or {}
    out = []
    for name in COCO17.joints:
        src = mapping.get(name, name)
        out.append(source.index(src) if src in source.joints else -1)
    return np.asarray(out, dtype=np.int64)


_FROM_MEDIAPIPE = _index_map(MEDIAPIPE33)
_FROM_OPENPOSE = _index_map(OPENPOSE18)
# Kinect has no face joints; its head centre stands in for the nose (a few cm off, documented in
# docs/keypoints.md) because pose estimators always report a nose and models should see one.
_FROM_KINECT = _index_map(KINECT20, {"nose": "head"})


def _gather(points: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Pick joints by ``index`` (-1 gives a missing joint) and zero every missing one."""
    points = np.asarray(points, dtype=np.float32)
    if points.shape[-1] != 3:
        raise ValueError(f"expected (x, y, score) per joint, got last axis {points.shape[-1]}")
    out = np.zeros(points.shape[:-2] + (len(index), 3), dtype=np.float32)
    present = index >= 0
    out[..., present, :] = points[..., index[present], :]
    return mask_missing(out)


def mask_missing(keypoints: np.ndarray) -> np.ndarray:
    """Zero x and y wherever the score is 0 (or not finite), so missing means all zeros."""
    kp = np.array(keypoints, dtype=np.float32, copy=True)
    bad = ~np.isfinite(kp).all(axis=-1) | (kp[..., 2] <= 0)
    kp[bad] = 0.0
    return kp


def _check_joints(points: np.ndarray, layout: Layout) -> np.ndarray:
    points = np.asarray(points, dtype=np.float32)
    if points.ndim < 2 or points.shape[-2] != len(layout):
        raise ValueError(f"{layout.name} expects {len(layout)} joints per frame, got shape {points.shape}")
    return points


def from_mediapipe33(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """MediaPipe Pose landmarks ``(..., 33, >=3)`` as ``(x_norm, y_norm, [z,] visibility)``.

    MediaPipe gives x and y as fractions of the image size: they are scaled to pixels. The last
    column is taken as the score (visibility), so both ``(x, y, visibility)`` and
    ``(x, y, z, visibility)`` rows work.
    """
    lm = _check_joints(landmarks, MEDIAPIPE33)
    pts = np.stack([lm[..., 0] * width, lm[..., 1] * height, np.clip(lm[..., -1], 0, 1)], axis=-1)
    return _gather(pts, _FROM_MEDIAPIPE)


def from_openpose18(points: np.ndarray) -> np.ndarray:
    """OpenPose COCO-18 ``(..., 18, 3)`` in pixels with confidences: drop the neck, reorder."""
    return _gather(_check_joints(points, OPENPOSE18), _FROM_OPENPOSE)


def from_openpose18_normalized(xy: np.ndarray, width: int, height: int) -> np.ndarray:
    """OpenPose COCO-18 ``(..., 18, 2)`` in [0, 1] with 0 for missing (the LZQ CSV rows).

    Such rows carry no confidence: a joint is present (score 1) unless both coordinates are 0.
    """
    xy = _check_joints(xy, OPENPOSE18)[..., :2]
    present = ~((xy[..., 0] == 0) & (xy[..., 1] == 0))
    pts = np.stack([xy[..., 0] * width, xy[..., 1] * height, present.astype(np.float32)], axis=-1)
    return from_openpose18(pts)


# Kinect v1 depth-camera intrinsics (640x480): the published nominal values, used so that the
# projected skeletons have the proportions a real 640x480 camera would see.
KINECT_FOCAL_PX = 525.0
KINECT_CENTER_PX = (320.0, 240.0)


def project_kinect(
    joints_xyz: np.ndarray,
    focal: float = KINECT_FOCAL_PX,
    center: tuple[float, float] = KINECT_CENTER_PX,
) -> np.ndarray:
    """Pinhole projection of Kinect camera-space joints (metres) to pixels.

    Kinect's skeleton space has x pointing to the sensor's left, y up and z away from the sensor
    (a subject facing it has the left shoulder at negative x). An ordinary, unmirrored camera image
    has u growing to the right and v downwards, so ``u = cx - f * x / z`` and ``v = cy - f * y / z``:
    the subject's left side lands on the image's right, as in any video a pose estimator sees.
    A joint with ``z <= 0`` or a non-finite value is untracked and comes back missing.

    Returns ``(..., J, 3)`` with x and y in pixels and a score of 1 (tracked) or 0 (missing).
    """
    xyz = np.asarray(joints_xyz, dtype=np.float64)
    if xyz.shape[-1] != 3:
        raise ValueError(f"expected (x, y, z) per joint, got last axis {xyz.shape[-1]}")
    z = xyz[..., 2]
    ok = np.isfinite(xyz).all(axis=-1) & (z > 1e-6)
    safe_z = np.where(ok, z, 1.0)
    u = center[0] - focal * xyz[..., 0] / safe_z
    v = center[1] - focal * xyz[..., 1] / safe_z
    out = np.stack([u, v, ok.astype(np.float64)], axis=-1).astype(np.float32)
    out[~ok] = 0.0
    return out


def turn_kinect(joints_xyz: np.ndarray, degrees: float) -> np.ndarray:
    """Kinect camera-space joints ``(T, J, 3)`` with the subject turned ``degrees`` about the vertical axis.

    The axis passes through the sequence's mean joint position (tracked joints only), so the subject
    stays where it stood and only the viewpoint changes: a synthetic second camera at the same
    height, ``degrees`` around the subject (positive turns the subject's left side away from the sensor).
    Untracked joints (``z <= 0`` or non-finite) stay untracked.

    Example:
        >>> xyz = np.array([[[0.2, 0.0, 2.0], [-0.2, 0.0, 2.0]]])
        >>> (np.round(turn_kinect(xyz, 90.0), 3) + 0.0).tolist()
        [[[0.0, 0.0, 1.8], [0.0, 0.0, 2.2]]]
    """
    xyz = np.array(joints_xyz, dtype=np.float64, copy=True)
    if xyz.ndim != 3 or xyz.shape[-1] != 3:
        raise ValueError(f"expected joints of shape (T, J, 3), got {xyz.shape}")
    ok = np.isfinite(xyz).all(axis=-1) & (xyz[..., 2] > 1e-6)
    if not ok.any() or degrees == 0:
        return xyz
    cx, cz = xyz[ok][:, 0].mean(), xyz[ok][:, 2].mean()
    a = np.deg2rad(degrees)
    dx, dz = xyz[..., 0] - cx, xyz[..., 2] - cz
    turned = xyz.copy()
    turned[..., 0] = cx + dx * np.cos(a) + dz * np.sin(a)
    turned[..., 2] = cz - dx * np.sin(a) + dz * np.cos(a)
    turned[~ok] = xyz[~ok]
    return turned


def from_kinect20(joints_xyz: np.ndarray, **projection) -> np.ndarray:
    """Kinect v1 20-joint 3D skeleton ``(..., 20, 3)`` in metres to COCO-17 pixels.

    Projects with :func:`project_kinect`, then maps joints by name; eyes and ears, which Kinect
    lacks, are missing, and the head centre stands in for the nose.
    """
    return _gather(project_kinect(_check_joints(joints_xyz, KINECT20), **projection), _FROM_KINECT)
