"""Training: Adam, class balancing, shared augmentations, early stopping, LR reduction on plateau,
best checkpoint by the validation metric, a progress display, deterministic with a seed.

The model folder it writes holds ``model.keras`` (best weights), ``model.json`` (classes, window,
layout, training settings and data summary) and ``history.json`` (per-epoch curves for the report).
With ``members`` > 1 it trains that many seeds one after the other and writes their average as one
model (:func:`har_classifier.models.build_ensemble`), calibrated on the validation side as a whole.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


import numpy as np
from har_common.schemas import WindowSpec

from . import data as D

SEED_DEFAULT = 7
NO_EXPORT = {"resnet3d": ()}  # architectures served by tf.function only (measured)
# An ensemble ships TFLite only: ONNX Runtime measured slower for the two-TCN graph at batches of 1 and 64
# (benchmarks/classifier_bench.py), and its file would double the folder's size for nothing.
ENSEMBLE_EXPORT = ("tflite",)


@dataclass
class TrainConfig:
    model: str = "stgcn"
    out: str = "services/classifier/models/stgcn"
    utd: str | None = None
    lzq: str | None = None
    datasets: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=lambda: list(D.DEFAULT_CLASSES))
    protocol: str = "cross-subject"
    fold: int = 0
    n_folds: int = 5
    val: str = "trial"
    val_subject: int | None = None  # with val="subject": which train subject validates (default: the last)
    epochs: int = 60
    patience: int = 12
    batch_size: int = 32
    learning_rate: float = 2e-3
    repeats: int = 6  # each training sample appears this many times per epoch, each time augmented anew
    label_smoothing: float = 0.1
    other_ratio: float = 2.0  # windows of the rejection class per epoch, as a multiple of the mean class's
    stretch: float = 0.0  # x and y scaled apart within 1 +- stretch (augmentation; 0: off)
    limb_scale: float = 0.0  # limb bone lengths scaled within 1 +- limb_scale (augmentation; 0: off)
    yaws: list[float] = field(default_factory=list)  # extra viewpoints of the 3D UTD-MHAD trials (degrees; train side only)
    utd_views: int = 0  # random virtual cameras per 3D UTD-MHAD trial (train side only)
    other_weight: float = 1.0  # prior weight of ``other`` at inference (chosen by tools/inner_cv.py; training is unchanged)
    seed: int = SEED_DEFAULT
    members: int = 1  # more than 1: that many trainings (seeds seed, seed+1, ...) averaged in one model
    window: dict = field(default_factory=lambda: WindowSpec().model_dump(exclude={"seconds"}))
    limit: int | None = None  # keep at most this many training samples per class (smoke tests)
    threads: int = 2


def configure_tf(seed: int, threads: int = 2):
    """Seeds every generator and turns on op determinism; returns the tensorflow module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already initialised in this process
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf


def _limit(samples: list[D.Sample], n: int | None, seed: int) -> list[D.Sample]:
    if not n:
        return samples
    rng = np.random.default_rng(seed)
    out = []
    for label in sorted({s.label for s in samples}):
        idx = [i for i, s in enumerate(samples) if s.label == label]
        out += [samples[i] for i in sorted(rng.permutation(idx)[:n])]
    return out


def prepare(cfg: TrainConfig):
    """Load, split and window the data: ``(split, train_samples, val_samples, spec)``."""
    spec = WindowSpec.model_validate(cfg.window)
    records = D.load_sources(cfg.utd, cfg.lzq, cfg.datasets, cfg.classes, yaws=cfg.yaws, utd_views=cfg.utd_views,
                             seed=cfg.seed)
    split = D.split_records(records, cfg.protocol, cfg.fold, cfg.n_folds, val=cfg.val, val_subject=cfg.val_subject)
    train = _limit(D.make_samples(split.train, spec, train=True), cfg.limit, cfg.seed)
    val = _limit(D.make_samples(split.val, spec, train=False), cfg.limit, cfg.seed)
    return records, split, train, val, spec


