"""Calibration of a model's probabilities: the softmax temperature and class prior weights (``model.json``
``calibration``), and fitting the temperature on the validation side. Numpy only."""

from __future__ import annotations

import numpy as np


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax probabilities rescaled as if their logits were divided by ``temperature`` (``probs ** (1/T)``, renormalised)."""
    p = np.asarray(probs, np.float64)
    if abs(temperature - 1.0) < 1e-9 or p.size == 0:
        return p.astype(np.float32)
    logp = np.log(np.clip(p, 1e-30, 1.0)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    q = np.exp(logp)
    return (q / q.sum(axis=-1, keepdims=True)).astype(np.float32)


def reweight(probs: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Probabilities with class priors changed: each class's multiplied by its weight, renormalised (the same as
    adding ``log(weight)`` to its logit). The shipped default weighs its rejection class ``other`` down this way."""
    if weights is None or np.allclose(weights, 1.0) or np.size(probs) == 0:
        return np.asarray(probs, np.float32)
    q = np.asarray(probs, np.float64) * np.asarray(weights, np.float64)
    return (q / q.sum(axis=-1, keepdims=True)).astype(np.float32)


def weight_vector(class_weights: dict[str, float], classes: list[str]) -> np.ndarray | None:
    """``model.json``'s ``class_weights`` (class -> prior weight) as the ``(C,)`` vector :func:`reweight` takes, in
    ``classes``' order (1 for a class not named); ``None`` when there are none.

    >>> weight_vector({"other": 0.3}, ["walking", "other"]).tolist(), weight_vector({}, ["walking"])
    ([1.0, 0.3], None)
    """
    return np.array([class_weights.get(c, 1.0) for c in classes]) if class_weights else None


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """The temperature minimising the NLL of ``probs ** (1 / T)`` (renormalised) on labels ``y``: ``(T, nll at 1, nll at T)``.
    Temperature scaling (Guo et al. 2017), on a log grid from 0.2 to 5."""

    def nll(t: float) -> float:
        q = apply_temperature(probs, t)
        return float(-np.log(np.clip(q[np.arange(len(y)), y], 1e-12, 1)).mean())

    grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    scores = [nll(t) for t in grid]
    t = float(grid[int(np.argmin(scores))])
    return t, nll(1.0), nll(t)
