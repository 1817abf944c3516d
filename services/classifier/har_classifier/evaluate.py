"""Evaluation on the test side of the protocol, and the report folder.

The report holds ``metrics.json`` (accuracy, macro-F1, per-class precision/recall/F1, accuracy on
UTD-MHAD's test trials and on the UTD-MHAD classes, the confusion matrix, calibration),
``confusion.png``, ``curves.png`` (loss and accuracy per epoch, from the training history) and
``model_card.md`` (:mod:`.model_card`). The model runs through
:class:`har_classifier.inference.ModelRunner`, the service's own path (the Keras model by default).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .metrics import calibration, compute_metrics, expected_calibration_error, kfold_summary
from .model_card import model_card
from .plots import plot_confusion, plot_curves
from .sources import OTHER, UTD_CLASSES, class_sources, load_sources
from .splits import split_records
from .windows import Sample, labels_to_index, make_samples

__all__ = [
    "calibration",
    "compute_metrics",
    "evaluate",
    "evaluate_split",
    "expected_calibration_error",
    "kfold_summary",
    "predict_samples",
    "sample_windows",
    "write_card",
]


def sample_windows(runner, samples: Sequence[Sample]) -> np.ndarray:
    """The model's input windows ``(N, T, 17, 3)`` for ``samples`` (the test pipeline)."""
    from .preprocessing import preprocess_batch

    return preprocess_batch([(s.keypoints, s.fps) for s in samples], runner.spec)


def predict_samples(runner, samples: Sequence[Sample]) -> np.ndarray:
    """The model's raw (uncalibrated) probabilities for ``samples``."""
    return runner.predict(sample_windows(runner, samples))


def _utd_figures(samples: Sequence[Sample], y_true: np.ndarray, probs: np.ndarray, classes: list[str]) -> dict:
    """The target's figures: the UTD-MHAD test trials of the mapped actions, decided among every class (``other``
    included), every UTD-MHAD trial, the UTD-MHAD classes, and what ``other`` catches and wrongly takes."""
    y_pred = probs.argmax(1)
    ok = y_true == y_pred
    is_other = np.array([s.label == OTHER for s in samples])
    is_utd = np.array([s.dataset == "utd_mhad" for s in samples])
    utd_mapped = is_utd & ~is_other
    share = lambda sel: round(float(ok[sel].mean()), 4) if sel.any() else None  # noqa: E731
    m = {
        "utd_mhad_accuracy": share(utd_mapped),
        "utd_mhad_test_trials": int(utd_mapped.sum()),
        "utd_mhad_all_accuracy": share(is_utd),
        "utd_mhad_all_trials": int(is_utd.sum()),
        "utd_classes_accuracy": share(np.array([s.label in UTD_CLASSES for s in samples])),
    }
    if OTHER in classes:
        k_other = classes.index(OTHER)
        m["utd_other_recall"] = share(is_other)
        m["known_rejected_as_other"] = round(float((y_pred[~is_other] == k_other).mean()), 4) if (~is_other).any() else None
        # The same trials with ``other`` left out of the decision, for comparison.
        pred_known = np.where(np.arange(len(classes)) == k_other, -1.0, probs).argmax(1)
        m["utd_mhad_accuracy_without_other"] = (
            round(float((pred_known == y_true)[utd_mapped].mean()), 4) if utd_mapped.any() else None
        )
    return m


def _per_dataset(samples: Sequence[Sample], ok: np.ndarray) -> dict:
    out = {}
    for ds in sorted({s.dataset for s in samples}):
        sel = np.array([s.dataset == ds for s in samples])
        out[ds] = {"windows": int(sel.sum()), "accuracy": round(float(ok[sel].mean()), 4)}
    return out