def train(cfg: TrainConfig, verbose: int | None = None) -> Path:
    """Train ``cfg.model`` into ``cfg.out``; with ``cfg.members`` > 1, train that many and average them."""
    if cfg.members < 1:
        raise ValueError(f"--members must be at least 1, not {cfg.members}")
    if not cfg.other_weight > 0:
        raise ValueError(f"--other-weight must be above 0, not {cfg.other_weight}")
    if cfg.members == 1:
        return _train_one(cfg, verbose)
    import tempfile
    from dataclasses import replace

    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="har-members-") as tmp:
        dirs = []
        for k in range(cfg.members):
            print(f"member {k + 1} of {cfg.members} (seed {cfg.seed + k})", flush=True)
            member = replace(cfg, members=1, seed=cfg.seed + k, out=str(Path(tmp) / f"member-{k + 1}"))
            dirs.append(_train_one(member, verbose, export_graphs=False))
        return _combine(cfg, dirs, t0)


def _combine(cfg: TrainConfig, member_dirs: list[Path], t0: float) -> Path:
    """The members' ensemble in ``cfg.out``: one graph, its own temperature, the first member's curves."""
    configure_tf(cfg.seed, cfg.threads)
    from .inference import export, load_keras
    from .models import build_ensemble

    _, _, _, val_s, spec = prepare(cfg)
    infos = [json.loads((d / "model.json").read_text()) for d in member_dirs]
    model = build_ensemble([load_keras(d) for d in member_dirs], spec.length)
    x_val = D.preprocess_batch([(s.keypoints, s.fps) for s in val_s], spec)
    y_val = D.labels_to_index(val_s, cfg.classes)
    p_val = model.predict(x_val, batch_size=256, verbose=0)
    balanced = balanced_accuracy(p_val.argmax(1), y_val, len(cfg.classes))
    temperature, nll_before, nll_after = fit_temperature(p_val, y_val)
    print(f"ensemble of {len(member_dirs)}: val balanced acc {balanced:.3f}; temperature {temperature:.3f}: validation NLL {nll_before:.3f} -> {nll_after:.3f}", flush=True)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.keras")
    history = json.loads((member_dirs[0] / "history.json").read_text())
    history["members_best_epoch"] = [i["best_epoch"] for i in infos]
    (out / "history.json").write_text(json.dumps(history, indent=1))
    info = {**infos[0], "name": out.name, "parameters": int(model.count_params()), "val_balanced_accuracy": round(balanced, 4),
            "training": {k: v for k, v in cfg.__dict__.items() if k not in ("out", "threads")},
            "members": [{"seed": i["training"]["seed"], "best_epoch": i["best_epoch"], "train_seconds": i["train_seconds"]}
                        for i in infos],
            "calibration": {**infos[0]["calibration"], "temperature": round(temperature, 4),
                            "val_nll_before": round(nll_before, 4), "val_nll_after": round(nll_after, 4)},
            "train_seconds": round(time.time() - t0, 1)}
    (out / "model.json").write_text(json.dumps(info, indent=1))
    (out / "model.onnx").unlink(missing_ok=True)  # a stale single model's export must not be served
    for fmt, result in export(out, NO_EXPORT.get(cfg.model, ENSEMBLE_EXPORT)).items():
        print(f"export {fmt}: {result}", flush=True)
    print(f"saved the ensemble of {len(member_dirs)} in {out} ({time.time() - t0:.0f}s)", flush=True)
    return out


