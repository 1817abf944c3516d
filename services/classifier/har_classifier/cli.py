"""``har-classifier train|evaluate|export|card|kfold-summary`` (also ``python -m har_classifier ...`` and ``har train|evaluate``).

Paths given or defaulted are relative to the working directory: the data defaults come from
``HAR_SHARED_DIR`` (default ``../shared``), the model folder from ``HAR_CLASSIFIER_MODEL_DIR``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from .options import DEFAULT_LZQ, DEFAULT_UTD, TrainOptions, add_arguments, from_args

__all__ = ["DEFAULT_LZQ", "DEFAULT_UTD", "build_parser", "main"]
DATA_OPTIONS = ["utd", "lzq", "datasets", "protocol", "fold", "n_folds"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="har-classifier", description="Train and evaluate skeleton action classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save it (model.keras, model.json, history.json)")
    add_arguments(t)
    t.add_argument("--evaluate", action="store_true", help="evaluate right after training (writes MODEL/report)")
    t.add_argument("--overwrite", action="store_true", help="replace a model already in --out (default: refuse)")

    e = sub.add_parser("evaluate", help="evaluate a trained model on the test side and write a report folder")
    e.add_argument("model_dir", help="model folder written by train")
    e.add_argument("--out", help="report folder (default: MODEL_DIR/report)")
    add_arguments(e, DATA_OPTIONS)

    x = sub.add_parser(
        "export",
        help="write the serving graphs (model.tflite, model.onnx) of a trained model folder and "
        "choose its serving engine by measurement (into model.json)",
    )
    x.add_argument("model_dir")
    x.add_argument("--format", action="append", choices=["tflite", "onnx"], help="default: both")
    x.add_argument(
        "--measure-only",
        action="store_true",
        help="keep the exported files; only measure the engines again and record the choice in model.json",
    )
    x.add_argument("--threads", type=int, default=2, help="inference threads while measuring (the service's; default 2)")

    c = sub.add_parser("card", help="rewrite MODEL_DIR/report/model_card.md from its metrics.json and the folder (no evaluation)")
    c.add_argument("model_dir")

    k = sub.add_parser(
        "kfold-summary", help="mean and std of the fold reports into MODEL_DIR/kfold.json (then run evaluate MODEL_DIR)"
    )
    k.add_argument("model_dir", help="the model folder whose card shows the summary")
    k.add_argument("fold_dirs", nargs="+", help="fold model folders, each with report/metrics.json")
    k.add_argument(
        "--keep",
        action="store_true",
        help="keep the folds MODEL_DIR/kfold.json already holds that FOLD_DIRS do not run again (folds run at different times)",
    )
    return parser


def _train(args) -> int:
    from .train import train

    opts = from_args(args)
    out = opts.out_dir()
    if (out / "model.json").is_file() and not args.overwrite:
        raise ValueError(
            f"{out} already holds a trained model"
            + (" (a shipped one: --out defaults to HAR_CLASSIFIER_MODEL_DIR/<model>)" if not opts.out else "")
            + "; give --out a new folder, or --overwrite to replace it"
        )
    out = train(opts)
    if args.evaluate:
        from .evaluate import evaluate

        evaluate(out, utd=opts.utd, lzq=opts.lzq, datasets=opts.datasets)
    return 0


def _export(args) -> int:
    from .export import export

    formats = () if args.measure_only else (args.format or ("tflite", "onnx"))
    for fmt, result in export(args.model_dir, formats, threads=args.threads).items():
        print(f"{fmt}: {result}")
    return 0


def _kfold_summary(args) -> int:
    from .evaluate import kfold_summary

    path = Path(args.model_dir) / "kfold.json"
    keep = json.loads(path.read_text()) if args.keep and path.is_file() else None
    summary = kfold_summary(args.fold_dirs, keep=keep)
    path.write_text(json.dumps(summary, indent=1))
    for key, f in summary["figures"].items():
        print(f"{key}: {f['mean']:.4f} ± {f['std']:.4f} over {summary['folds']} folds {f['values']}")
    return 0


def _evaluate(args) -> int:
    from .evaluate import evaluate

    data = TrainOptions(**{k: v for k, v in (("utd", args.utd), ("lzq", args.lzq)) if v is not None})
    evaluate(
        args.model_dir,
        out=args.out,
        utd=data.utd,
        lzq=data.lzq,
        datasets=args.datasets or [],
        protocol=args.protocol,
        fold=args.fold,
        n_folds=args.n_folds,
    )
    return 0


def _write_card(model_dir: str):
    from .evaluate import write_card

    return write_card(model_dir)


def option_errors(exc: ValidationError) -> list[str]:
    """One line per problem of a :class:`ValidationError`: the flag it concerns (none for checks across flags)
    and pydantic's message.

    >>> from har_classifier.options import TrainOptions
    >>> try:
    ...     TrainOptions(other_weight=0)
    ... except ValidationError as exc:
    ...     option_errors(exc)
    ['--other-weight: Input should be greater than 0']
    >>> try:
    ...     TrainOptions(window={"length": 16, "fps": 0, "stride": 4})
    ... except ValidationError as exc:
    ...     option_errors(exc)
    ['--fps: Input should be greater than 0']
    """
    out = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        if loc[:1] == ["window"] and len(loc) > 1:  # the window's fields have flags of their own
            loc = [{"length": "window"}.get(loc[1], loc[1])]
        flag = "--" + "-".join(loc).replace("_", "-") + ": " if loc else ""
        out.append(flag + err["msg"].removeprefix("Value error, "))
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    commands = {
        "card": lambda a: print(_write_card(a.model_dir)) or 0,
        "train": _train,
        "export": _export,
        "kfold-summary": _kfold_summary,
        "evaluate": _evaluate,
    }
    try:
        return commands[args.command](args)
    except ValidationError as exc:
        # the options' own checks: the flag and the problem, without pydantic's dump of every input
        for line in option_errors(exc):
            print(f"error: {line}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
