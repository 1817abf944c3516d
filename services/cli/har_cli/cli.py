"""The ``har`` command line. Sub-commands register themselves here."""

from __future__ import annotations

import argparse
import sys

from . import analyze, batch, benchmark, dataset, delegate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="har", description="Human action recognition: datasets, training, analysis.")
    sub = parser.add_subparsers(dest="command", required=True)
    analyze.register(sub)
    batch.register(sub)
    delegate.register(sub)
    dataset.register(sub)
    benchmark.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in delegate.CLASSIFIER_COMMANDS:
        # Everything after the command belongs to the classifier's own parser, --help included.
        return delegate.run_classifier(argv[0], argv[1:])
    if argv[:1] == ["batch"]:
        return batch.run(argv[1:])
    args = build_parser().parse_known_args(argv)[0] if argv[:1] == ["bench"] else build_parser().parse_args(argv)
    if argv[:1] == ["bench"]:
        args.rest = argv[2:] if len(argv) > 1 and argv[1] in delegate.BENCHMARKS else argv[1:]
    args.argv = argv
    try:
        return args.func(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
