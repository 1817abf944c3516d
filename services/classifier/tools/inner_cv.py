"""Choose training settings without touching the test side: leave-one-train-subject-out inside the
cross-subject train half.

Each of the four train subjects (s1, s3, s5, s7) validates once while the other three train
(``--val subject --val-subject N``); the score pools the four held-out subjects' UTD-MHAD trials:
12-way accuracy on the 8 mapped actions (the target's figure, on validation people), ``other``
recall, and accuracy over all their windows. Two trainings run at a time, one thread each.

    .venvs/classifier/bin/python services/classifier/tools/inner_cv.py --name tcn-s02 -- --model tcn --stretch 0.2
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


def train(out: Path, subject: int, args: list[str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "har_classifier", "train", "--val", "subject", "--val-subject", str(subject),
           "--threads", "1", "--out", str(out), *args]
    with open(out / "train.log", "w") as log:
        subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=True)
    return out


def held_out_predictions(model_dir: Path):
    from har_classifier import data as D
    from har_classifier.cli import DEFAULT_LZQ, DEFAULT_UTD
    from har_classifier.evaluate import predict_samples
    from har_classifier.inference import ModelRunner

    runner = ModelRunner(model_dir, engine="tf")
    tr = runner.info["training"]
    records = D.load_sources(DEFAULT_UTD, DEFAULT_LZQ, (), runner.classes)
    split = D.split_records(records, tr["protocol"], tr["fold"], tr["n_folds"], val="subject", val_subject=tr["val_subject"])
    samples = [s for s in D.make_samples(split.val, runner.spec, train=False) if s.dataset == "utd_mhad"]
    y = D.labels_to_index(samples, runner.classes)
    return y, predict_samples(runner, samples).argmax(1), runner.classes.index(D.OTHER)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", required=True, help="a name for this setting (folder under --root)")
    p.add_argument("--root", default="/tmp/har-inner-cv")
    p.add_argument("train_args", nargs=argparse.REMAINDER, help="-- then the train options to compare")
    a = p.parse_args()
    args = [x for x in a.train_args if x != "--"]
    root = Path(a.root) / a.name
    with ThreadPoolExecutor(2) as pool:
        dirs = list(pool.map(lambda s: train(root / f"val-s{s}", s, args), SUBJECTS))
    ys, ps = [], []
    for d in dirs:
        y, pred, k_other = held_out_predictions(d)
        ys.append(y)
        ps.append(pred)
    y, pred = np.concatenate(ys), np.concatenate(ps)
    ok = y == pred
    result = {"name": a.name, "train_args": args, "trials": int(len(y)),
              "utd8_accuracy": round(float(ok[y != k_other].mean()), 4),
              "other_recall": round(float(ok[y == k_other].mean()), 4),
              "accuracy": round(float(ok.mean()), 4),
              "per_subject_utd8": [round(float((yy == pp)[yy != k_other].mean()), 4) for yy, pp in zip(ys, ps)]}
    (root / "inner_cv.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
