"""Exporting a trained model folder's serving graphs, and choosing its serving engine by measurement.

:func:`export` writes ``model.tflite`` and/or ``model.onnx`` next to ``model.keras``, then
:func:`choose_engine` times every engine the folder now has (windows per second at batch 1 and
batch 32, on this machine's CPU with the service's thread count) and writes the decision into
``model.json``: ``"engine"`` and ``"engine_choice"`` (the figures and the rule). The service loads
that one engine only. The rule: among the exported graphs (TensorFlow is never imported to serve a
folder that has one), the highest geometric mean of the two rates; ``tf`` only for a folder without
an exported graph (``resnet3d``: its Conv3D measured slower in both exports).
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .engines import available_engines, load_engine, load_keras

BATCHES = (1, 32)
RULE = (
    "highest geometric mean of windows/s at batch 1 and batch 32 among the exported graphs (tflite, onnx); "
    "tf only without an exported graph"
)


def _serving_function(model_dir: Path):
    import tensorflow as tf

    info = json.loads((model_dir / "model.json").read_text())
    model = load_keras(model_dir)
    spec = [tf.TensorSpec([None, int(info["window"]["length"]), 17, 3], tf.float32, name="keypoints")]
    return tf.function(lambda x: model(x, training=False), input_signature=spec), spec


def export_tflite(model_dir: str | Path) -> Path:
    """Write ``model.tflite`` next to ``model.keras`` (float32, dynamic batch)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    model_dir = Path(model_dir)
    fn, _ = _serving_function(model_dir)
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


def _windows(n: int, length: int) -> np.ndarray:
    x = np.random.default_rng(0).normal(0, 1, (n, length, 17, 3)).astype(np.float32)
    x[..., 2] = 1.0
    return x


def _rate(engine, x: np.ndarray, seconds: float) -> float:
    engine(x)
    calls, t0 = 0, time.perf_counter()
    while calls < 3 or (time.perf_counter() - t0 < seconds and calls < 2000):
        engine(x)
        calls += 1
    return calls * len(x) / (time.perf_counter() - t0)


def measure_engines(
    model_dir: str | Path, threads: int = 2, seconds: float = 0.4, rounds: int = 3
) -> dict[str, dict[str, float]]:
    """Windows per second of every available engine at each of :data:`BATCHES`: the best of ``rounds`` timings of
    ``seconds`` each, the engines taking turns (so a burst of load elsewhere does not favour one)."""
    model_dir = Path(model_dir)
    length = int(json.loads((model_dir / "model.json").read_text())["window"]["length"])
    engines = {name: load_engine(name, model_dir, length, threads) for name in available_engines(model_dir)}
    batches = {n: _windows(n, length) for n in BATCHES}
    best: dict[str, dict[str, float]] = {name: {} for name in engines}
    for _ in range(rounds):
        for name, engine in engines.items():
            for n, x in batches.items():
                best[name][str(n)] = max(best[name].get(str(n), 0.0), _rate(engine, x, seconds))
    return {name: {n: round(v, 1) for n, v in rates.items()} for name, rates in best.items()}


def pick_engine(rates: dict[str, dict[str, float]]) -> str:
    """The engine :data:`RULE` picks from :func:`measure_engines`' figures."""
    candidates = [e for e in rates if e != "tf"] or list(rates)
    if not candidates:
        raise ValueError("no engine to choose from")
    return max(candidates, key=lambda e: float(np.sqrt(np.prod([rates[e][str(n)] for n in BATCHES]))))


def choose_engine(model_dir: str | Path, threads: int = 2) -> dict:
    """Measure the folder's engines and record the choice in its ``model.json``; returns ``engine_choice``."""
    model_dir = Path(model_dir)
    rates = measure_engines(model_dir, threads)
    choice = {
        "rule": RULE,
        "threads": threads,
        "cpu_cores": os.cpu_count(),
        "windows_per_second": rates,
        "batches": list(BATCHES),
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = model_dir / "model.json"
    info = json.loads(path.read_text())
    info["engine"] = pick_engine(rates)
    info["engine_choice"] = choice
    path.write_text(json.dumps(info, indent=1))
    return {"engine": info["engine"], **choice}


def export(
    model_dir: str | Path, formats: Sequence[str] = ("tflite", "onnx"), measure: bool = True, threads: int = 2
) -> dict[str, str]:
    """Export the serving graphs, then (``measure``) choose the serving engine. A format that fails is reported,
    not raised (the engine is chosen among the others)."""
    done = {}
    for fmt in formats:
        try:
            done[fmt] = str({"tflite": export_tflite, "onnx": export_onnx}[fmt](model_dir))
        except Exception as exc:  # noqa: BLE001
            done[fmt] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            (Path(model_dir) / f"model.{fmt}").unlink(missing_ok=True)
    if measure:
        choice = choose_engine(model_dir, threads)
        done["engine"] = (
            f"{choice['engine']} (windows/s at batch {', '.join(map(str, BATCHES))}: "
            + "; ".join(f"{e} {', '.join(f'{v:.0f}' for v in r.values())}" for e, r in choice["windows_per_second"].items())
            + ")"
        )
    return done
