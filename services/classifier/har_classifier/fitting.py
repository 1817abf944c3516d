"""The Keras side of training: seeding, the epoch's batches (class-balanced, freshly augmented) and the
checkpoint callback. Imports TensorFlow/Keras; :mod:`har_classifier.train` imports it when it trains.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras

from .options import TrainOptions
from .preprocessing import augment
from .sources import OTHER
from .windows import Sample, balance_weights, labels_to_index


def configure_tf(seed: int, threads: int = 2):
    """Seeds every generator and turns on op determinism; returns the tensorflow module."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already initialised in this process
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf


def balanced_accuracy(pred: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y`` (the checkpoint metric)."""
    return float(np.mean([(pred[y == k] == k).mean() for k in range(n_classes) if (y == k).any()]))


@dataclass
class EpochPlan:
    """Which windows an epoch draws and how much each weighs. The rejection class (``other``) has many windows
    (19 UTD-MHAD actions): each epoch draws only ``other_ratio`` x the mean class's count of them (fresh ones
    every epoch), and their weights are scaled so that every class, ``other`` included, still weighs the same."""

    is_other: np.ndarray
    other_per_epoch: int
    weights: np.ndarray

    @classmethod
    def of(cls, samples: Sequence[Sample], classes: Sequence[str], repeats: int, other_ratio: float) -> EpochPlan:
        w = balance_weights(samples, classes)
        is_other = np.array([s.label == OTHER for s in samples])
        n_other = int(is_other.sum())
        n_classes_seen = len({s.label for s in samples if s.label != OTHER}) or 1
        per_epoch = n_other * repeats
        if n_other:
            per_epoch = min(per_epoch, max(1, int(round(other_ratio * (len(samples) - n_other) / n_classes_seen * repeats))))
            w = w.copy()
            w[is_other] *= n_other * repeats / per_epoch
            expected = np.where(is_other, per_epoch / max(n_other, 1), repeats)
            w = (w * expected.sum() / (w * expected).sum()).astype(np.float32)
        return cls(is_other, per_epoch, w)

    def order(self, seed: int, epoch: int, repeats: int) -> np.ndarray:
        rng = np.random.default_rng([seed, epoch])
        idx = np.tile(np.flatnonzero(~self.is_other), repeats)
        if self.is_other.any():
            pool = np.tile(np.flatnonzero(self.is_other), repeats)
            idx = np.concatenate([idx, rng.permutation(pool)[: self.other_per_epoch]])
        return rng.permutation(idx)


class EpochBatches(keras.utils.PyDataset):
    """Each epoch: the training samples ``repeats`` times, shuffled and freshly augmented, seeded per (epoch, batch)."""

    def __init__(self, samples: Sequence[Sample], opts: TrainOptions):
        super().__init__()
        self.samples, self.opts = samples, opts
        self.plan = EpochPlan.of(samples, opts.classes, opts.repeats, opts.other_ratio)
        self.onehot = np.eye(len(opts.classes), dtype=np.float32)[labels_to_index(samples, opts.classes)]
        self.epoch = 0
        self.index = self.plan.order(opts.seed, self.epoch, opts.repeats)

    def __len__(self):
        return int(np.ceil(len(self.index) / self.opts.batch_size))

    def __getitem__(self, i):
        o = self.opts
        idx = self.index[i * o.batch_size : (i + 1) * o.batch_size]
        seed = int(np.random.default_rng([o.seed, self.epoch, i]).integers(2**31))
        x = augment(
            [(self.samples[j].keypoints, self.samples[j].fps) for j in idx],
            o.window,
            seed=seed,
            stretch=o.stretch,
            limb_scale=o.limb_scale,
            estimator_noise=o.estimator_noise,
            synthetic=[self.samples[j].synthetic for j in idx],
        )
        return x, self.onehot[idx], self.plan.weights[idx]

    def on_epoch_end(self):
        self.epoch += 1
        self.index = self.plan.order(self.opts.seed, self.epoch, self.opts.repeats)


class BestByValidation(keras.callbacks.Callback):
    """Validation macro recall (balanced accuracy), ties broken by lower validation loss; saves the best to
    ``checkpoint``, stops after ``patience`` epochs without a better one."""

    def __init__(self, x_val: np.ndarray, y_val: np.ndarray, n_classes: int, checkpoint: Path, patience: int):
        super().__init__()
        self.x_val, self.y_val, self.n_classes, self.checkpoint, self.patience = x_val, y_val, n_classes, checkpoint, patience
        self.best, self.best_epoch, self.wait = None, -1, 0

    def on_epoch_end(self, epoch, logs=None):
        y = self.y_val
        p = self.model.predict(self.x_val, batch_size=256, verbose=0)
        pred = p.argmax(1)
        bal = balanced_accuracy(pred, y, self.n_classes)
        loss = float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1)).mean())
        logs["val_balanced_accuracy"], logs["val_loss"] = bal, loss
        logs["val_accuracy"] = float((pred == y).mean())
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        score = (round(bal, 6), -loss)
        if self.best is None or score > self.best:
            self.best, self.best_epoch, self.wait = score, epoch, 0
            self.model.save(self.checkpoint)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.model.stop_training = True
        print(
            f"  epoch {epoch + 1}: val balanced acc {bal:.3f}, val loss {loss:.3f}"
            f"{'  (best, saved)' if self.best_epoch == epoch else ''}",
            flush=True,
        )


def fit(
    model, samples: Sequence[Sample], x_val: np.ndarray, y_val: np.ndarray, opts: TrainOptions, checkpoint: Path, verbose: int
) -> tuple[dict, int]:
    """Compile and fit ``model``; the best epoch's weights are in ``checkpoint``. ``(history, best epoch, 1-based)``."""
    model.compile(
        optimizer=keras.optimizers.Adam(opts.learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=opts.label_smoothing),
        weighted_metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    best = BestByValidation(x_val, y_val, len(opts.classes), checkpoint, opts.patience)
    callbacks = [best, keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=4, min_lr=1e-5, verbose=0)]
    hist = model.fit(EpochBatches(samples, opts), epochs=opts.epochs, callbacks=callbacks, verbose=verbose, shuffle=False)
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    history["best_epoch"] = best.best_epoch + 1
    print(f"best epoch {best.best_epoch + 1} (val balanced acc {best.best[0]:.3f})", flush=True)
    return history, best.best_epoch + 1
