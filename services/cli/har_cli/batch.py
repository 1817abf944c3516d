"""``har batch SOURCE --out DEST [--multi]``: hands over to the batch environment of the chosen
back end (``.venvs/batch-single`` or ``.venvs/batch-multi``: each is the pose service's own
environment plus Ray Data), where ``python -m har_batch`` runs the archive on Ray Data.
See ``har batch --help`` and docs/deployment.md.
"""

from __future__ import annotations

import argparse

from .delegate import _exec, _python


def environment(argv: list[str]) -> str:
    """The batch environment for these arguments: ``--multi`` picks the multi-person one.

    >>> environment(["videos/", "--out", "results/", "--multi"]), environment(["videos/", "--out", "r/"])
    ('batch-multi', 'batch-single')
    """
    return "batch-multi" if "--multi" in argv else "batch-single"


def run(argv: list[str]) -> int:
    """Everything after ``batch`` goes to the batch's own parser, ``--help`` included."""
    return _exec([str(_python(environment(argv))), "-m", "har_batch", *argv])


def register(subparsers: argparse._SubParsersAction) -> None:
    # listed for --help only: main() hands "batch" over before parsing
    subparsers.add_parser("batch", help="analyse a folder of videos on Ray Data (see: har batch --help)")
