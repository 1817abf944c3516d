"""``har-classifier train|evaluate`` (also ``python -m har_classifier ...`` and ``har train|evaluate``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import data as D

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
DEFAULT_UTD = SHARED / "data/skeletons/utd_mhad"
DEFAULT_LZQ = SHARED / "data/skeletons/lzq_openpose2d"


def _angles(text: str) -> list[float]:
    try:
        angles = [float(a) for a in text.split(",") if a.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected angles in degrees separated by commas, got {text!r}") from None
    if not angles or any(not -90 <= a <= 90 or a == 0 for a in angles):
        raise argparse.ArgumentTypeError(f"angles must be non-zero and within -90..90 degrees, got {text!r}")
    return angles


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--utd", default=str(DEFAULT_UTD), help="UTD-MHAD skeleton folder ('' to leave out; default: %(default)s)")
    p.add_argument("--lzq", default=str(DEFAULT_LZQ), help="LZQ OpenPose CSV folder ('' to leave out; default: %(default)s)")
    p.add_argument("--dataset", action="append", help="extra har-skeleton-dataset folder (repeatable)")
    p.add_argument("--protocol", choices=["cross-subject", "kfold", "inner"], default=None,
                   help="default: cross-subject; inner: odd subject --fold tests inside the train half (tools/inner_cv.py)")
    p.add_argument("--fold", type=int, default=None, help="fold for --protocol kfold (0-based); the odd test subject for inner")
    p.add_argument("--n-folds", dest="n_folds", type=int, default=None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="har-classifier", description="Train and evaluate skeleton action classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save it (model.keras, model.json, history.json)")
    t.add_argument("--model", choices=["tcn", "stgcn", "resnet3d", "cnn_lstm"], default="stgcn")
    t.add_argument("--out", help="model folder (default: services/classifier/models/<model>)")
    _data_args(t)
    t.add_argument("--classes", help=f"comma-separated class list (default: {','.join(D.DEFAULT_CLASSES)})")
    t.add_argument("--val", choices=["subject", "trial"], help="validation from the train side: a held-out train subject or each train subject's last trial (default)")
    t.add_argument("--val-subject", dest="val_subject", type=int,
                   help="with --val subject: the number of the train subject that validates (default: the last)")
    t.add_argument("--epochs", type=int)
    t.add_argument("--patience", type=int, help="early stopping patience in epochs")
    t.add_argument("--batch-size", dest="batch_size", type=int)
    t.add_argument("--learning-rate", dest="learning_rate", type=float)
    t.add_argument("--repeats", type=int, help="augmented copies of each training sample per epoch")
    t.add_argument("--label-smoothing", dest="label_smoothing", type=float, help="label smoothing of the loss (default 0.1)")
    t.add_argument("--other-ratio", dest="other_ratio", type=float,
                   help="windows of the rejection class 'other' per epoch, as a multiple of the mean class's (default 2)")
    t.add_argument("--other-weight", dest="other_weight", type=float,
                   help="prior weight of 'other' when the model is used: its probability is multiplied by this and all "
                        "renormalised (default 1; the default model's comes from tools/inner_cv.py --other-weights)")
    t.add_argument("--limb-scale", dest="limb_scale", type=float,
                   help="augmentation: upper arms, forearms, thighs and shins each scaled within 1 +- LIMB_SCALE (default 0: off)")
    t.add_argument("--yaw", dest="yaws", type=_angles, metavar="DEG[,DEG...]",
                   help="augmentation: UTD-MHAD's 3D trials also train as seen from these viewpoints, the subject turned "
                        "about the vertical axis by each angle (degrees, e.g. -30,30; default: the camera's own view only)")
    t.add_argument("--utd-views", dest="utd_views", type=int,
                   help="augmentation: each UTD-MHAD training trial also seen by this many random virtual cameras "
                        "(any azimuth, eye level to 60 degrees down; default 0)")
    t.add_argument("--stretch", type=float, help="augmentation: x and y scaled apart within 1 +- STRETCH (default 0: off)")
    t.add_argument("--seed", type=int)
    t.add_argument("--members", type=int, help="train this many models (seeds SEED, SEED+1, ...) and ship their average as one (default 1)")
    t.add_argument("--window", type=int, help="window length in frames (default 32)")
    t.add_argument("--fps", type=float, help="window frame rate (default 10)")
    t.add_argument("--stride", type=int, help="suggested hop between live windows, in window frames (default 8)")
    t.add_argument("--limit", type=int, help="at most this many training windows per class (smoke tests)")
    t.add_argument("--threads", type=int, help="TensorFlow threads (default 2)")
    t.add_argument("--evaluate", action="store_true", help="evaluate right after training (writes MODEL/report)")
    t.add_argument("--overwrite", action="store_true", help="replace a model already in --out (default: refuse)")

    e = sub.add_parser("evaluate", help="evaluate a trained model on the test side and write a report folder")
    e.add_argument("model_dir", help="model folder written by train")
    e.add_argument("--out", help="report folder (default: MODEL_DIR/report)")
    _data_args(e)

    x = sub.add_parser("export", help="write the serving graphs (model.tflite, model.onnx) of a trained model folder")
    x.add_argument("model_dir")
    x.add_argument("--format", action="append", choices=["tflite", "onnx"], help="default: both")

    k = sub.add_parser("kfold-summary", help="mean and std of the fold reports into MODEL_DIR/kfold.json (then run evaluate MODEL_DIR)")
    k.add_argument("model_dir", help="the model folder whose card shows the summary")
    k.add_argument("fold_dirs", nargs="+", help="fold model folders, each with report/metrics.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    for k in ("utd", "lzq"):
        if not hasattr(args, k):
            continue
        if getattr(args, k, None) == "":
            setattr(args, k, None)
    try:
        if args.command == "train":
            from .train import config_from_args, train

            cfg = config_from_args(args)
            if (Path(cfg.out) / "model.json").is_file() and not args.overwrite:
                raise ValueError(f"{cfg.out} already holds a trained model"
                                 + (" (a shipped one: --out defaults to services/classifier/models/<model>)" if not args.out else "")
                                 + "; give --out a new folder, or --overwrite to replace it")
            out = train(cfg)
            if args.evaluate:
                from .evaluate import evaluate

                evaluate(out, utd=cfg.utd, lzq=cfg.lzq, datasets=cfg.datasets)
            return 0
        if args.command == "export":
            from .inference import export

            for fmt, result in export(args.model_dir, args.format or ("tflite", "onnx")).items():
                print(f"{fmt}: {result}")
            return 0
        if args.command == "kfold-summary":
            import json

            from .evaluate import kfold_summary

            summary = kfold_summary(args.fold_dirs)
            (Path(args.model_dir) / "kfold.json").write_text(json.dumps(summary, indent=1))
            for key, f in summary["figures"].items():
                print(f"{key}: {f['mean']:.4f} ± {f['std']:.4f} over {summary['folds']} folds {f['values']}")
            return 0
        from .evaluate import evaluate

        evaluate(args.model_dir, out=args.out, utd=args.utd, lzq=args.lzq, datasets=args.dataset or [],
                 protocol=args.protocol, fold=args.fold, n_folds=args.n_folds)
        return 0
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
