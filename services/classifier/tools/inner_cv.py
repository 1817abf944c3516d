"""Choose training settings without touching the test side: leave-one-train-subject-out inside the
cross-subject train half (``--protocol inner``).

Each of the four train subjects (s1, s3, s5, s7) tests once while the other three train and validate
exactly as the shipped model does (the last trial of each validates, so the checkpoint is never chosen
on the subject that scores it); the even subjects and LZQ's test blocks are not loaded at all. The
score pools the four held-out subjects' UTD-MHAD trials: 12-way accuracy on the 8 mapped actions (the
target's figure, on validation people), ``other`` recall, and accuracy over all their trials. Two
trainings run at a time, one thread each. ``--combine`` scores settings already run as an ensemble
(their probabilities averaged, fold by fold). Every run also prints the figures for a few prior
weights of ``other`` (``--other-weights``), the knob that ``train --other-weight`` sets.

    .venvs/classifier/bin/python services/classifier/tools/inner_cv.py --name tcn-s02 -- --model tcn --stretch 0.2
    .venvs/classifier/bin/python services/classifier/tools/inner_cv.py --name tcn-2seeds --combine tcn-s02 tcn-s02-seed8
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

SUBJECTS = (1, 3, 5, 7)
D_OTHER = "other"  # har_classifier.sources.OTHER, without importing TensorFlow's side before the trainings start


def train(out: Path, subject: int, args: list[str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "har_classifier",
        "train",
        "--protocol",
        "inner",
        "--fold",
        str(subject),
        "--threads",
        "1",
        "--out",
        str(out),
        "--overwrite",
        *args,
    ]  # its own scratch folder: a rerun replaces it
    with open(out / "train.log", "w") as log:
        subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=True)
    return out


def held_out_predictions(model_dir: Path):
    """``(labels, calibrated probabilities, classes)`` on the fold's held-out subject's UTD-MHAD trials."""
    from har_classifier.cli import DEFAULT_LZQ, DEFAULT_UTD
    from har_classifier.evaluate import predict_samples
    from har_classifier.inference import ModelRunner
    from har_classifier.sources import load_sources
    from har_classifier.splits import split_records
    from har_classifier.windows import labels_to_index, make_samples

    runner = ModelRunner(model_dir, engine="tf")
    tr = runner.info["training"]
    if tr["protocol"] != "inner":
        raise ValueError(f"{model_dir} was not trained with --protocol inner")
    if runner.class_weights:
        raise ValueError(
            f"{model_dir} was trained with class weights; inner_cv.py sweeps other's weight itself (--other-weights)"
        )
    records = load_sources(DEFAULT_UTD, DEFAULT_LZQ, (), runner.classes)
    split = split_records(records, "inner", tr["fold"], tr["n_folds"], val=tr["val"], val_subject=tr.get("val_subject"))
    samples = [s for s in make_samples(split.test, runner.spec, train=False) if s.dataset == "utd_mhad"]
    probs = runner.calibrate(predict_samples(runner, samples))  # the temperature (class weights are refused above)
    return labels_to_index(samples, runner.classes), probs, runner.classes


def predictions(root: Path) -> list[tuple[np.ndarray, np.ndarray, list[str]]]:
    """Every fold's held-out predictions of a setting, cached in the setting's folder."""
    out = []
    for s in SUBJECTS:
        d = root / f"val-s{s}"
        cache = d / "held_out.npz"
        if not cache.is_file():
            y, probs, classes = held_out_predictions(d)
            np.savez(cache, y=y, probs=probs, classes=np.array(classes))
        z = np.load(cache)
        out.append((z["y"], z["probs"], [str(c) for c in z["classes"]]))
    return out


def score(name: str, args: list[str], folds: list[tuple[np.ndarray, np.ndarray, list[str]]], other_weight: float = 1.0) -> dict:
    """Pooled figures; ``other_weight`` weighs ``other``'s probability as ``train --other-weight`` would."""
    from har_classifier.inference import reweight
    from har_classifier.sources import OTHER

    k_other = folds[0][2].index(OTHER) if OTHER in folds[0][2] else -1
    if k_other >= 0 and other_weight != 1.0:
        w = np.where(np.arange(len(folds[0][2])) == k_other, other_weight, 1.0)
        folds = [(y, reweight(p, w), c) for y, p, c in folds]
    mapped = lambda y: y != k_other  # noqa: E731
    ok = [y == p.argmax(1) for y, p, _ in folds]
    y, good = np.concatenate([f[0] for f in folds]), np.concatenate(ok)
    return {
        "name": name,
        "train_args": args,
        "trials": int(len(y)),
        "utd8_accuracy": round(float(good[mapped(y)].mean()), 4),
        "other_recall": round(float(good[~mapped(y)].mean()), 4) if (~mapped(y)).any() else None,
        "accuracy": round(float(good.mean()), 4),
        "per_subject_utd8": [round(float(g[mapped(f[0])].mean()), 4) for g, f in zip(ok, folds)],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", required=True, help="a name for this setting (folder under --root)")
    p.add_argument("--root", default="/tmp/har-inner-cv")
    p.add_argument(
        "--combine", nargs="+", metavar="NAME", help="score these settings' averaged probabilities instead of training"
    )
    p.add_argument(
        "--other-weights",
        default="1,0.5,0.3,0.2,0.1,0.05",
        help="also score these weights of other's prior (train --other-weight), comma-separated (default: %(default)s)",
    )
    p.add_argument("train_args", nargs=argparse.REMAINDER, help="-- then the train options to compare")
    a = p.parse_args()
    args = [x for x in a.train_args if x != "--"]
    if any(x.startswith("--other-weight") for x in args):
        p.error("leave --other-weight out of the train options: every run scores the weights of --other-weights")
    root = Path(a.root) / a.name
    if a.combine:
        runs = [predictions(Path(a.root) / n) for n in a.combine]
        if any(r[0][2] != runs[0][0][2] for r in runs):
            raise SystemExit("the combined settings have different class lists")
        folds = [(parts[0][0], np.mean([q[1] for q in parts], axis=0), parts[0][2]) for parts in zip(*runs)]
        args = ["combine", *a.combine]
    else:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: train(root / f"val-s{s}", s, args), SUBJECTS))
        folds = predictions(root)
    result = score(a.name, args, folds)
    if D_OTHER in folds[0][2]:
        result["other_weight_sweep"] = [
            {k: v for k, v in score(a.name, args, folds, float(w)).items() if k in ("utd8_accuracy", "other_recall", "accuracy")}
            | {"other_weight": float(w)}
            for w in a.other_weights.split(",")
            if w.strip()
        ]
        for row in result["other_weight_sweep"]:
            print(
                f"  other weight {row['other_weight']:g}: 8 actions {row['utd8_accuracy']:.4f}, other recall "
                f"{row['other_recall']:.4f}, all trials {row['accuracy']:.4f}"
            )
    root.mkdir(parents=True, exist_ok=True)
    (root / "inner_cv.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
