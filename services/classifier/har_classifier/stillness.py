"""Stillness: how much a window moves, and the gate that keeps motion labels off people who do not move.

A sliding-window classifier trained on movements names *some* movement for every window; a person
standing, sitting or lying still then gets whichever movement their posture looks most like (a person
sitting still on a sofa read as ``falling``, someone standing still as ``running``). The gate decides
on the window's own motion, measured in the model's input (:func:`window_motion`): below the
threshold only the posture classes keep their probability, renormalised, so a still person is named
by posture (``standing``, ``sitting``, ``lying``, a held ``squatting``) and never by a movement. The
threshold lives in ``model.json`` (``calibration.stillness``) and is chosen by measurement
(``services/classifier/tools/stillness.py``, figures in docs/classifier.md).

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


def window_motion(windows: np.ndarray, fps: float) -> np.ndarray:
    """How fast the most moving body joint moves, in torso lengths per second: ``(N,)`` float32.

    ``windows``: preprocessed model inputs ``(N, T, 17, 3)`` (normalised by the torso length, the third
    channel a 0/1 visibility flag) at ``fps`` frames a second. For each body joint, its mean speed over
    the pairs of consecutive frames where it is visible in both, leaving out pairs where nothing moved
    (padding); the window's figure is the largest of those (a wave moves one wrist; walking moves every
    joint). A window with no such pair is 0.
    """
    w = np.asarray(windows, np.float32)[:, :, BODY_JOINTS[0] : BODY_JOINTS[-1] + 1, :]
    if w.shape[1] < 2:
        return np.zeros(len(w), np.float32)
    # x and y as planes of their own: numpy reduces over a last axis of length 2 slowly
    x, y, seen = (np.ascontiguousarray(w[..., c]) for c in range(3))
    both = (seen[:, 1:] > 0) & (seen[:, :-1] > 0)  # (N, T-1, J)
    step = np.sqrt(np.square(x[:, 1:] - x[:, :-1]) + np.square(y[:, 1:] - y[:, :-1])) * both
    # a pair where no joint moved at all is padding (a short sequence's edge frames repeated to fill the
    # window), not a person holding still (a pose estimator's keypoints never repeat exactly)
    both &= (step > 0).any(axis=2, keepdims=True)
    pairs = both.sum(axis=1)  # (N, J)
    speed = np.where(pairs > 0, (step * both).sum(axis=1) / np.maximum(pairs, 1), 0.0) * fps
    return speed.max(axis=1).astype(np.float32)


class StillnessGate:
    """Below ``threshold`` (torso lengths per second, :func:`window_motion`) only ``postures`` keep their
    probability; ``probs (N, classes)`` and ``motion (N,)`` in, gated probabilities out (rows that sum to 1).

    A still window whose postures all have zero probability is left as it was (nothing to renormalise).
    Raises ``ValueError`` when ``postures`` names a class the model does not have."""

    def __init__(self, threshold: float, classes: Sequence[str], postures: Sequence[str] = POSTURES):
        self.threshold = float(threshold)
        unknown = [p for p in postures if p not in classes]
        if unknown:
            raise ValueError(f"stillness postures {unknown} are not classes of the model ({list(classes)})")
        self.postures = [c for c in classes if c in postures]
        self._mask = np.array([c in postures for c in classes], np.float64)

    def __call__(self, probs: np.ndarray, motion: np.ndarray) -> np.ndarray:
        p = np.asarray(probs, np.float64).copy()
        still = np.asarray(motion) < self.threshold
        if still.any():
            kept = p[still] * self._mask
            total = kept.sum(axis=1, keepdims=True)
            p[still] = np.where(total > 0, kept / np.where(total > 0, total, 1.0), p[still])
        return p.astype(np.float32)

    def describe(self) -> dict:
        """The ``calibration.stillness`` entry of ``model.json``."""
        return {"threshold": round(self.threshold, 4), "postures": self.postures}
