"""Stillness: how much a window moves, and the gate that keeps motion labels off people who do not move.

A sliding-window classifier trained on movements names *some* movement for every window; a person
standing, sitting or lying still then gets whichever movement their posture looks most like (a person
sitting still on a sofa read as ``falling``, someone standing still as ``running``). The gate decides
on the window's own motion, measured in the model's input (:func:`window_motion`): below the
threshold only the posture classes keep their probability, renormalised, so a still person is named
by posture (``standing``, ``sitting``, ``lying``, a held ``squatting``) and never by a movement. A
model has the gate when its ``model.json`` sets ``calibration.stillness`` (measured and written by
``services/classifier/tools/stillness.py``); the shipped default does not, because slow movement such
as tai chi falls on both sides of any threshold (figures in docs/classifier.md).

Example:
    >>> import numpy as np
    >>> still = np.zeros((1, 32, 17, 3), np.float32); still[..., 2] = 1
    >>> moving = still.copy(); moving[0, :, 9, 0] = np.sin(np.arange(32))  # a wrist swinging
    >>> np.round(window_motion(np.concatenate([still, moving]), fps=10.0), 2)
    array([0.  , 6.05], dtype=float32)
    >>> gate = StillnessGate(threshold=0.5, classes=["walking", "standing", "sitting"], postures=["standing", "sitting"])
    >>> gate(np.array([[0.6, 0.3, 0.1], [0.6, 0.3, 0.1]], np.float32), np.array([0.1, 2.0])).round(2)
    array([[0.  , 0.75, 0.25],
           [0.6 , 0.3 , 0.1 ]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# COCO-17 body joints (shoulders to ankles): the face points are dropped from the model's input
BODY_JOINTS = tuple(range(5, 17))
POSTURES = ("standing", "sitting", "lying", "squatting")


def window_motion(windows: np.ndarray, fps: float, lag: int = 1) -> np.ndarray:
    """How fast the most moving body joint moves, in torso lengths per second: ``(N,)`` float32.

    ``windows``: preprocessed model inputs ``(N, T, 17, 3)`` (normalised by the torso length, the third
    channel a 0/1 visibility flag) at ``fps`` frames a second. For each body joint, its mean speed over
    the pairs of frames ``lag`` apart where it is visible in both, leaving out pairs where nothing moved
    (padding); the window's figure is the largest of those (a wave moves one wrist; walking moves every
    joint). A window with no such pair is 0. A longer ``lag`` lets less of a pose estimator's
    frame-to-frame jitter into the figure (jitter adds the same distance to a pair whatever its lag).
    """
    w = np.asarray(windows, np.float32)[:, :, BODY_JOINTS[0] : BODY_JOINTS[-1] + 1, :]
    if w.shape[1] <= lag:
        return np.zeros(len(w), np.float32)
    # x, y and visibility as planes of their own: numpy reduces over a last axis of length 3 slowly
    x, y, seen = (np.ascontiguousarray(w[..., c]) for c in range(3))
    both = (seen[:, lag:] > 0) & (seen[:, :-lag] > 0)  # (N, T-lag, J)
    step = np.sqrt(np.square(x[:, lag:] - x[:, :-lag]) + np.square(y[:, lag:] - y[:, :-lag])) * both
    # a pair where no joint moved at all is padding (a short sequence's edge frames repeated to fill the
    # window), not a person holding still (a pose estimator's keypoints never repeat exactly)
    both &= (step > 0).any(axis=2, keepdims=True)
    pairs = both.sum(axis=1)  # (N, J)
    speed = np.where(pairs > 0, (step * both).sum(axis=1) / np.maximum(pairs, 1), 0.0) * fps / lag
    return speed.max(axis=1).astype(np.float32)


class StillnessGate:
    """Below ``threshold`` (torso lengths, :func:`window_motion`) only ``postures`` keep their
    probability; ``probs (N, classes)`` and ``motion (N,)`` in, gated probabilities out (rows that sum to 1).

    ``width`` > 0 makes the gate soft: across ``threshold +- width / 2`` the output moves linearly from
    the gated probabilities to the model's own, so two nearly equal windows (the same clip encoded twice)
    get nearly equal probabilities instead of one of them flipping to a posture. A still window whose
    postures all have zero probability is left as it was (nothing to renormalise). Raises ``ValueError``
    when ``postures`` names a class the model does not have."""

    def __init__(self, threshold: float, classes: Sequence[str], postures: Sequence[str] = POSTURES, width: float = 0.0):
        self.threshold, self.width = float(threshold), float(width)
        if self.width < 0 or self.width >= 2 * self.threshold > 0:
            raise ValueError(f"stillness width {width} must be at least 0 and under twice the threshold {threshold}")
        unknown = [p for p in postures if p not in classes]
        if unknown:
            raise ValueError(f"stillness postures {unknown} are not classes of the model ({list(classes)})")
        self.postures = [c for c in classes if c in postures]
        self._mask = np.array([c in postures for c in classes], np.float64)

    def weight(self, motion: np.ndarray) -> np.ndarray:
        """How much of the gate applies to each window: 1 still, 0 moving, linear across the width ``(N,)``."""
        m = np.asarray(motion, np.float64)
        if self.width == 0:
            return (m < self.threshold).astype(np.float64)
        return np.clip((self.threshold + self.width / 2 - m) / self.width, 0.0, 1.0)

    def __call__(self, probs: np.ndarray, motion: np.ndarray) -> np.ndarray:
        p = np.asarray(probs, np.float64).copy()
        g = self.weight(motion)
        still = g > 0
        if still.any():
            kept = p[still] * self._mask
            total = kept.sum(axis=1, keepdims=True)
            gated = np.where(total > 0, kept / np.where(total > 0, total, 1.0), p[still])
            p[still] = g[still, None] * gated + (1 - g[still, None]) * p[still]
        return p.astype(np.float32)

    def describe(self) -> dict:
        """The ``calibration.stillness`` entry of ``model.json``."""
        return {"threshold": round(self.threshold, 4), "width": round(self.width, 4), "postures": self.postures}
