"""The pure functions under the skeleton transforms, usable on their own: centring and scaling
(:func:`normalize`), resampling in time (:func:`resample`, :func:`fit_length`), mirroring (:func:`flip`),
rotation and scale, and limb lengths (:func:`scale_limbs`). Keypoints are float32 ``(T, J, 3)`` (or a batch
``(B, T, J, 3)`` where a function says so): x, y, score, with score 0 for a missing joint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..convert import mask_missing
from ..layouts import COCO17, Layout

_L_SHOULDER, _R_SHOULDER = COCO17.index("left_shoulder"), COCO17.index("right_shoulder")
_L_HIP, _R_HIP = COCO17.index("left_hip"), COCO17.index("right_hip")


def _valid(kp: np.ndarray) -> np.ndarray:
    return kp[..., 2] > 0


def _mean_of(kp: np.ndarray, joints: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame mean position of the visible ``joints`` (``(..., T, 2)``), and whether any was visible."""
    sub = kp[..., list(joints), :]
    w = _valid(sub).astype(np.float64)
    n = w.sum(axis=-1)
    mean = (sub[..., :2] * w[..., None]).sum(axis=-2) / np.maximum(n, 1)[..., None]
    return mean, n > 0


def _masked_median(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Median over axis 1 of ``values`` ``(B, T, ...)`` where ``ok`` ``(B, T)`` (0 where none is ok), as ``np.median``."""
    extra = (1,) * (values.ndim - 2)
    s = np.sort(np.where(ok.reshape(ok.shape + extra), values, np.inf), axis=1)
    n = ok.sum(1)
    lo = np.take_along_axis(s, np.maximum(n - 1, 0).reshape((-1, 1, *extra)) // 2, 1)[:, 0]
    hi = np.take_along_axis(s, (n // 2).reshape((-1, 1, *extra)), 1)[:, 0]
    return np.where((n > 0).reshape((-1, *extra)), (lo + hi) / 2, 0.0)


def _fill_gaps(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Replace rows where ``ok`` is False by the nearest ok row in time."""
    if ok.all() or not ok.any():
        return values
    idx = np.flatnonzero(ok)
    t = np.arange(len(values))
    nearest = idx[np.clip(np.searchsorted(idx, t), 0, len(idx) - 1)]
    before = idx[np.clip(np.searchsorted(idx, t) - 1, 0, len(idx) - 1)]
    pick = np.where(np.abs(before - t) <= np.abs(nearest - t), before, nearest)
    return values[pick]


def body_center(kp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame hip midpoint ``(T, 2)``, falling back to the shoulders, then to all joints.

    Returns the centres and a mask of frames where any joint was visible.
    """
    hips, has_hips = _mean_of(kp, (_L_HIP, _R_HIP))
    shoulders, has_shoulders = _mean_of(kp, (_L_SHOULDER, _R_SHOULDER))
    every, has_any = _mean_of(kp, range(kp.shape[-2]))
    center = np.where(has_hips[..., None], hips, np.where(has_shoulders[..., None], shoulders, every))
    return center, has_any


def body_scale(kp: np.ndarray) -> float:
    """Median torso length (shoulder midpoint to hip midpoint) over the frames that show it.

    Without any torso, the median extent of the visible joints, divided by 3 (a torso is about a
    third of a standing body's height), stands in. Always positive.
    """
    hips, has_hips = _mean_of(kp, (_L_HIP, _R_HIP))
    shoulders, has_shoulders = _mean_of(kp, (_L_SHOULDER, _R_SHOULDER))
    both = has_hips & has_shoulders
    torso = np.linalg.norm(shoulders - hips, axis=1)[both]
    torso = torso[torso > 1e-6]
    if torso.size:
        return float(np.median(torso))
    extents = []
    for frame in kp:
        pts = frame[_valid(frame), :2]
        if len(pts) >= 2:
            extents.append(float(np.ptp(pts, axis=0).max()))
    extents = [e for e in extents if e > 1e-6]
    return float(np.median(extents)) / 3.0 if extents else 1.0


def normalize(kp: np.ndarray, center: Literal["frame", "sequence"] = "frame") -> np.ndarray:
    """Make a sequence independent of where the person stands and how large they appear.

    Subtracts the hip midpoint (each frame's own with ``center="frame"``; the sequence's median with
    ``"sequence"``, which keeps the body's path) and divides by the median torso length. Missing
    joints stay missing; frames without any joint stay empty. A batch ``(B, T, J, 3)`` is normalised
    sequence by sequence, vectorised.
    """
    kp = mask_missing(kp)
    if kp.ndim == 4 and kp.shape[1] > 0:
        return _normalize_batch(kp, center)
    if kp.ndim != 3 or kp.shape[0] == 0:
        raise ValueError(f"expected a non-empty (T, J, 3) sequence, got shape {kp.shape}")
    centres, has_any = body_center(kp)
    if center == "sequence":
        c = np.median(centres[has_any], axis=0) if has_any.any() else np.zeros(2)
        centres = np.broadcast_to(c, centres.shape)
    else:
        centres = _fill_gaps(centres, has_any)
    scale = body_scale(kp)
    out = kp.copy()
    out[..., :2] = (kp[..., :2] - centres[:, None, :]) / scale
    return mask_missing(out)


def _normalize_batch(kp: np.ndarray, center: Literal["frame", "sequence"]) -> np.ndarray:
    """:func:`normalize` of each sequence of a batch ``(B, T, J, 3)``, the medians taken for all at once."""
    hips, has_hips = _mean_of(kp, (_L_HIP, _R_HIP))
    shoulders, has_shoulders = _mean_of(kp, (_L_SHOULDER, _R_SHOULDER))
    every, has_any = _mean_of(kp, range(kp.shape[-2]))
    centres = np.where(has_hips[..., None], hips, np.where(has_shoulders[..., None], shoulders, every))  # body_center
    if center == "sequence":
        centres = _masked_median(centres, has_any)[:, None, :]
    else:
        centres = np.stack([_fill_gaps(c, ok) for c, ok in zip(centres, has_any)])
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    ok = has_hips & has_shoulders & (torso > 1e-6)
    scale = _masked_median(torso, ok)
    for i in np.flatnonzero(~ok.any(1)):  # no torso anywhere: body_scale's fallback (the visible extent)
        scale[i] = body_scale(kp[i])
    out = kp.copy()
    out[..., :2] = (kp[..., :2] - centres[:, :, None, :]) / scale[:, None, None, None]
    return mask_missing(out)


def resample(kp: np.ndarray, src_fps: float, fps: float) -> np.ndarray:
    """Resample a sequence in time from ``src_fps`` to ``fps`` by linear interpolation.

    A joint is interpolated only between frames where it is visible on both sides; where it is
    visible on one side only, the nearer frame's value is taken. Time is the third axis from the
    end, so a batch ``(B, T, J, 3)`` of equal-length sequences resamples in one call.
    """
    if src_fps <= 0 or fps <= 0:
        raise ValueError("frame rates must be positive")
    kp = np.asarray(kp, dtype=np.float32)
    n_src = kp.shape[-3] if kp.ndim >= 3 else kp.shape[0]
    if n_src == 0:
        raise ValueError("cannot resample an empty sequence")
    if abs(src_fps - fps) < 1e-9 or n_src == 1:
        return kp.copy()
    duration = (n_src - 1) / src_fps
    n_out = int(np.floor(duration * fps + 1e-6)) + 1
    t = np.arange(n_out) * (src_fps / fps)
    i0 = np.clip(np.floor(t).astype(int), 0, n_src - 1)
    i1 = np.clip(i0 + 1, 0, n_src - 1)
    w = (t - i0).astype(np.float32)[:, None, None]
    a, b = kp[..., i0, :, :], kp[..., i1, :, :]
    va, vb = _valid(a)[..., None], _valid(b)[..., None]
    mixed = a * (1 - w) + b * w
    nearer_a = w < 0.5
    out = np.where(va & vb, mixed, np.where(va & (nearer_a | ~vb), a, np.where(vb, b, 0.0)))
    return mask_missing(out)


def fit_length(kp: np.ndarray, length: int, offset: int | None = None) -> np.ndarray:
    """Crop (at ``offset``, centred by default) or pad (repeating the edge frames) to ``length``
    (time: the third axis from the end, so a batch ``(B, T, J, 3)`` works too)."""
    n = kp.shape[-3]
    if n == length:
        return kp.copy()
    if n > length:
        start = (n - length) // 2 if offset is None else int(np.clip(offset, 0, n - length))
        return kp[..., start : start + length, :, :].copy()
    before = (length - n) // 2
    index = np.clip(np.arange(length) - before, 0, n - 1)
    return kp[..., index, :, :].copy()


def flip(kp: np.ndarray, layout: Layout = COCO17, width: float | None = None) -> np.ndarray:
    """Mirror horizontally and swap left and right joints.

    Mirrors about x = 0 (for normalised skeletons) or about the image's middle when ``width`` is
    given (x -> width - x). Flipping twice gives back the input.
    """
    kp = mask_missing(kp)
    out = kp[..., list(layout.flip_permutation), :].copy()
    out[..., 0] = (width - out[..., 0]) if width is not None else -out[..., 0]
    return mask_missing(out)


def rotate_scale(kp: np.ndarray, degrees: float, scale: float) -> np.ndarray:
    """Rotate by ``degrees`` and scale by ``scale`` about the origin (the body centre once normalised)."""
    theta = np.deg2rad(degrees)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], dtype=np.float32)
    out = np.array(kp, dtype=np.float32, copy=True)
    out[..., :2] = (out[..., :2] @ rot.T) * scale
    return mask_missing(out)


# Limb bones of COCO-17 as (parent, child), parents before children; both sides of a bone kind share a factor.
_LIMB_BONES = {
    "upper_arm": ((5, 7), (6, 8)),
    "forearm": ((7, 9), (8, 10)),
    "thigh": ((11, 13), (12, 14)),
    "shin": ((13, 15), (14, 16)),
}


def scale_limbs(kp: np.ndarray, factors: dict[str, float], layout: Layout = COCO17) -> np.ndarray:
    """Lengthen or shorten the limbs of a COCO-17 skeleton: each bone kind of :data:`_LIMB_BONES` (``upper_arm``,
    ``forearm``, ``thigh``, ``shin``) by its factor, on both sides, every joint below it moving along.
    The trunk and head stay where they are; a bone with a missing end is left as it is."""
    if layout is not COCO17:
        raise ValueError("scale_limbs needs the COCO-17 layout")
    kp = mask_missing(kp)
    out = kp.copy()
    ok = kp[..., 2] > 0
    shift = np.zeros(kp.shape[:-1] + (2,), np.float32)  # how far each joint has moved so far
    for kind in ("upper_arm", "forearm", "thigh", "shin"):  # parents before children
        f = float(factors.get(kind, 1.0))
        for parent, child in _LIMB_BONES[kind]:
            both = (ok[..., parent] & ok[..., child])[..., None]
            bone = kp[..., child, :2] - kp[..., parent, :2]
            shift[..., child, :] = shift[..., parent, :] + np.where(both, (f - 1.0) * bone, 0.0)
    out[..., :2] += shift * ok[..., None]
    return mask_missing(out)
