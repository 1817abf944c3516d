"""Figures of a model on a test side: accuracy, per-class precision/recall/F1, the confusion matrix,
calibration (expected calibration error, NLL) and the mean and spread over k folds. Numpy only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def compute_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict:
    k = len(classes)
    cm = np.zeros((k, k), np.int64)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    per_class, f1s = {}, []
    for i, c in enumerate(classes):
        tp, support, predicted = cm[i, i], cm[i].sum(), cm[:, i].sum()
        precision = float(tp / predicted) if predicted else 0.0
        recall = float(tp / support) if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": int(support)}
        if support:
            f1s.append(f1)
    return {
        "accuracy": round(float((y_true == y_pred).mean()) if len(y_true) else 0.0, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
    }


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, bins: int = 15) -> float:
    """ECE: the confidence-weighted gap between confidence and accuracy over ``bins`` equal-width confidence bins."""
    conf = probs.max(1)
    correct = probs.argmax(1) == y_true
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (conf > a) & (conf <= b)
        if sel.any():
            ece += sel.mean() * abs(float(correct[sel].mean()) - float(conf[sel].mean()))
    return float(ece)


def calibration(raw: np.ndarray, calibrated: np.ndarray, y_true: np.ndarray, temperature: float) -> dict:
    nll = lambda p: float(-np.log(np.clip(p[np.arange(len(y_true)), y_true], 1e-12, 1)).mean())  # noqa: E731
    return {
        "temperature": round(float(temperature), 4),
        "ece": round(expected_calibration_error(calibrated, y_true), 4),
        "ece_uncalibrated": round(expected_calibration_error(raw, y_true), 4),
        "nll": round(nll(calibrated), 4),
        "nll_uncalibrated": round(nll(raw), 4),
        "mean_confidence": round(float(calibrated.max(1).mean()), 4),
        "bins": 15,
    }


FOLD_FIGURES = ("utd_mhad_accuracy", "accuracy", "macro_f1", "utd_other_recall", "ece")


def _fold_rows(summary: dict) -> list[dict]:
    """A ``kfold.json`` summary back into one row per fold (protocol, test windows, each figure)."""
    rows = []
    for i, protocol in enumerate(summary.get("protocol", [])):
        row = {"protocol": protocol, "test_windows": (summary.get("test_windows") or [None] * (i + 1))[i]}
        for key, fig in summary.get("figures", {}).items():
            row[key] = fig["values"][i]
        rows.append(row)
    return rows


def kfold_summary(fold_dirs: Sequence[str | Path], keep: dict | None = None) -> dict:
    """Mean and standard deviation (over folds, ddof 1) of each fold's report figures.

    ``keep``: an earlier summary (``kfold.json``) whose folds are kept unless ``fold_dirs`` run them again,
    so folds trained at different times add up to one summary. Folds are listed in fold order.

    >>> earlier = {"protocol": ["kfold 3/5"], "test_windows": [142],
    ...            "figures": {"utd_mhad_accuracy": {"mean": 1.0, "std": 0.0, "values": [1.0]}}}
    >>> s = kfold_summary([], keep=earlier)
    >>> s["folds"], s["protocol"], s["figures"]["utd_mhad_accuracy"]["values"]
    (1, ['kfold 3/5'], [1.0])

    Raises:
        FileNotFoundError: a fold folder without ``report/metrics.json``.
    """
    rows = []
    for d in fold_dirs:
        path = Path(d) / "report" / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"no report in {d} (train with --evaluate, or run evaluate on it)")
        r = json.loads(path.read_text())
        rows.append(
            {
                "protocol": r.get("protocol"),
                "test_windows": r.get("test_windows"),
                **{k: r.get("calibration", {}).get("ece") if k == "ece" else r.get(k) for k in FOLD_FIGURES},
            }
        )
    new = {r["protocol"] for r in rows}
    rows += [r for r in _fold_rows(keep or {}) if r["protocol"] not in new]
    rows.sort(key=lambda r: int(str(r["protocol"]).split()[-1].split("/")[0]) if r["protocol"] else 0)
    figures = {}
    for key in FOLD_FIGURES:
        vals = [r.get(key) for r in rows]
        if vals and all(v is not None for v in vals):
            v = np.array(vals, float)
            figures[key] = {
                "mean": round(float(v.mean()), 4),
                "std": round(float(v.std(ddof=1)) if len(v) > 1 else 0.0, 4),
                "values": [round(float(x), 4) for x in v],
            }
    n_folds = int(str(rows[0].get("protocol") or "kfold 0/5").rsplit("/", 1)[-1]) if rows else 5
    return {
        "folds": len(rows),
        "n_folds": n_folds,
        "protocol": [r.get("protocol") for r in rows],
        "figures": figures,
        "test_windows": [r.get("test_windows") for r in rows],
        "note": "Each fold trains a fresh model with the same command and settings (--protocol kfold --fold k); "
        f"UTD-MHAD subject n tests in fold (n-1) mod {n_folds}, the LZQ rows in contiguous time block k. "
        "Nothing was chosen on these folds.",
    }
