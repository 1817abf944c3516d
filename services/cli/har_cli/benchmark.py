"""``har benchmark videos GROUNDTRUTH.json``: recognition on annotated real clips, through the running stack.

Each clip goes to pose-single or pose-multi as its ``mode`` says (no annotated video is made), the
analyses are kept in ``OUT/analyses`` and scored span by span (:mod:`har_cli.videobench.scoring`),
and ``OUT/report.md``, ``OUT/report.json`` and ``OUT/timelines/<clip>.png`` are written. The
headline figure is printed last. docs/benchmark.md explains the readings.

Example:
    har benchmark videos ../shared/data/videos/real/groundtruth.json --out artifacts/benchmark-videos
    har benchmark videos gt.json --clips kth_style_boxing,apple_dance_2p --model tcn
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

EXIT_FAILED_CLIPS = 1


def _lag(args: argparse.Namespace) -> tuple[str | None, float, str]:
    """The model's name, the lag in ms and where it comes from: ``--lag``; none for centred labels
    (each frame's label comes from the windows around it); half the model's window for causal ones."""
    from .videobench.runner import model_window_ms

    if args.lag is None and args.labels == "centred":
        return args.model, 0.0, "centred labels: none needed"
    if args.lag is None:
        model, window_ms = model_window_ms(args.classifier_url, args.model)
        return model, window_ms / 2, f"half of {model}'s {window_ms / 1000:.2f} s window"
    return args.model, args.lag * 1000.0, "--lag"


def _score(truth, runs, lag_ms: float, min_span: float):
    """Each analysed clip's score and its timelines (for the pictures)."""
    from .videobench.scoring import score_clip
    from .videobench.timelines import timelines

    scores, lines = {}, {}
    for r in runs:
        if r.analysis is None:
            continue
        main, tracks, untracked = timelines(r.analysis)
        lines[r.clip] = (main, tracks)
        scores[r.clip] = score_clip(r.clip, truth.videos[r.clip], main, tracks, lag_ms, len(tracks), untracked, min_span)
    return scores, lines


def _print_summary(summary: dict, failed: list) -> None:
    from .videobench.scoring import HEADLINE

    for reading, fig in summary["readings"].items():
        acc = "n/a" if fig["accuracy"] is None else f"{100 * fig['accuracy']:.1f} %"
        print(f"  {reading:<20} {fig['correct']:>3} / {fig['scored']:<3} spans right  {acc}")
    fa = summary["false_alarms"]
    print(
        f"  false alarms in other/no_person spans: {fa['events']} ({fa['seconds']:.1f} s); "
        f"false falls anywhere: {summary['false_falls']['events']} ({summary['false_falls']['seconds']:.1f} s)"
    )
    r = summary["responsiveness"]
    print(
        f"  first label after a person appears: median {r['first_label_s']['median']} s, max {r['first_label_s']['max']} s "
        f"({r['appearances']} appearance(s), {r['never_labelled']} never labelled); spans under {r['short_s']:g} s right: "
        f"{r['short_spans']['correct']} / {r['short_spans']['scored']}; label changes inside longer spans: "
        f"{r['long_span_changes_per_minute']} a minute; changes of action named: {r['changes'] - r['changes_missed']} / "
        f"{r['changes']}, median {r['change_delay_s']['median']} s after the change (max {r['change_delay_s']['max']} s)"
    )
    h = summary["headline"]
    acc = "n/a" if h["accuracy"] is None else f"{100 * h['accuracy']:.1f} %"
    print(
        f"headline ({HEADLINE}): {h['correct']} of {h['scored']} spans right, {acc}"
        + (f"; {len(failed)} clip(s) failed: {', '.join(r.clip for r in failed)}" if failed else "")
    )


def _run(args: argparse.Namespace) -> int:
    from .videobench.groundtruth import GroundTruth
    from .videobench.report import model_figures, write_report
    from .videobench.runner import run_clips
    from .videobench.summary import summarize

    if args.lag is not None and args.lag < 0:
        raise ValueError("--lag must be >= 0 seconds")
    if args.min_span < 0:
        raise ValueError("--min-span must be >= 0 seconds")
    truth = GroundTruth.load(args.groundtruth)
    videos_dir = Path(args.videos) if args.videos else Path(args.groundtruth).resolve().parent
    if not videos_dir.is_dir():
        raise FileNotFoundError(f"no video folder at {videos_dir}")
    clips = [c.strip() for c in args.clips.split(",") if c.strip()] if args.clips else None
    out = Path(args.out)
    model, lag_ms, lag_source = _lag(args)
    runs = run_clips(
        truth,
        videos_dir,
        out,
        model=args.model,
        single_url=args.single_url,
        multi_url=args.multi_url,
        clips=clips,
        reuse=args.reuse,
        labels=args.labels,
    )
    scores, lines = _score(truth, runs, lag_ms, args.min_span)
    used = sorted({r.analysis.models.classifier or "none" for r in runs if r.analysis is not None})
    summary = summarize(list(scores.values()))
    meta = {
        "model": ", ".join(used) or (model or "unknown"),
        "groundtruth": str(args.groundtruth),
        "videos": str(videos_dir),
        "lag_s": round(lag_ms / 1000.0, 3),
        "lag_source": lag_source,
        "labels": args.labels,
        "min_span_s": args.min_span,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": "har " + shlex.join(getattr(args, "argv", None) or ["benchmark", "videos", str(args.groundtruth)]),
    }
    report = write_report(out, meta, truth, runs, scores, lines, summary)
    failed = [r for r in runs if r.analysis is None]
    if args.save_to and (failed or clips):
        print("not saved to the model folder: a model's figures come from every clip of the ground truth", file=sys.stderr)
    elif args.save_to:
        path = model_figures(Path(args.save_to), meta, summary)
        print(f"wrote {path} (the model card shows it after: har evaluate {args.save_to})")
    print(f"\nwrote {report} (and report.json, timelines/)")
    _print_summary(summary, failed)
    return EXIT_FAILED_CLIPS if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("benchmark", help="measure recognition on annotated real videos (see: har benchmark videos --help)")
    sub = p.add_subparsers(dest="benchmark", required=True)
    v = sub.add_parser(
        "videos",
        help="send annotated clips through the running stack and score them",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("groundtruth", help="ground-truth JSON (format: docs/benchmark.md)")
    v.add_argument("--videos", help="folder of the clips (default: the ground truth's folder)")
    v.add_argument("--out", default="benchmark-report", help="report folder (default: ./benchmark-report)")
    v.add_argument("--model", help="classifier model for every clip (default: the services' own)")
    v.add_argument("--clips", help="comma-separated clip names to run (default: all)")
    v.add_argument("--single-url", help="pose-single URL (default: HAR_POSE_SINGLE_URL or localhost:8002)")
    v.add_argument("--multi-url", help="pose-multi URL (default: HAR_POSE_MULTI_URL or localhost:8003)")
    v.add_argument(
        "--classifier-url",
        default=None,
        help="classifier URL, asked for the model's window (default: HAR_CLASSIFIER_URL or localhost:8001)",
    )
    v.add_argument(
        "--labels",
        choices=("centred", "causal"),
        default="centred",
        help="the jobs' labels: centred (default: each frame from the windows around it, as video jobs decide) or "
        "causal (from the windows before it, as a live stream decides)",
    )
    v.add_argument(
        "--lag",
        type=float,
        help="latency allowed for, in seconds (default: none for centred labels, half the model's window for causal)",
    )
    v.add_argument("--min-span", type=float, default=0.5, help="spans shorter than this (s) are not scored (default 0.5)")
    v.add_argument(
        "--save-to",
        metavar="MODEL_DIR",
        help="also write the figures into a classifier model folder (real_video.json, shown in its model card)",
    )
    v.add_argument("--reuse", action="store_true", help="score analyses already in OUT/analyses instead of re-running them")
    v.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from .videobench.runner import DEFAULT_CLASSIFIER_URL

    args.classifier_url = args.classifier_url or DEFAULT_CLASSIFIER_URL
    try:
        return _run(args)
    except ConnectionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
