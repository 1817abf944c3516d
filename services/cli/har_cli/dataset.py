"""``har dataset``: import outside data into the project's dataset format, and inspect a dataset.

Example:
    har dataset import utd-mhad ../shared/data/skeletons/utd_mhad --out data/datasets/utd
    har dataset import openpose-csv data_under_scene.csv data.csv --out data/datasets/lzq --map fall_down=falling
    har dataset import analysis labels.csv --out data/datasets/mine
    har dataset import mocap ../shared/data/mocap \\
        --labels services/classifier/har_classifier/mocap_labels.json --out data/datasets/mocap
    har dataset info data/datasets/utd
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from har_common.dataset import SkeletonDataset


def _label_map(pairs: list[str] | None, path: str | None) -> dict[str, str] | None:
    if not pairs and not path:
        return None
    mapping: dict[str, str] = {}
    if path:
        mapping.update(json.loads(Path(path).read_text()))
    for pair in pairs or []:
        src, sep, dst = pair.partition("=")
        if not sep or not src or not dst:
            raise SystemExit(f"--map takes SOURCE=CLASS, got {pair!r}")
        mapping[src] = dst
    return mapping


def _import(args: argparse.Namespace) -> int:
    mapping = _label_map(args.map, args.label_map)
    if args.source == "utd-mhad":
        from har_common.importers.utd_mhad import load_utd_mhad

        records = load_utd_mhad(args.inputs[0], mapping)
    elif args.source == "openpose-csv":
        from har_common.importers.openpose_csv import load_openpose_csv

        records = load_openpose_csv(args.inputs, mapping, jump=args.jump, min_length=args.min_length, fps=args.fps)
    elif args.source == "mocap":
        from har_common.importers.mocap import load_mocap

        if not args.labels:
            raise SystemExit(
                "mocap needs --labels RULES.json (the classifier's: services/classifier/har_classifier/mocap_labels.json)"
            )
        records = load_mocap(args.inputs[0], args.labels, views=args.views, seed=args.seed)
    else:
        from har_common.importers.analysis import load_analysis_labels

        records = load_analysis_labels(args.inputs[0], min_length=args.min_length)
    if not records:
        print("no sequences imported (check the inputs and --map)", file=sys.stderr)
        return 1
    dataset = SkeletonDataset(records)
    dataset.save(args.out)
    print(f"wrote {args.out}\n")
    print(dataset.format_summary())
    return 0


def _info(args: argparse.Namespace) -> int:
    dataset = SkeletonDataset.load(args.dataset)
    print(json.dumps(dataset.summary(), indent=1) if args.json else dataset.format_summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``dataset`` and its sub-commands to a parent parser's sub-commands."""
    ds = subparsers.add_parser("dataset", help="import and inspect skeleton datasets")
    sub = ds.add_subparsers(dest="dataset_command", required=True)

    imp = sub.add_parser("import", help="import outside data into a dataset folder")
    imp.add_argument(
        "source",
        choices=["utd-mhad", "openpose-csv", "analysis", "mocap"],
        help="utd-mhad: a folder of .mat files; openpose-csv: CSV files in time order; analysis: a labels CSV "
        "(file,label,subject); mocap: a folder of BVH motion capture seen by random virtual cameras",
    )
    imp.add_argument("inputs", nargs="+", help="input folder or files")
    imp.add_argument("--out", required=True, help="dataset folder to write")
    imp.add_argument(
        "--map",
        action="append",
        metavar="SOURCE=CLASS",
        help="rename a source label; when any is given, unmapped labels are dropped",
    )
    imp.add_argument("--label-map", metavar="JSON", help="a JSON object of SOURCE: CLASS renames")
    imp.add_argument(
        "--jump", type=float, default=0.05, help="openpose-csv: cut where the mean joint step exceeds this (image fractions)"
    )
    imp.add_argument("--min-length", type=int, default=10, help="shortest sequence kept, in frames")
    imp.add_argument("--fps", type=float, default=10.0, help="openpose-csv: frame rate of the rows")
    imp.add_argument("--labels", metavar="JSON", help="mocap: label rules (source, regex, class)")
    imp.add_argument("--views", type=int, default=4, help="mocap: random cameras per clip (default 4)")
    imp.add_argument("--seed", type=int, default=0, help="mocap: seed of the cameras (default 0)")
    imp.set_defaults(func=_import)

    info = sub.add_parser("info", help="print a dataset's classes, sequence counts per class and subjects")
    info.add_argument("dataset", help="dataset folder")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(func=_info)
