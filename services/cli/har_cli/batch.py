"""``har batch SOURCE --out DEST [--multi]``: hands over to the batch environment of the chosen
back end (``.venvs/batch-single`` or ``.venvs/batch-multi``: each is the pose service's own
environment plus Ray Data), where ``python -m har_batch`` runs the archive on Ray Data.
See ``har batch --help`` and docs/deployment.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from .delegate import _python


def environment(argv: list[str]) -> str:
    """The batch environment for these arguments: ``--multi`` picks the multi-person one.

    >>> environment(["videos/", "--out", "results/", "--multi"]), environment(["videos/", "--out", "r/"])
    ('batch-multi', 'batch-single')
    """
    return "batch-multi" if "--multi" in argv else "batch-single"


def run(argv: list[str]) -> int:
    """Everything after ``batch`` goes to the batch's own parser, ``--help`` included. Paths stay
    relative to where the user is; the YOLO weights are found in the checkout's cache wherever that
    is (``HAR_CACHE``, as ``scripts/setup`` fills it)."""
    env = dict(os.environ)
    if "HAR_CACHE" not in env and env.get("HAR_ROOT"):
        env["HAR_CACHE"] = str(Path(env["HAR_ROOT"]) / ".cache")
    return subprocess.call([str(_python(environment(argv))), "-m", "har_batch", *argv], env=env)


def register(subparsers: argparse._SubParsersAction) -> None:
    # listed for --help only: main() hands "batch" over before parsing
    subparsers.add_parser("batch", help="analyse a folder of videos on Ray Data (see: har batch --help)")
