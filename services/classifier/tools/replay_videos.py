"""Replay the real-video benchmark's pose output through another classifier model, offline.

The pose services' keypoints do not depend on the classifier, so a model (or a decision setting) can
be compared on the dev clips without running the pose services again: this reads the analyses of a
``har benchmark videos`` run (``OUT/analyses/*.analysis.json``), feeds every frame's people through
the same :class:`har_common.pose.pipeline.ActionRecognizer` the pose services use (default
``PipelineConfig``), classifying each due window in process with :class:`ModelRunner`, decides the
labels as a video job does (``--labels centred``, the default: :func:`har_common.pose.centred.relabel`;
``causal``: as the live stream) and writes the relabelled analyses to ``--out``/analyses. Score them
with the benchmark itself (with the same ``--labels``)::

    .venvs/classifier/bin/python services/classifier/tools/replay_videos.py \
        --analyses /tmp/bench/tcn_mocap/analyses --model services/classifier/models/tcn_mocap --out /tmp/replay/tcn_mocap
    ./har benchmark videos ../shared/data/videos/real/groundtruth.json --reuse --out /tmp/replay/tcn_mocap

``--set FIELD=VALUE`` replays with a :class:`PipelineConfig` field changed (window fill, smoothing).
``--second-view SECONDS --join mean|geo|events`` also classifies each window's newest part and joins
the two views (an experiment, docs/classifier.md). ``--windows FILE`` also writes every classified
window (clip, track, time, calibrated probabilities) as JSON lines, to see what the model saw. The
figures a model ships with come from the running services (``har benchmark videos --save-to``), never from this replay.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from har_classifier.inference import ModelRunner
from har_common.pose.backend import Detection
from har_common.pose.centred import relabel
from har_common.pose.pipeline import ActionRecognizer, PipelineConfig
from har_common.schemas import FrameResult

# classes a second, shorter view may speak for with ``--join events``: postures and transitions
EVENT_CLASSES = ("falling", "sitting_down", "standing_up", "lying", "standing", "sitting")


def join_views(full: np.ndarray, short: np.ndarray, how: str, classes: list[str]) -> np.ndarray:
    """``(N, C)`` probabilities of the whole windows and of their newest part -> ``(N, C)`` joined: ``mean``,
    ``geo`` (renormalised geometric mean) or ``events`` (the larger of the two for :data:`EVENT_CLASSES`, the
    whole window's elsewhere, renormalised).

    >>> join_views(np.array([[0.8, 0.2]]), np.array([[0.2, 0.8]]), "mean", ["walking", "falling"]).round(2).tolist()
    [[0.5, 0.5]]
    >>> join_views(np.array([[0.8, 0.2]]), np.array([[0.2, 0.8]]), "events", ["walking", "falling"]).round(2).tolist()
    [[0.5, 0.5]]
    """
    if how == "mean":
        return (full + short) / 2
    if how == "geo":
        g = np.sqrt(full * short)
        return g / g.sum(axis=1, keepdims=True)
    if how == "events":
        out = full.copy()
        ev = [classes.index(c) for c in EVENT_CLASSES if c in classes]
        out[:, ev] = np.maximum(full[:, ev], short[:, ev])
        return out / out.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown join {how!r} (mean, geo, events)")


def replay(
    analysis: dict,
    runner: ModelRunner,
    config: PipelineConfig,
    windows_log=None,
    clip: str = "",
    second_view_s: float = 0.0,
    join: str = "mean",
    labels: str = "centred",
) -> dict:
    """The analysis with every person's ``action`` replaced by ``runner``'s labels (a new dict); with
    ``second_view_s`` > 0 every window is also classified from its newest ``second_view_s`` seconds and the two
    views are joined by :func:`join_views` (an experiment: the services classify the whole window only).
    ``labels``: ``centred`` (each frame from the windows around it, as video jobs) or ``causal`` (as live)."""
    spec = runner.describe()
    tracker = ActionRecognizer(spec, config, keep_windows=labels == "centred")

    def classify(requests):
        probs = runner.classify([(r.keypoints, r.fps) for r in requests])
        if second_view_s > 0:
            newest = [(r.keypoints[-max(2, round(second_view_s * r.fps)) :], r.fps) for r in requests]
            probs = join_views(np.asarray(probs), np.asarray(runner.classify(newest)), join, runner.classes)
        out = [dict(zip(runner.classes, map(float, p))) for p in probs]
        if windows_log is not None:
            for r, p in zip(requests, probs):
                row = {"clip": clip, "track": r.track_id, "t_ms": round(r.t_ms, 1), "probs": np.round(p, 4).tolist()}
                windows_log.write(json.dumps(row) + "\n")
        return out

    frames = []
    for frame in analysis["frames"]:
        dets = [Detection(keypoints=np.asarray(p["keypoints"], np.float32), track_id=p.get("track_id")) for p in frame["persons"]]
        found = tracker.step(frame["timestamp_ms"], dets, classify)
        persons = []
        for p, label in zip(frame["persons"], found):
            persons.append({**p, "action": None if label is None else label.model_dump()})
        frames.append({**frame, "persons": persons})
    segments = tracker.finish(analysis["frames"][-1]["timestamp_ms"] if analysis["frames"] else None)
    unlabelled = tracker.drain_unlabelled()
    if labels == "centred":
        results = [FrameResult.model_validate(f) for f in frames]
        segments, unlabelled = relabel(results, tracker.windows, spec, config)
        frames = [f.model_dump() for f in results]
    return {
        **analysis,
        "models": {**analysis["models"], "classifier": runner.name},
        "labels": labels,
        "frames": frames,
        "segments": [s.model_dump() for s in segments],
        "unlabelled": [u.model_dump() for u in unlabelled],
    }


def pipeline_config(settings: list[str]) -> PipelineConfig:
    """A :class:`PipelineConfig` with ``FIELD=VALUE`` settings applied (numbers as the field's type).

    >>> pipeline_config(["min_window_fill=0.5", "switch_after=3"]).min_window_fill
    0.5
    >>> pipeline_config(["window=3"])
    Traceback (most recent call last):
    ...
    SystemExit: unknown PipelineConfig field 'window' (fields: ema_alpha, enter_confidence, ...)
    """
    config = PipelineConfig()
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep or not hasattr(config, name):
            fields = ", ".join(list(vars(config))[:2])
            raise SystemExit(f"unknown PipelineConfig field {name!r} (fields: {fields}, ...)")
        setattr(config, name, type(getattr(config, name))(value))
    return config


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--analyses", required=True, type=Path, help="folder of *.analysis.json from a benchmark run")
    ap.add_argument("--model", required=True, type=Path, help="classifier model folder")
    ap.add_argument("--out", required=True, type=Path, help="report folder; analyses go to OUT/analyses")
    ap.add_argument("--windows", type=Path, help="also write every classified window as JSON lines here")
    ap.add_argument("--engine", default="auto")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a PipelineConfig field other than its default, e.g. --set min_window_fill=0.5 (repeatable)",
    )
    ap.add_argument(
        "--second-view", type=float, default=0.0, metavar="SECONDS", help="also classify each window's newest SECONDS"
    )
    ap.add_argument("--join", choices=("mean", "geo", "events"), default="mean", help="how the two views are joined")
    ap.add_argument(
        "--labels",
        choices=("centred", "causal"),
        default="centred",
        help="decide labels as a video job does (centred, default) or as the live stream (causal)",
    )
    args = ap.parse_args(argv)
    config = pipeline_config(args.set)
    runner = ModelRunner(args.model, engine=args.engine)
    folder = args.out / "analyses"
    folder.mkdir(parents=True, exist_ok=True)
    log = args.windows.open("w") if args.windows else None
    try:
        for path in sorted(args.analyses.glob("*.analysis.json")):
            clip = path.name.removesuffix(".analysis.json")
            out = replay(json.loads(path.read_text()), runner, config, log, clip, args.second_view, args.join, args.labels)
            (folder / path.name).write_text(json.dumps(out))
            print(f"{clip}: {len(out['frames'])} frames", file=sys.stderr)
    finally:
        if log is not None:
            log.close()
    if log is not None:
        print(f"classes: {runner.classes}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
