"""The three inference engines a model folder can be served with; each loads only what it needs.

- ``tflite``: ``model.tflite`` through the LiteRT interpreter (``ai_edge_litert``; TensorFlow's own
  ``tf.lite.Interpreter`` only when LiteRT is not installed), XNNPACK, one interpreter per batch
  size bucket (1, 8, 64; a batch is cut into those, the last chunk padded);
- ``onnx``: ``model.onnx`` through onnxruntime (any batch size in one call);
- ``tf``: ``model.keras`` called through a ``tf.function`` with a fixed input signature (imports TensorFlow).

Which one serves a model is decided when it is exported (:mod:`har_classifier.export`) and written
into its ``model.json``; :func:`default_engine` reads that.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ENGINES = ("tflite", "onnx", "tf")
FILES = {"tflite": "model.tflite", "onnx": "model.onnx", "tf": "model.keras"}
BUCKETS = (1, 8, 64)  # the TFLite engine's batch sizes


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # LiteRT missing: TensorFlow's bundled interpreter (imports TensorFlow)
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    return Interpreter


def load_keras(model_dir: str | Path):
    """The model folder's Keras model (imports TensorFlow and registers the custom layers)."""
    import keras

    from . import models  # noqa: F401  (registers the custom layers)

    return keras.saving.load_model(Path(model_dir) / "model.keras", compile=False)


class TFLiteEngine:
    name = "tflite"

    def __init__(self, model_dir: Path, length: int, threads: int, interpreter_class=None):
        self.length, self.threads = length, threads
        self._blob = (Path(model_dir) / FILES["tflite"]).read_bytes()
        self._Interpreter = interpreter_class or _interpreter_class()
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
            size = BUCKETS[2] if rest > BUCKETS[1] else (BUCKETS[1] if rest > 1 else 1)
            chunk = x[i : i + size]
            if len(chunk) < size:
                chunk = np.concatenate([chunk, np.zeros((size - len(chunk), *chunk.shape[1:]), np.float32)])
            interp, i_in, i_out = self._interpreter(size)
            interp.set_tensor(i_in, chunk)
            interp.invoke()
            out.append(interp.get_tensor(i_out)[: min(size, rest)].copy())
            i += size
        return np.concatenate(out)


class OnnxEngine:
    name = "onnx"

    def __init__(self, model_dir: Path, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(str(Path(model_dir) / FILES["onnx"]), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: x})[0]


class TFEngine:
    name = "tf"

    def __init__(self, model_dir: Path, length: int):
        import tensorflow as tf

        model = load_keras(model_dir)
        self._fn = tf.function(
            lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, length, 17, 3], tf.float32)]
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._fn(x).numpy()


def _onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def available_engines(model_dir: str | Path) -> list[str]:
    """The engines whose file is in the folder (``onnx`` also needs onnxruntime installed), in :data:`ENGINES` order."""
    model_dir = Path(model_dir)
    out = [e for e in ENGINES if (model_dir / FILES[e]).is_file()]
    return [e for e in out if e != "onnx" or _onnxruntime_available()]


def default_engine(model_dir: str | Path, info: dict | None = None) -> str:
    """The engine a model folder is served with: ``engine`` in its ``model.json`` (decided at export), else the
    first available of tflite, onnx, tf (a folder exported before the decision was recorded)."""
    model_dir = Path(model_dir)
    info = info if info is not None else json.loads((model_dir / "model.json").read_text())
    if info.get("engine"):
        return str(info["engine"])
    available = available_engines(model_dir)
    if not available:
        raise FileNotFoundError(f"{model_dir}: no model.tflite, model.onnx or model.keras to serve")
    return available[0]


def load_engine(name: str, model_dir: str | Path, length: int, threads: int = 2):
    """One engine of a model folder, ready to call on windows ``(N, length, 17, 3)``."""
    model_dir = Path(model_dir)
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} (auto, {', '.join(ENGINES)})")
    if not (model_dir / FILES[name]).is_file():
        raise FileNotFoundError(f"{model_dir}: engine {name!r} needs {FILES[name]}, which is not there (har-classifier export)")
    if name == "tflite":
        return TFLiteEngine(model_dir, length, threads)
    if name == "onnx":
        return OnnxEngine(model_dir, threads)
    return TFEngine(model_dir, length)