def _train_one(cfg: TrainConfig, verbose: int | None = None, export_graphs: bool = True) -> Path:
    tf = configure_tf(cfg.seed, cfg.threads)
    import keras

    from .models import build_model

    t0 = time.time()
    records, split, train_s, val_s, spec = prepare(cfg)
    classes = list(cfg.classes)
    missing = [c for c in classes if not any(s.label == c for s in train_s)]
    if missing:
        raise ValueError(f"no training data for class(es) {missing}")
    y_train = D.labels_to_index(train_s, classes)
    w_train = D.balance_weights(train_s, classes)
    # The rejection class ("other") has many windows (19 UTD-MHAD actions): each epoch draws only
    # other_ratio x the mean class's count of them (fresh ones every epoch), and their weights are
    # scaled so that every class, "other" included, still weighs the same in total.
    is_other = np.array([s.label == D.OTHER for s in train_s])
    n_other = int(is_other.sum())
    n_classes_seen = len({s.label for s in train_s if s.label != D.OTHER}) or 1
    other_per_epoch = n_other * cfg.repeats
    if n_other:
        other_per_epoch = min(other_per_epoch, max(1, int(round(cfg.other_ratio * (len(train_s) - n_other) / n_classes_seen * cfg.repeats))))
        w_train = w_train.copy()
        w_train[is_other] *= n_other * cfg.repeats / other_per_epoch
        expected = np.where(is_other, other_per_epoch / max(n_other, 1), cfg.repeats)
        w_train = (w_train * expected.sum() / (w_train * expected).sum()).astype(np.float32)
    y_onehot = np.eye(len(classes), dtype=np.float32)[y_train]
    x_val = D.preprocess_batch([(s.keypoints, s.fps) for s in val_s], spec)
    y_val = D.labels_to_index(val_s, classes)
    print(f"data: {len(train_s)} training windows, {len(val_s)} validation windows, {len(classes)} classes "
          f"(loaded in {time.time() - t0:.1f}s)", flush=True)

    class Batches(keras.utils.PyDataset):
        """Each epoch: the training samples ``repeats`` times, shuffled and freshly augmented, seeded per (epoch, batch)."""

        def __init__(self):
            super().__init__()
            self.epoch = 0
            self._order()

        def _order(self):
            rng = np.random.default_rng([cfg.seed, self.epoch])
            idx = np.tile(np.flatnonzero(~is_other), cfg.repeats)
            if n_other:
                pool = np.tile(np.flatnonzero(is_other), cfg.repeats)
                idx = np.concatenate([idx, rng.permutation(pool)[:other_per_epoch]])
            self.index = rng.permutation(idx)

        def __len__(self):
            return int(np.ceil(len(self.index) / cfg.batch_size))

        def __getitem__(self, i):
            idx = self.index[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            x = D.augment([train_s[j] for j in idx], spec, seed=int(np.random.default_rng([cfg.seed, self.epoch, i]).integers(2**31)),
                          stretch=cfg.stretch, limb_scale=cfg.limb_scale)
            return x, y_onehot[idx], w_train[idx]

        def on_epoch_end(self):
            self.epoch += 1
            self._order()

    model = build_model(cfg.model, len(classes), spec.length)
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
                  weighted_metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")])
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "model.keras"

    class BestByValidation(keras.callbacks.Callback):
        """Validation macro recall (balanced accuracy), ties broken by lower validation loss; saves the best, stops early."""

        def __init__(self):
            super().__init__()
            self.best, self.best_epoch, self.wait = None, -1, 0

        def on_epoch_end(self, epoch, logs=None):
            p = self.model.predict(x_val, batch_size=256, verbose=0)
            pred = p.argmax(1)
            bal = balanced_accuracy(pred, y_val, len(classes))
            loss = float(-np.log(np.clip(p[np.arange(len(y_val)), y_val], 1e-7, 1)).mean())
            logs["val_balanced_accuracy"], logs["val_loss"] = bal, loss
            logs["val_accuracy"] = float((pred == y_val).mean())
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            score = (round(bal, 6), -loss)
            if self.best is None or score > self.best:
                self.best, self.best_epoch, self.wait = score, epoch, 0
                self.model.save(ckpt)
            else:
                self.wait += 1
                if self.wait >= cfg.patience:
                    self.model.stop_training = True
            print(f"  epoch {epoch + 1}: val balanced acc {bal:.3f}, val loss {loss:.3f}"
                  f"{'  (best, saved)' if self.best_epoch == epoch else ''}", flush=True)

    best = BestByValidation()
    callbacks = [best, keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=4, min_lr=1e-5, verbose=0)]
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    hist = model.fit(Batches(), epochs=cfg.epochs, callbacks=callbacks, verbose=verbose, shuffle=False)

    # Temperature scaling on the validation side (Guo et al. 2017): one scalar T, p ~ p_model ** (1 / T),
    # chosen to minimise the validation negative log-likelihood; the service applies it.
    from .inference import load_keras

    best_model = load_keras(out)
    p_val = best_model.predict(x_val, batch_size=256, verbose=0)
    temperature, nll_before, nll_after = fit_temperature(p_val, y_val)
    print(f"temperature {temperature:.3f}: validation NLL {nll_before:.3f} -> {nll_after:.3f}", flush=True)
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    history["best_epoch"] = best.best_epoch + 1
    (out / "history.json").write_text(json.dumps(history, indent=1))
    info = {
        "name": out.name,
        "architecture": cfg.model,
        "classes": classes,
        "layout": "coco17",
        "input": {"shape": [spec.length, 17, 3], "channels": ["x", "y", "visible"],
                  "note": "normalised by har_classifier.data.preprocess (any length/fps in; resampled inside)"},
        "window": spec.model_dump(exclude={"seconds"}),
        "parameters": int(model.count_params()),
        "training": {k: v for k, v in cfg.__dict__.items() if k not in ("out", "threads")},
        "data": {"class_sources": D.class_sources(records, classes), "split": split.description,
                 "records": split.counts(), "train_windows": len(train_s), "val_windows": len(val_s)},
        **({"engine": "tf"} if cfg.model in NO_EXPORT else {}),
        "best_epoch": best.best_epoch + 1,
        "calibration": {"temperature": round(temperature, 4), "fitted_on": "validation side (negative log-likelihood)",
                        "val_nll_before": round(nll_before, 4), "val_nll_after": round(nll_after, 4),
                        **({"class_weights": {D.OTHER: cfg.other_weight}} if cfg.other_weight != 1.0 and D.OTHER in classes else {})},
        "train_seconds": round(time.time() - t0, 1),
    }
    (out / "model.json").write_text(json.dumps(info, indent=1))
    # The shipped file keeps the weights only (no optimizer state): a third of the size.
    best_model.save(ckpt)
    from .inference import export

    # resnet3d: TFLite's and ONNX Runtime's Conv3D measured 2-8x slower than tf.function at every batch size
    # (docs/classifier.md), so it ships the Keras weights only and pins the tf engine.
    for fmt, result in export(out, NO_EXPORT.get(cfg.model, ("tflite", "onnx")) if export_graphs else ()).items():
        print(f"export {fmt}: {result}", flush=True)
    print(f"best epoch {best.best_epoch + 1} (val balanced acc {best.best[0]:.3f}); saved {ckpt} "
          f"in {time.time() - t0:.0f}s", flush=True)
    return out


