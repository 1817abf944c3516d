"""Loading a trained model folder and running it: the ML core of the service (no FastAPI here).

A model folder holds ``model.json`` (classes, window, layout, calibration, the serving engine),
``model.keras`` (weights) and, once exported (:mod:`har_classifier.export`), ``model.tflite`` and/or
``model.onnx``. :class:`ModelRunner` loads the one engine ``model.json`` names (decided by
measurement at export; ``HAR_CLASSIFIER_ENGINE`` may force another) and answers with probabilities
for windows that :func:`har_classifier.preprocessing.preprocess_batch` made. Serving a folder with an
exported graph never imports TensorFlow.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from har_common.schemas import ModelDescription, ModelMetrics, WindowSpec

from .calibration import apply_temperature, reweight, weight_vector
from .engines import BUCKETS, ENGINES, FILES, available_engines, default_engine, load_engine, load_keras
from .licences import training_data
from .preprocessing import preprocess_batch
from .stillness import StillnessGate, window_motion

__all__ = ["ENGINES", "ModelRunner", "apply_temperature", "discover", "load_keras", "reweight"]


class ModelRunner:
    """One loaded model. :meth:`predict` takes preprocessed windows ``(N, T, 17, 3)`` and returns ``(N, classes)``
    (the model's own probabilities); :meth:`classify` takes raw sequences and returns calibrated ones.
    ``engine``: ``auto`` (the one ``model.json`` names) or one of :data:`ENGINES`."""

    def __init__(self, model_dir: str | Path, engine: str = "auto", threads: int = 2):
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.info = json.loads((self.model_dir / "model.json").read_text())
        self.name = self.info.get("name", self.model_dir.name)
        self.classes: list[str] = list(self.info["classes"])
        self.spec = WindowSpec.model_validate(self.info["window"])
        report = self.model_dir / "report" / "metrics.json"
        self.metrics: dict = json.loads(report.read_text()) if report.is_file() else {}
        self._load_calibration()
        if engine not in (*ENGINES, "auto"):
            raise ValueError(f"unknown engine {engine!r} (auto, {', '.join(ENGINES)})")
        self.engine = default_engine(self.model_dir, self.info) if engine == "auto" else engine
        self._engine = load_engine(self.engine, self.model_dir, self.spec.length, threads)
        self._lock = threading.Lock()

    def _load_calibration(self) -> None:
        calibration = self.info.get("calibration", {})
        self.temperature = float(calibration.get("temperature", 1.0))
        self.class_weights = {c: float(w) for c, w in calibration.get("class_weights", {}).items()}
        unknown = set(self.class_weights) - set(self.classes)
        if unknown:
            raise ValueError(f"{self.model_dir / 'model.json'}: class_weights name unknown classes {sorted(unknown)}")
        self._weights = weight_vector(self.class_weights, self.classes)
        still = calibration.get("stillness")
        self.stillness = (
            StillnessGate(still["threshold"], self.classes, still["postures"], still.get("width", 0.0)) if still else None
        )

    @staticmethod
    def available_engines(model_dir: str | Path) -> list[str]:
        return available_engines(model_dir)

    def predict(self, windows: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(windows, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != (self.spec.length, 17, 3):
            raise ValueError(f"expected windows (N, {self.spec.length}, 17, 3), got {x.shape}")
        if len(x) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        with self._lock:
            return self._engine(x)

    def calibrate(self, probs: np.ndarray, windows: np.ndarray | None = None) -> np.ndarray:
        """The model's own probabilities -> the served ones: the temperature, then the class weights, then, given
        the preprocessed ``windows`` the probabilities came from, the stillness gate (all three in ``model.json``;
        :mod:`.stillness`)."""
        out = reweight(apply_temperature(probs, self.temperature), self._weights)
        if self.stillness is not None and windows is not None:
            out = self.stillness(out, window_motion(windows, self.spec.fps))
        return out

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of preprocessed windows (:meth:`predict`, then :meth:`calibrate`)."""
        return self.calibrate(self.predict(windows), windows)

    def classify(self, sequences: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
        """Raw sequences ``[(keypoints (T, 17, 3) pixels, fps), ...]`` -> calibrated probabilities ``(N, classes)``."""
        return self.probabilities(preprocess_batch(sequences, self.spec))

    def warm_up(self) -> float:
        """Run the engine once on each batch size bucket (so the first requests do not pay for allocation); seconds."""
        t0 = time.perf_counter()
        x = np.zeros((max(BUCKETS), self.spec.length, 17, 3), np.float32)
        for n in BUCKETS:
            self.predict(x[:n])
        return time.perf_counter() - t0

    def engine_description(self) -> str:
        return self.engine

    def describe(self) -> ModelDescription:
        return ModelDescription(
            name=self.name,
            architecture=self.info.get("architecture"),
            classes=self.classes,
            layout=self.info.get("layout", "coco17"),
            window=self.spec,
            engine=self.engine,
            parameters=self.info.get("parameters"),
            temperature=self.temperature,
            metrics={k: v for k, v in self.metrics.items() if k in ModelMetrics.model_fields},
            real_video=_real_video(self.metrics.get("real_video")),
            windows_per_second=((self.info.get("engine_choice") or {}).get("windows_per_second") or {})
            .get(self.engine, {})
            .get("1"),
            size_bytes=_size(self.model_dir / FILES.get(self.engine, "")),
            training_data=[
                {"name": n, "licence": lic}
                for n, lic in training_data(
                    self.metrics.get("class_sources") or self.info.get("data", {}).get("class_sources") or {}
                )
            ],
        )


def _real_video(rv: dict | None) -> dict | None:
    """The headline reading of ``real_video.json`` (as copied into the report's metrics), or None."""
    reading = ((rv or {}).get("readings") or {}).get((rv or {}).get("headline_reading") or "")
    if not reading or not rv.get("spans"):
        return None
    return {
        "spans": rv["spans"],
        "correct": reading["correct"],
        "accuracy": reading["accuracy"],
        "reading": rv["headline_reading"],
        "lag_s": rv.get("lag_s"),
        "labels": rv.get("labels", "causal"),
    }


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


def discover(models_dir: str | Path) -> list[Path]:
    """Model folders (with ``model.json``) under ``models_dir``, sorted by name."""
    root = Path(models_dir)
    return sorted(p.parent for p in root.glob("*/model.json")) if root.is_dir() else []
