"""Loading trained model folders and running them fast: the ML core of the service (no FastAPI here).

A model folder holds ``model.json`` (classes, window, layout, temperature, class weights), ``model.keras``
(weights) and, once exported (:func:`export`), ``model.tflite`` and ``model.onnx``.
:class:`ModelRunner` answers with probabilities for windows that :func:`har_classifier.data.preprocess_batch`
made. Three engines, measured in ``benchmarks/classifier_bench.py``:

- ``tflite``: the exported flat graph through ``tf.lite.Interpreter`` (XNNPACK), one interpreter per
  batch size bucket (1, 8, 64; a batch is cut into those, the last chunk padded);
- ``onnx``: the ONNX export through onnxruntime (any batch size in one call);
- ``tf``: the Keras model called through a ``tf.function`` with a fixed input signature.

``auto`` (the default) times every available engine on a batch of 1 and a batch of 64 while warming
up, and then uses the fastest for small batches (up to 8 windows) and the fastest for larger ones;
``describe()`` says which. A model folder can pin one engine with ``"engine"`` in ``model.json``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
from har_common.schemas import ModelDescription, ModelMetrics, WindowSpec

from . import data as D

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ENGINES = ("tflite", "onnx", "tf")
SMALL = 8  # batches up to this size use the "small" engine


def _tf():
    import tensorflow as tf

    return tf


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax probabilities rescaled as if their logits were divided by ``temperature`` (``probs ** (1/T)``, renormalised)."""
    p = np.asarray(probs, np.float64)
    if abs(temperature - 1.0) < 1e-9 or p.size == 0:
        return p.astype(np.float32)
    logp = np.log(np.clip(p, 1e-30, 1.0)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    q = np.exp(logp)
    return (q / q.sum(axis=-1, keepdims=True)).astype(np.float32)


def reweight(probs: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Probabilities with class priors changed: each class's multiplied by its weight, renormalised (the same as
    adding ``log(weight)`` to its logit). The shipped default weighs its rejection class ``other`` down this way."""
    if weights is None or np.allclose(weights, 1.0) or np.size(probs) == 0:
        return np.asarray(probs, np.float32)
    q = np.asarray(probs, np.float64) * np.asarray(weights, np.float64)
    return (q / q.sum(axis=-1, keepdims=True)).astype(np.float32)


def load_keras(model_dir: str | Path):
    import keras

    from . import models  # noqa: F401  (registers the custom layers)

    return keras.saving.load_model(Path(model_dir) / "model.keras", compile=False)


def _serving_function(model_dir: Path):
    tf = _tf()
    info = json.loads((model_dir / "model.json").read_text())
    model = load_keras(model_dir)
    spec = [tf.TensorSpec([None, int(info["window"]["length"]), 17, 3], tf.float32, name="keypoints")]
    return tf.function(lambda x: model(x, training=False), input_signature=spec), spec


def export_tflite(model_dir: str | Path) -> Path:
    """Write ``model.tflite`` next to ``model.keras`` (float32, dynamic batch)."""
    tf = _tf()
    model_dir = Path(model_dir)
    fn, _ = _serving_function(model_dir)
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    # Frozen first: otherwise the converter may keep some weights as resource variables that the
    # interpreter reads uninitialised (NaN outputs).
    frozen = convert_variables_to_constants_v2(fn.get_concrete_function())
    blob = tf.lite.TFLiteConverter.from_concrete_functions([frozen]).convert()
    path = model_dir / "model.tflite"
    path.write_bytes(blob)
    return path


def export_onnx(model_dir: str | Path, opset: int = 17) -> Path:
    """Write ``model.onnx`` next to ``model.keras`` (tf2onnx, dynamic batch)."""
    import tf2onnx

    model_dir = Path(model_dir)
    fn, spec = _serving_function(model_dir)
    path = model_dir / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf2onnx.convert.from_function(fn, input_signature=spec, opset=opset, output_path=str(path))
    return path


def export(model_dir: str | Path, formats: Sequence[str] = ("tflite", "onnx")) -> dict[str, str]:
    """Export the serving graphs; a format that fails is reported, not raised (the service uses another engine)."""
    done = {}
    for fmt in formats:
        try:
            done[fmt] = str({"tflite": export_tflite, "onnx": export_onnx}[fmt](model_dir))
        except Exception as exc:  # noqa: BLE001
            done[fmt] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    return done


class _TFLiteEngine:
    def __init__(self, model_dir: Path, length: int, threads: int):
        tf = _tf()
        self.length, self.threads = length, threads
        self._blob = (model_dir / "model.tflite").read_bytes()
        self._Interpreter = tf.lite.Interpreter
        self._interpreters: dict[int, tuple] = {}

    def _interpreter(self, n: int):
        it = self._interpreters.get(n)
        if it is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
                interp = self._Interpreter(model_content=self._blob, num_threads=self.threads)
            inp = interp.get_input_details()[0]
            interp.resize_tensor_input(inp["index"], [n, self.length, 17, 3])
            interp.allocate_tensors()
            it = self._interpreters[n] = (interp, inp["index"], interp.get_output_details()[0]["index"])
        return it

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out, i = [], 0
        while i < len(x):
            rest = len(x) - i
            size = 64 if rest > 8 else (8 if rest > 1 else 1)
            chunk = x[i:i + size]
            if len(chunk) < size:
                chunk = np.concatenate([chunk, np.zeros((size - len(chunk), *chunk.shape[1:]), np.float32)])
            interp, i_in, i_out = self._interpreter(size)
            interp.set_tensor(i_in, chunk)
            interp.invoke()
            out.append(interp.get_tensor(i_out)[: min(size, rest)].copy())
            i += size
        return np.concatenate(out)


class _OnnxEngine:
    def __init__(self, model_dir: Path, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(str(model_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: x})[0]


class _TFEngine:
    def __init__(self, model_dir: Path, length: int):
        tf = _tf()
        model = load_keras(model_dir)
        self._fn = tf.function(lambda x: model(x, training=False),
                               input_signature=[tf.TensorSpec([None, length, 17, 3], tf.float32)])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._fn(x).numpy()


def _onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class ModelRunner:
    """One loaded model. :meth:`predict` takes preprocessed windows ``(N, T, 17, 3)`` and returns ``(N, classes)``
    (the model's own probabilities); :meth:`classify` takes raw sequences and returns calibrated ones."""

    def __init__(self, model_dir: str | Path, engine: str = "auto", threads: int = 2):
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.info = json.loads((self.model_dir / "model.json").read_text())
        self.name = self.info.get("name", self.model_dir.name)
        self.classes: list[str] = list(self.info["classes"])
        self.spec = WindowSpec.model_validate(self.info["window"])
        report = self.model_dir / "report" / "metrics.json"
        self.metrics: dict = json.loads(report.read_text()) if report.is_file() else {}
        calibration = self.info.get("calibration", {})
        self.temperature = float(calibration.get("temperature", 1.0))
        self.class_weights = {c: float(w) for c, w in calibration.get("class_weights", {}).items()}
        unknown = set(self.class_weights) - set(self.classes)
        if unknown:
            raise ValueError(f"{self.model_dir / 'model.json'}: class_weights name unknown classes {sorted(unknown)}")
        self._weights = (np.array([self.class_weights.get(c, 1.0) for c in self.classes]) if self.class_weights else None)
        self._lock = threading.Lock()
        if engine == "auto" and self.info.get("engine"):
            engine = self.info["engine"]
        if engine not in (*ENGINES, "auto"):
            raise ValueError(f"unknown engine {engine!r} (auto, {', '.join(ENGINES)})")
        names = self.available_engines(self.model_dir) if engine == "auto" else [engine]
        self._engines = {n: self._load(n) for n in names}
        self.small_engine = self.large_engine = names[0]
        self.timings: dict[str, dict[int, float]] = {}
        self.engine = engine

    @staticmethod
    def available_engines(model_dir: str | Path) -> list[str]:
        model_dir = Path(model_dir)
        out = []
        if (model_dir / "model.tflite").is_file():
            out.append("tflite")
        if (model_dir / "model.onnx").is_file() and _onnxruntime_available():
            out.append("onnx")
        return out + ["tf"]

    def _load(self, name: str):
        if name == "tflite":
            return _TFLiteEngine(self.model_dir, self.spec.length, self.threads)
        if name == "onnx":
            return _OnnxEngine(self.model_dir, self.threads)
        return _TFEngine(self.model_dir, self.spec.length)

    def predict(self, windows: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(windows, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != (self.spec.length, 17, 3):
            raise ValueError(f"expected windows (N, {self.spec.length}, 17, 3), got {x.shape}")
        if len(x) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        engine = self._engines[self.small_engine if len(x) <= SMALL else self.large_engine]
        with self._lock:
            return engine(x)

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        """The model's own probabilities -> the served ones: the temperature, then the class weights (``model.json``)."""
        return reweight(apply_temperature(probs, self.temperature), self._weights)

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of preprocessed windows (:meth:`predict`, then :meth:`calibrate`)."""
        return self.calibrate(self.predict(windows))

    def classify(self, sequences: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
        """Raw sequences ``[(keypoints (T, 17, 3) pixels, fps), ...]`` -> calibrated probabilities ``(N, classes)``."""
        return self.probabilities(D.preprocess_batch(sequences, self.spec))

    def warm_up(self, seconds_per_test: float = 0.25) -> float:
        """Run every engine on each batch size bucket; with several engines, time them and keep the fastest ones."""
        t0 = time.perf_counter()
        rng = np.random.default_rng(0)
        batches = {n: rng.normal(0, 1, (n, self.spec.length, 17, 3)).astype(np.float32) for n in (1, 8, 64)}
        for x in batches.values():
            x[..., 2] = 1.0
        for name, engine in self._engines.items():
            for x in batches.values():
                engine(x)
        if len(self._engines) > 1:
            for name, engine in self._engines.items():
                self.timings[name] = {}
                for n in (1, 64):
                    calls, t = 0, time.perf_counter()
                    while calls < 3 or (time.perf_counter() - t < seconds_per_test and calls < 200):
                        engine(batches[n])
                        calls += 1
                    self.timings[name][n] = (time.perf_counter() - t) / calls
            self.small_engine = min(self.timings, key=lambda e: self.timings[e][1])
            self.large_engine = min(self.timings, key=lambda e: self.timings[e][64])
            self._engines = {n: e for n, e in self._engines.items() if n in (self.small_engine, self.large_engine)}
        return time.perf_counter() - t0

    def engine_description(self) -> str:
        if self.small_engine == self.large_engine:
            return self.small_engine
        return f"{self.small_engine} (batches <= {SMALL}), {self.large_engine} (larger)"

    def describe(self) -> ModelDescription:
        return ModelDescription(
            name=self.name, architecture=self.info.get("architecture"), classes=self.classes,
            layout=self.info.get("layout", "coco17"), window=self.spec, engine=self.engine_description(),
            parameters=self.info.get("parameters"), temperature=self.temperature,
            metrics={k: v for k, v in self.metrics.items() if k in ModelMetrics.model_fields},
        )


def discover(models_dir: str | Path) -> list[Path]:
    """Model folders (with ``model.json``) under ``models_dir``, sorted by name."""
    root = Path(models_dir)
    return sorted(p.parent for p in root.glob("*/model.json")) if root.is_dir() else []