def balanced_accuracy(pred: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y`` (the checkpoint metric)."""
    return float(np.mean([(pred[y == k] == k).mean() for k in range(n_classes) if (y == k).any()]))


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """The temperature minimising the NLL of ``probs ** (1 / T)`` (renormalised) on labels ``y``: ``(T, nll at 1, nll at T)``."""
    from .inference import apply_temperature

    def nll(t: float) -> float:
        q = apply_temperature(probs, t)
        return float(-np.log(np.clip(q[np.arange(len(y)), y], 1e-12, 1)).mean())

    grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    scores = [nll(t) for t in grid]
    t = float(grid[int(np.argmin(scores))])
    return t, nll(1.0), nll(t)


def config_from_args(args) -> TrainConfig:
    cfg = TrainConfig()
    for k in ("model", "utd", "lzq", "protocol", "fold", "n_folds", "val", "epochs", "patience", "batch_size",
              "learning_rate", "repeats", "seed", "limit", "threads", "label_smoothing", "other_ratio", "stretch", "val_subject",
              "other_weight", "members", "limb_scale", "yaws", "utd_views"):
        v = getattr(args, k, None)
        if v is not None:
            setattr(cfg, k, v)
    cfg.datasets = list(args.dataset or [])
    if args.classes:
        cfg.classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    cfg.out = args.out or f"services/classifier/models/{cfg.model}"
    window = WindowSpec(**{**WindowSpec().model_dump(exclude={"seconds"}), **({"length": args.window} if args.window else {}),
                             **({"fps": args.fps} if args.fps else {}),
                             **({"stride": args.stride} if getattr(args, "stride", None) else {})})
    cfg.window = window.model_dump(exclude={"seconds"})
    return cfg


def main_train(args) -> int:
    cfg = config_from_args(args)
    train(cfg)
    return 0


