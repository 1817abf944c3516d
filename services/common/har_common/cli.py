"""The ``har`` command line. Sub-commands register themselves here."""

from __future__ import annotations

import argparse
import sys

from . import dataset_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="har", description="Human action recognition: datasets, training, analysis.")
    sub = parser.add_subparsers(dest="command", required=True)
    dataset_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
