"""Measure how much windows move, to choose a model's stillness threshold, and write it into ``model.json``.

Two sides, each printed per class (quantiles of :func:`har_classifier.stillness.window_motion`, torso
lengths per second) with the threshold that best separates the still postures (``standing``,
``sitting``, ``lying``) from the movements (balanced accuracy of "below the threshold" against "is a
posture"; ``squatting``, ``other`` and ``no_person`` take no part):

- the training side: the records the model was trained on (its ``model.json`` names the sources,
  protocol and fold), train and validation sides only, cut into windows as evaluation does, with the
  pose estimators' measured errors (``pose_noise.json``) put on the synthetic ones;
- with ``--analyses``: the dev clips' windows, exactly as the pose services cut them (the benchmark's
  analyses through :class:`har_common.pose.pipeline.ActionRecognizer`), each labelled by the ground
  truth at its middle.

    .venvs/classifier/bin/python services/classifier/tools/stillness.py services/classifier/models/tcn_mocap \
        --analyses OUT/analyses --groundtruth ../shared/data/videos/real/groundtruth.json
    .venvs/classifier/bin/python services/classifier/tools/stillness.py MODEL_DIR --write 0.6 --width 0.4 --reason "..."

``--write T [--width W]`` stores ``calibration.stillness`` (threshold, soft width, postures, ``--reason``)
and measures nothing.
What was measured, and why the shipped default has no gate: docs/classifier.md ("A stillness gate").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

STILL = ("standing", "sitting", "lying")
NEITHER = ("squatting", "other", "no_person", "")


def training_side_motion(model_dir: Path, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """``(motion (N,), labels)`` of the training side's windows of the model in ``model_dir``."""
    from har_classifier.cli import DEFAULT_LZQ, DEFAULT_UTD
    from har_classifier.preprocessing import estimator_profiles, test_pipeline
    from har_classifier.sources import load_sources
    from har_classifier.splits import split_records
    from har_classifier.stillness import window_motion
    from har_classifier.windows import make_samples
    from har_common.schemas import WindowSpec
    from har_common.transforms import augmentation

    info = json.loads((model_dir / "model.json").read_text())
    tr = info["training"]
    spec = WindowSpec.model_validate(info["window"])
    records = load_sources(
        tr.get("utd", DEFAULT_UTD),
        tr.get("lzq", DEFAULT_LZQ),
        tr.get("datasets", ()),
        info["classes"],
        yaws=tr.get("yaws") or (),
        utd_views=tr.get("utd_views") or 0,
        seed=tr.get("seed") or 0,
        held_squats=bool(tr.get("held_squats")),
    )
    split = split_records(records, tr["protocol"], tr["fold"], tr["n_folds"], val=tr["val"], val_subject=tr.get("val_subject"))
    samples = make_samples(split.train + split.val, spec, train=False)
    noise = augmentation.EstimatorNoise(estimator_profiles(), 1.0, seed=seed)
    pipeline = test_pipeline(spec)
    windows = np.stack(
        [pipeline(noise({"keypoints": s.keypoints, "fps": s.fps, "synthetic": s.synthetic}))["keypoints"] for s in samples]
    )
    return window_motion(windows, spec.fps), [s.label for s in samples]


def _truth_at(video: dict, t: float) -> str:
    """The ground truth label at ``t`` seconds of a clip with one annotated person (or ``all``); '' if none."""
    persons = video["persons"]
    if len(persons) != 1:
        return ""
    return next((s["label"] for s in persons[0]["spans"] if s["start"] <= t < s["end"]), "")


