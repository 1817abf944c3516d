"""``har batch SOURCE --out DEST``: every video of a folder, glob or list file analysed on Ray Data.

Run from the batch environment (``.venvs/batch-single`` or ``.venvs/batch-multi``); ``har batch``
hands over to it. Exit status: 0 when every video is done, 1 when some failed (listed in the
summary), 2 when the run could not start.
"""

from __future__ import annotations

import argparse
import json
import sys

from .run import BatchOptions, run_batch


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="har batch",
        description="Analyse every video of a folder, glob or list file on Ray Data: one <stem>.analysis.json "
        "per video (as har analyze saves) and segments.parquet / segments.csv for all of them.",
    )
    p.add_argument(
        "source", help="a folder, a glob ('videos/*.mp4'), a list file (.txt, one path or URL a line) or an fsspec URL"
    )
    p.add_argument("--out", required=True, help="results folder (or fsspec URL); videos already done there are skipped")
    p.add_argument("--multi", action="store_true", help="several tracked people (YOLO11-pose), as pose-multi")
    p.add_argument("--address", help="an existing Ray cluster (ray://host:10001 or auto); default: a local one")
    p.add_argument("--workers", type=int, help="pose actors; default: one per CPU (one per GPU with --multi where Ray sees GPUs)")
    p.add_argument("--num-cpus", type=int, help="CPUs of the local cluster (default: all of this machine's)")
    p.add_argument(
        "--classifier-url",
        help="the classifier service; default: the back end's HAR_POSE_*_CLASSIFIER_URL, and on a local cluster "
        "the shipped classifier started for the run when nothing answers there",
    )
    p.add_argument("--no-actions", dest="actions", action="store_false", help="poses only, no action labels")
    p.add_argument("--model", help="classifier model for every video (default: the classifier's default)")
    p.add_argument("--stride", type=int, help="analyse every Nth frame (default: the back end's job_frame_stride)")
    p.add_argument("--render", action="store_true", help="also write <stem>.annotated.mp4 per video")
    p.add_argument(
        "--labels",
        choices=("centred", "causal"),
        default="centred",
        help="each frame's action from the windows around it (centred, as video jobs) or before it (causal, as live)",
    )
    p.add_argument("--ray-temp-dir", help="the local cluster's session folder (default: a new /tmp/ray-batch-*)")
    p.add_argument("--scratch", help="the workers' folder for videos in progress (default: their temporary folder)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _print_summary(s: dict) -> None:
    print(
        f"\n{s['analysed']} analysed, {s['skipped']} skipped (done before), {len(s['failed'])} failed, "
        f"of {s['videos']} video(s); {s['frames']} frames, {s['segments']} segments in {s['seconds']:.1f} s"
    )
    if s["clips_per_minute"]:
        print(f"{s['clips_per_minute']} clips/min, {s['frames_per_second']} frames/s")
    for f in s["failed"]:
        print(f"failed: {f['video']}: {f['error']}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.stride is not None and args.stride < 1:
        print("error: --stride must be at least 1", file=sys.stderr)
        return 2
    opts = BatchOptions(
        source=args.source,
        dest=args.out,
        multi=args.multi,
        address=args.address,
        workers=args.workers,
        num_cpus=args.num_cpus,
        classifier_url=args.classifier_url,
        actions=args.actions,
        model=args.model,
        stride=args.stride,
        render=args.render,
        labels=args.labels,
        ray_temp_dir=args.ray_temp_dir,
        scratch=args.scratch,
    )
    try:
        summary = run_batch(opts, say=lambda m: print(m, file=sys.stderr, flush=True))
    except (FileNotFoundError, ConnectionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)
    return 1 if summary["failed"] else 0
