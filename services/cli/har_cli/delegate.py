"""``har train``, ``har evaluate`` and ``har bench``: run in the environment that owns the work.

The classifier trains in its own environment (TensorFlow), and each benchmark runs with the
Python of the service it measures, so these commands hand over to that interpreter.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

# The environments live side by side (scripts/setup makes .venvs/<name>), so the others are found
# next to the one running this command; HAR_VENVS names another place.
VENVS = Path(os.environ.get("HAR_VENVS") or Path(sys.prefix).parent)
BENCHMARKS = {
    "classifier": ("classifier", "benchmarks/classifier_bench.py"),
    "pose-single": ("pose-single", "benchmarks/pose_single_bench.py"),
    "pose-multi": ("pose-multi", "benchmarks/pose_multi_bench.py"),
    "tracking": ("pose-multi", "benchmarks/tracking_bench.py"),
    "small-people-single": ("pose-single", "benchmarks/small_people_bench.py"),
    "small-people-multi": ("pose-multi", "benchmarks/small_people_bench.py"),
    "kinetics": ("pose-multi", "benchmarks/kinetics_bench.py"),
}


def _python(env: str) -> Path:
    python = VENVS / env / "bin" / "python"
    if not python.exists():
        raise FileNotFoundError(f"environment {env!r} is missing ({python}); run scripts/setup {env}")
    return python


def repository_root() -> Path:
    """The checkout the benchmark scripts live in: ``HAR_ROOT`` (the ``./har`` wrapper sets it), else
    the working directory.

    Raises:
        FileNotFoundError: that folder has no ``benchmarks/``.
    """
    root = Path(os.environ.get("HAR_ROOT") or Path.cwd())
    if not (root / "benchmarks").is_dir():
        raise FileNotFoundError(
            f"{root} is not the repository root (no benchmarks/ folder); run har from the repository root or set HAR_ROOT"
        )
    return root


def _exec(cmd: list[str], cwd: Path | None = None) -> int:
    return subprocess.call(cmd, cwd=cwd)


CLASSIFIER_COMMANDS = ("train", "evaluate")


def run_classifier(command: str, rest: list[str]) -> int:
    return _exec([str(_python("classifier")), "-m", "har_classifier", command, *rest])


def _bench(args: argparse.Namespace) -> int:
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    status = 0
    for name in names:
        env, script = BENCHMARKS[name]
        print(f"== benchmark {name}", flush=True)
        status |= _exec([str(_python(env)), script, *args.rest], cwd=repository_root())
    return status


def register(subparsers: argparse._SubParsersAction) -> None:
    # Listed for --help only: main() hands these over before parsing (see run_classifier).
    subparsers.add_parser("train", help="train a classifier (see: har train --help)")
    subparsers.add_parser("evaluate", help="evaluate a trained classifier and write its report (see: har evaluate --help)")
    b = subparsers.add_parser("bench", help="run the benchmark scripts and print their figures")
    b.add_argument("which", nargs="?", default="all", choices=[*BENCHMARKS, "all"])
    # Further arguments (parsed with parse_known_args in main) go to the benchmark script.
    b.set_defaults(func=_bench)