def dev_side_motion(model_dir: Path, analyses: Path, groundtruth: Path) -> tuple[np.ndarray, list[str]]:
    """``(motion (N,), labels)`` of the windows the pose services classify on the benchmark's analyses."""
    from har_classifier.inference import ModelRunner
    from har_classifier.preprocessing import preprocess_batch
    from har_classifier.stillness import window_motion
    from har_common.pose.backend import Detection
    from har_common.pose.pipeline import ActionRecognizer

    runner = ModelRunner(model_dir)
    spec = runner.describe()
    videos = json.loads(groundtruth.read_text())["videos"]
    motion, labels = [], []
    for path in sorted(analyses.glob("*.analysis.json")):
        clip = path.name.removesuffix(".analysis.json")
        if clip not in videos:
            continue
        tracker = ActionRecognizer(spec)
        for frame in json.loads(path.read_text())["frames"]:
            dets = [Detection(np.asarray(p["keypoints"], np.float32), track_id=p.get("track_id")) for p in frame["persons"]]
            due = tracker.observe(frame["timestamp_ms"], dets)
            if due:
                windows = preprocess_batch([(r.keypoints, r.fps) for r in due], runner.spec)
                motion += window_motion(windows, runner.spec.fps).tolist()
                labels += [_truth_at(videos[clip], r.t_ms / 1000 - spec.window.seconds / 2) for r in due]
    return np.array(motion, np.float32), labels


def best_threshold(motion: np.ndarray, labels: list[str]) -> tuple[float, float]:
    """The threshold with the best balanced accuracy of still postures under it and movements over it:
    ``(threshold, balanced accuracy)``; candidates are the midpoints between sorted motions."""
    lab = np.array(labels)
    still = np.isin(lab, STILL)
    moving = ~still & ~np.isin(lab, NEITHER)
    values = np.sort(np.unique(motion[still | moving]))
    candidates = (values[1:] + values[:-1]) / 2 if len(values) > 1 else values
    scores = [0.5 * ((motion[still] < t).mean() + (motion[moving] >= t).mean()) for t in candidates]
    i = int(np.argmax(scores))
    return float(candidates[i]), float(scores[i])


def show(side: str, motion: np.ndarray, labels: list[str]) -> None:
    threshold, score = best_threshold(motion, labels)
    lab = np.array(labels)
    print(f"{side}: {len(labels)} windows; best threshold {threshold:.3f} torso lengths/s (balanced accuracy {score:.3f})")
    print(f"  {'class':14} {'windows':>7} {'p10':>6} {'p50':>6} {'p90':>6}  under it")
    for c in sorted(set(labels)):
        m = motion[lab == c]
        q = np.quantile(m, [0.1, 0.5, 0.9])
        print(f"  {c or '(none)':14} {len(m):7d} {q[0]:6.2f} {q[1]:6.2f} {q[2]:6.2f}  {(m < threshold).mean():6.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--analyses", type=Path, help="a benchmark run's OUT/analyses: also measure the dev clips' windows")
    ap.add_argument("--groundtruth", type=Path, help="the benchmark's ground truth (with --analyses)")
    ap.add_argument("--seed", type=int, default=0, help="the estimator noise's seed (training side)")
    ap.add_argument("--write", type=float, metavar="THRESHOLD", help="store this threshold in MODEL_DIR/model.json")
    ap.add_argument("--width", type=float, default=0.0, help="with --write: the soft gate's width (0: a hard gate)")
    ap.add_argument("--reason", default="", help="with --write: how the threshold was chosen (kept beside it)")
    args = ap.parse_args(argv)
    if args.write is not None:
        from har_classifier.stillness import POSTURES, StillnessGate

        path = args.model_dir / "model.json"
        info = json.loads(path.read_text())
        gate = StillnessGate(args.write, info["classes"], [p for p in POSTURES if p in info["classes"]], args.width)
        info.setdefault("calibration", {})["stillness"] = {**gate.describe(), "chosen": args.reason}
        path.write_text(json.dumps(info, indent=1))
        print(f"written to {path}: {gate.describe()}")
        return 0
    show("training side", *training_side_motion(args.model_dir, args.seed))
    if args.analyses:
        if not args.groundtruth:
            ap.error("--analyses needs --groundtruth")
        show("dev clips", *dev_side_motion(args.model_dir, args.analyses, args.groundtruth))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
