"""Training: Adam, class balancing, shared augmentations, early stopping, LR reduction on plateau,
best checkpoint by the validation metric, temperature calibration, export, deterministic with a seed.

The model folder it writes holds ``model.keras`` (best weights), ``model.json`` (classes, window,
layout, the options of :class:`~har_classifier.options.TrainOptions`, data summary, calibration, the
serving engine), ``history.json`` (per-epoch curves for the report) and the exported graphs. With
``members`` > 1 it trains that many seeds one after the other and writes their average as one model
(:func:`har_classifier.models.build_ensemble`), calibrated on the validation side as a whole.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .calibration import apply_temperature, fit_temperature, reweight, weight_vector
from .options import TrainOptions
from .preprocessing import preprocess_batch
from .sources import OTHER, class_sources, load_sources
from .splits import split_records
from .windows import Sample, labels_to_index, make_samples

NO_EXPORT = {"resnet3d": ()}  # architectures served by tf.function only (measured)
# An ensemble ships TFLite only: ONNX Runtime measured slower for the two-TCN graph at batches of 1 and 64
# (benchmarks/classifier_bench.py), and its file would double the folder's size for nothing.
ENSEMBLE_EXPORT = ("tflite",)
INPUT_NOTE = "normalised by har_classifier.preprocessing.test_pipeline (any length/fps in; resampled inside)"


def _limit(samples: list[Sample], n: int | None, seed: int) -> list[Sample]:
    if not n:
        return samples
    rng = np.random.default_rng(seed)
    out = []
    for label in sorted({s.label for s in samples}):
        idx = [i for i, s in enumerate(samples) if s.label == label]
        out += [samples[i] for i in sorted(rng.permutation(idx)[:n])]
    return out


def prepare(opts: TrainOptions):
    """Load, split and window the data: ``(records, split, train_samples, val_samples, spec)``."""
    spec = opts.window
    records = load_sources(
        opts.utd,
        opts.lzq,
        opts.datasets,
        opts.classes,
        yaws=opts.yaws,
        utd_views=opts.utd_views,
        seed=opts.seed,
        held_squats=opts.held_squats,
    )
    split = split_records(records, opts.protocol, opts.fold, opts.n_folds, val=opts.val, val_subject=opts.val_subject)
    train = _limit(make_samples(split.train, spec, train=True), opts.limit, opts.seed)
    val = _limit(make_samples(split.val, spec, train=False), opts.limit, opts.seed)
    return records, split, train, val, spec


def train(opts: TrainOptions, verbose: int | None = None) -> Path:
    """Train ``opts.model`` into ``opts.out_dir()``; with ``opts.members`` > 1, train that many and average them."""
    if opts.members == 1:
        return _train_one(opts, verbose)
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="har-members-") as tmp:
        dirs = []
        for k, seed in enumerate(opts.seeds()):
            print(f"member {k + 1} of {opts.members} (seed {seed})", flush=True)
            update = {"members": 1, "member_seeds": [], "seed": seed, "out": str(Path(tmp) / f"member-{k + 1}")}
            member = opts.model_copy(update=update)
            dirs.append(_train_one(member, verbose, export_graphs=False))
        return _combine(opts, dirs, t0)


def _calibration(p_val: np.ndarray, y_val: np.ndarray, opts: TrainOptions, label: str) -> dict:
    """Temperature scaling on the validation side (Guo et al. 2017): one scalar T, p ~ p_model ** (1 / T), chosen to
    minimise the validation negative log-likelihood; then ``other``'s prior weight. The service applies both.
    Also ``val_other_recall``: the share of validation windows of ``other`` that the served probabilities reject,
    the figure networks of different seeds differ most in (docs/classifier.md), to choose members by."""
    temperature, nll_before, nll_after = fit_temperature(p_val, y_val)
    weights = {OTHER: opts.other_weight} if opts.other_weight != 1.0 and OTHER in opts.classes else {}
    other = opts.classes.index(OTHER) if OTHER in opts.classes else -1
    other_recall = None
    if (y_val == other).any():
        served = reweight(apply_temperature(p_val, temperature), weight_vector(weights, opts.classes)).argmax(1)
        other_recall = round(float((served[y_val == other] == other).mean()), 4)
    print(
        f"{label}temperature {temperature:.3f}: validation NLL {nll_before:.3f} -> {nll_after:.3f}"
        + (f"; validation other recall {other_recall:.3f}" if other_recall is not None else ""),
        flush=True,
    )
    return {
        "temperature": round(temperature, 4),
        "fitted_on": "validation side (negative log-likelihood)",
        "val_nll_before": round(nll_before, 4),
        "val_nll_after": round(nll_after, 4),
        **({"class_weights": weights} if weights else {}),
        **({"val_other_recall": other_recall} if other_recall is not None else {}),
    }


def _export(out: Path, formats, measure: bool = True) -> None:
    from .export import export

    (out / "model.onnx").unlink(missing_ok=True)  # a stale earlier export must not be served
    (out / "model.tflite").unlink(missing_ok=True)
    for fmt, result in export(out, formats, measure=measure).items():
        print(f"export {fmt}: {result}", flush=True)


def _combine(opts: TrainOptions, member_dirs: list[Path], t0: float) -> Path:
    """The members' ensemble in ``opts.out_dir()``: one graph, its own temperature, the first member's curves."""
    from .engines import load_keras
    from .fitting import balanced_accuracy, configure_tf
    from .models import build_ensemble

    configure_tf(opts.seed, opts.threads)
    _, _, _, val_s, spec = prepare(opts)
    infos = [json.loads((d / "model.json").read_text()) for d in member_dirs]
    other = opts.classes.index(OTHER) if OTHER in opts.classes else None
    model = build_ensemble([load_keras(d) for d in member_dirs], spec.length, opts.ensemble, other)
    x_val = preprocess_batch([(s.keypoints, s.fps) for s in val_s], spec)
    y_val = labels_to_index(val_s, opts.classes)
    p_val = model.predict(x_val, batch_size=256, verbose=0)
    balanced = balanced_accuracy(p_val.argmax(1), y_val, len(opts.classes))
    calibration = _calibration(p_val, y_val, opts, f"ensemble of {len(member_dirs)}: val balanced acc {balanced:.3f}; ")
    out = opts.out_dir()
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.keras")
    history = json.loads((member_dirs[0] / "history.json").read_text())
    history["members_best_epoch"] = [i["best_epoch"] for i in infos]
    (out / "history.json").write_text(json.dumps(history, indent=1))
    info = {
        **infos[0],
        "name": out.name,
        "parameters": int(model.count_params()),
        "val_balanced_accuracy": round(balanced, 4),
        "training": opts.record(),
        "members": [
            {
                "seed": i["training"]["seed"],
                "best_epoch": i["best_epoch"],
                "train_seconds": i["train_seconds"],
                **({"val_other_recall": i["calibration"]["val_other_recall"]} if "val_other_recall" in i["calibration"] else {}),
            }
            for i in infos
        ],
        "calibration": {**infos[0]["calibration"], **calibration},
        "train_seconds": round(time.time() - t0, 1),
    }
    (out / "model.json").write_text(json.dumps(info, indent=1))
    _export(out, NO_EXPORT.get(opts.model, ENSEMBLE_EXPORT))
    print(f"saved the ensemble of {len(member_dirs)} in {out} ({time.time() - t0:.0f}s)", flush=True)
    return out


def _model_info(opts: TrainOptions, out: Path, model, records, split, train_s, val_s) -> dict:
    spec = opts.window
    return {
        "name": out.name,
        "architecture": opts.model,
        "classes": list(opts.classes),
        "layout": "coco17",
        "input": {"shape": [spec.length, 17, 3], "channels": ["x", "y", "visible"], "note": INPUT_NOTE},
        "window": spec.model_dump(exclude={"seconds"}),
        "parameters": int(model.count_params()),
        "training": opts.record(),
        "data": {
            "class_sources": class_sources(records, opts.classes),
            "split": split.description,
            "records": split.counts(),
            "train_windows": len(train_s),
            "val_windows": len(val_s),
        },
    }


def _start_from(model, folder: Path, opts: TrainOptions) -> None:
    """Load ``folder``'s weights into ``model`` (fine-tuning); its architecture, classes and window must match.

    Raises:
        ValueError: the folder's model differs in architecture, classes or window.
    """
    from .engines import load_keras

    info = json.loads((folder / "model.json").read_text())
    theirs = (
        info.get("architecture"),
        info.get("classes"),
        info.get("window", {}).get("length"),
        info.get("window", {}).get("fps"),
    )
    ours = (opts.model, list(opts.classes), opts.window.length, opts.window.fps)
    if theirs != ours:
        raise ValueError(f"--init {folder}: its architecture, classes and window {theirs} differ from this run's {ours}")
    model.set_weights(load_keras(folder).get_weights())
    print(f"starting from the weights of {folder}", flush=True)


def _train_one(opts: TrainOptions, verbose: int | None = None, export_graphs: bool = True) -> Path:
    from .engines import load_keras
    from .fitting import configure_tf, fit
    from .models import build_model

    configure_tf(opts.seed, opts.threads)
    t0 = time.time()
    records, split, train_s, val_s, spec = prepare(opts)
    missing = [c for c in opts.classes if not any(s.label == c for s in train_s)]
    if missing:
        raise ValueError(f"no training data for class(es) {missing}")
    x_val = preprocess_batch([(s.keypoints, s.fps) for s in val_s], spec)
    y_val = labels_to_index(val_s, opts.classes)
    print(
        f"data: {len(train_s)} training windows, {len(val_s)} validation windows, {len(opts.classes)} classes "
        f"(loaded in {time.time() - t0:.1f}s)",
        flush=True,
    )
    out = opts.out_dir()
    out.mkdir(parents=True, exist_ok=True)
    model = build_model(opts.model, len(opts.classes), spec.length)
    if opts.init:
        _start_from(model, Path(opts.init), opts)
    verbose = (1 if sys.stdout.isatty() else 2) if verbose is None else verbose
    history, best_epoch = fit(model, train_s, x_val, y_val, opts, out / "model.keras", verbose)
    best_model = load_keras(out)
    calibration = _calibration(best_model.predict(x_val, batch_size=256, verbose=0), y_val, opts, "")
    (out / "history.json").write_text(json.dumps(history, indent=1))
    info = {
        **_model_info(opts, out, model, records, split, train_s, val_s),
        "best_epoch": best_epoch,
        "calibration": calibration,
        "train_seconds": round(time.time() - t0, 1),
    }
    (out / "model.json").write_text(json.dumps(info, indent=1))
    best_model.save(out / "model.keras")  # the weights only (no optimizer state): a third of the size
    # resnet3d: TFLite's and ONNX Runtime's Conv3D measured 2-8x slower than tf.function at every batch size
    # (docs/classifier.md), so it ships the Keras weights only and is served by the tf engine.
    _export(out, NO_EXPORT.get(opts.model, ("tflite", "onnx")) if export_graphs else (), measure=export_graphs)
    print(f"saved {out} in {time.time() - t0:.0f}s", flush=True)
    return out