def evaluate_split(
    model_dir: str | Path,
    utd=None,
    lzq=None,
    datasets: Sequence[str] = (),
    protocol=None,
    fold=None,
    n_folds=None,
    engine: str = "tf",
) -> dict:
    """Metrics of a model folder on its protocol's test side (no files written); the Keras model itself (engine ``tf``)
    by default."""
    from .inference import ModelRunner

    runner = ModelRunner(Path(model_dir), engine=engine)
    tr = runner.info.get("training", {})
    protocol = protocol or tr.get("protocol", "cross-subject")
    fold = tr.get("fold", 0) if fold is None else fold
    n_folds = n_folds or tr.get("n_folds", 5)
    classes = runner.classes
    records = load_sources(utd, lzq, datasets, classes)
    split = split_records(records, protocol, fold, n_folds, val=tr.get("val", "subject"))
    samples = make_samples(split.test, runner.spec, train=False)
    if not samples:
        raise ValueError("the test side is empty")
    windows = sample_windows(runner, samples)
    raw = runner.predict(windows)
    probs = runner.calibrate(raw, windows)
    y_true = labels_to_index(samples, classes)
    m = {**compute_metrics(y_true, probs.argmax(1), classes), **_utd_figures(samples, y_true, probs, classes)}
    m["calibration"] = calibration(raw, probs, y_true, runner.temperature)
    m["calibration"].update({f"{c}_weight": w for c, w in runner.class_weights.items()})
    if runner.stillness is not None:
        gate = runner.stillness.describe()  # flat: the API's ModelMetrics.calibration holds plain values
        m["calibration"].update(stillness_threshold=gate["threshold"], stillness_postures=",".join(gate["postures"]))
    m["per_dataset"] = _per_dataset(samples, y_true == probs.argmax(1))
    m.update(
        {
            "model": runner.name,
            "architecture": runner.info.get("architecture"),
            "classes": classes,
            "protocol": {"cross-subject": protocol, "inner": f"inner s{fold}"}.get(protocol, f"kfold {fold}/{n_folds}"),
            "protocol_description": split.description,
            "test_windows": len(samples),
            "engine": runner.engine,
            "class_sources": class_sources(records, classes),
            "test_records": split.counts()["test"],
        }
    )
    return m


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def _measured_apart(model_dir: Path, m: dict) -> dict:
    """``m`` with the figures measured outside the evaluation, as the folder holds them now: the
    k-fold summary (``kfold.json``) and the real-video benchmark (``real_video.json``)."""
    if (model_dir / "kfold.json").is_file() and m["protocol"] == "cross-subject":
        m["kfold"] = _read(model_dir / "kfold.json")
    if (model_dir / "real_video.json").is_file():  # written by `har benchmark videos --save-to`
        m["real_video"] = _read(model_dir / "real_video.json")
    return m


def write_card(model_dir: str | Path, report: str | Path | None = None) -> Path:
    """(Re)write ``model_card.md`` (and ``metrics.json``) from the report's figures and the folder's
    files as they are now (no evaluation): a new real-video benchmark shows without re-evaluating."""
    model_dir = Path(model_dir)
    report = Path(report) if report else model_dir / "report"
    m = _measured_apart(model_dir, json.loads((report / "metrics.json").read_text()))
    (report / "metrics.json").write_text(json.dumps(m, indent=1))
    path = report / "model_card.md"
    path.write_text(model_card(m, _read(model_dir / "model.json"), _read(model_dir / "history.json")))
    return path


def evaluate(model_dir: str | Path, out: str | Path | None = None, **data) -> dict:
    """Evaluate and write the report folder (default ``MODEL_DIR/report``); returns the metrics.
    ``data``: where the test side comes from (``utd``, ``lzq``, ``datasets``) and its protocol
    (``protocol``, ``fold``, ``n_folds``), as :func:`evaluate_split` takes them."""
    model_dir = Path(model_dir)
    m = evaluate_split(model_dir, **data)
    out = Path(out) if out else model_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    m = _measured_apart(model_dir, m)
    (out / "metrics.json").write_text(json.dumps(m, indent=1))
    plot_confusion(m, out / "confusion.png")
    history = _read(model_dir / "history.json")
    if history:
        plot_curves(history, out / "curves.png")
    write_card(model_dir, out)
    print(
        f"{m['model']}: UTD-MHAD test accuracy {m['utd_mhad_accuracy']}, UTD-class accuracy {m['utd_classes_accuracy']}, "
        f"overall accuracy {m['accuracy']}, macro-F1 {m['macro_f1']} on {m['test_windows']} test windows; report in {out}"
    )
    return m
