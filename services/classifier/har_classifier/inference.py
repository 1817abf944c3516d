"""Loading trained model folders and running them fast: the ML core of the service (no FastAPI here).

A model folder holds ``model.json`` (classes, window, layout), ``model.keras`` (weights) and,
once exported, ``model.tflite``. :class:`ModelRunner` answers with probabilities for windows that
:func:`har_classifier.data.preprocess` made. Two engines, measured in ``benchmarks/classifier_bench.py``:

- ``tflite``: the exported flat graph through ``tf.lite.Interpreter`` (XNNPACK), one interpreter per
  batch size bucket; lowest per-call overhead, used by default when ``model.tflite`` exists;
- ``tf``: the Keras model called through a ``tf.function`` with a fixed input signature (no
  ``predict`` overhead).
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from . import data as D

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _tf():
    import tensorflow as tf

    return tf


def load_keras(model_dir: str | Path):
    import keras

    from . import models  # noqa: F401  (registers the custom layers)

    return keras.saving.load_model(Path(model_dir) / "model.keras", compile=False)


def export_tflite(model_dir: str | Path) -> Path:
    """Write ``model.tflite`` next to ``model.keras`` (float32, dynamic batch)."""
    tf = _tf()
    model_dir = Path(model_dir)
    info = json.loads((model_dir / "model.json").read_text())
    model = load_keras(model_dir)
    length = int(info["window"]["length"])
    fn = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, length, 17, 3], tf.float32)])
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    # Frozen first: otherwise the converter may keep some weights as resource variables that the
    # interpreter reads uninitialised (NaN outputs).
    frozen = convert_variables_to_constants_v2(fn.get_concrete_function())
    blob = tf.lite.TFLiteConverter.from_concrete_functions([frozen]).convert()
    path = model_dir / "model.tflite"
    path.write_bytes(blob)
    return path


@dataclass
class ModelRunner:
    """One loaded model. :meth:`predict` takes preprocessed windows ``(N, T, 17, 3)`` and returns ``(N, classes)``."""

    model_dir: Path
    engine: str = "auto"
    threads: int = 2
    info: dict = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self):
        self.model_dir = Path(self.model_dir)
        self.info = json.loads((self.model_dir / "model.json").read_text())
        self.name = self.info.get("name", self.model_dir.name)
        self.classes: list[str] = list(self.info["classes"])
        self.spec = D.WindowSpec.from_dict(self.info["window"])
        report = self.model_dir / "report" / "metrics.json"
        self.metrics: dict = json.loads(report.read_text()) if report.is_file() else {}
        # auto: TFLite (lowest per-call overhead) for small batches where exported, tf.function for large ones
        # (measured: see docs/classifier.md); a model folder can pin one with "engine" in model.json.
        pinned = self.info.get("engine")
        if self.engine == "auto" and pinned:
            self.engine = pinned
        has_tflite = (self.model_dir / "model.tflite").is_file()
        self._small_tflite = None
        if self.engine == "auto":
            self.engine = "tf"
            if has_tflite:
                self._small_tflite = ModelRunner(self.model_dir, engine="tflite", threads=self.threads)
        if self.engine == "tflite":
            tf = _tf()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
                self._blob = (self.model_dir / "model.tflite").read_bytes()
                self._interpreters: dict[int, object] = {}
                self._Interpreter = tf.lite.Interpreter
        elif self.engine == "tf":
            tf = _tf()
            model = load_keras(self.model_dir)
            self._fn = tf.function(lambda x: model(x, training=False),
                                   input_signature=[tf.TensorSpec([None, self.spec.length, 17, 3], tf.float32)])
        else:
            raise ValueError(f"unknown engine {self.engine!r} (auto, tflite or tf)")

    # -- engines ----------------------------------------------------------------------------------

    def _interpreter(self, n: int):
        it = self._interpreters.get(n)
        if it is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                it = self._Interpreter(model_content=self._blob, num_threads=self.threads)
            inp = it.get_input_details()[0]
            it.resize_tensor_input(inp["index"], [n, self.spec.length, 17, 3])
            it.allocate_tensors()
            self._interpreters[n] = (it, inp["index"], it.get_output_details()[0]["index"])
            it = self._interpreters[n]
        return it

    def predict(self, windows: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(windows, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != (self.spec.length, 17, 3):
            raise ValueError(f"expected windows (N, {self.spec.length}, 17, 3), got {x.shape}")
        if len(x) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        if self._small_tflite is not None and len(x) <= 8:
            return self._small_tflite.predict(x)
        with self._lock:
            if self.engine == "tf":
                return self._fn(x).numpy()
            # Fixed-size interpreters (1, 8, 64): a batch is cut into chunks of those sizes, the last padded.
            out = []
            i = 0
            while i < len(x):
                rest = len(x) - i
                size = 64 if rest > 8 else (8 if rest > 1 else 1)
                chunk = x[i:i + size]
                if len(chunk) < size:
                    chunk = np.concatenate([chunk, np.zeros((size - len(chunk), *chunk.shape[1:]), np.float32)])
                it, i_in, i_out = self._interpreter(size)
                it.set_tensor(i_in, chunk)
                it.invoke()
                out.append(it.get_tensor(i_out)[: min(size, rest)].copy())
                i += size
            return np.concatenate(out)

    def classify(self, sequences: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
        """Raw sequences ``[(keypoints (T, 17, 3) pixels, fps), ...]`` -> probabilities ``(N, classes)``."""
        return self.predict(D.preprocess_batch(sequences, self.spec))

    def warm_up(self) -> float:
        t = time.perf_counter()
        for n in (1, 8, 64):
            self.predict(np.zeros((n, self.spec.length, 17, 3), np.float32))
        return time.perf_counter() - t

    def describe(self) -> dict:
        m = self.metrics
        return {
            "name": self.name,
            "architecture": self.info.get("architecture"),
            "classes": self.classes,
            "layout": self.info.get("layout", "coco17"),
            "window": {"length": self.spec.length, "fps": self.spec.fps, "stride": self.spec.stride,
                       "seconds": round(self.spec.seconds, 3)},
            "engine": self.engine + ("+tflite (batches <= 8)" if self._small_tflite is not None else ""),
            "parameters": self.info.get("parameters"),
            "metrics": {k: m[k] for k in ("protocol", "accuracy", "macro_f1", "utd_mhad_accuracy", "utd_classes_accuracy", "test_windows") if k in m},
        }


def discover(models_dir: str | Path) -> list[Path]:
    """Model folders (with ``model.json``) under ``models_dir``, sorted by name."""
    root = Path(models_dir)
    return sorted(p.parent for p in root.glob("*/model.json")) if root.is_dir() else []
