"""The loaded models and their readiness, and turning a classify request into predictions (no FastAPI here)."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np

from har_common.schemas import (
    SCHEMA_VERSION,
    ActionPrediction,
    ClassifyRequest,
    ClassifyResponse,
    ModelDescription,
    ModelList,
)

from .settings import Settings

log = logging.getLogger("har_classifier")

REPORT_FILES = {"confusion.png": "image/png", "curves.png": "image/png", "model_card.md": "text/markdown; charset=utf-8"}


MIN_FRAMES = 2  # shortest sequence classified; one frame shows a posture, not a motion


class RequestProblem(ValueError):
    """A request the service cannot answer (422): a message and where in the body."""

    def __init__(self, message: str, loc: list):
        super().__init__(message)
        self.loc = loc


class ModelRegistry:
    """Loaded :class:`~har_classifier.inference.ModelRunner` objects by name; ``ready`` once all are warmed up."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.runners: dict = {}
        self.ready = False
        self.error: str | None = None

    def load(self) -> None:
        from .inference import ModelRunner, discover

        try:
            dirs = discover(self.settings.model_dir)
            wanted = self.settings.model_names()
            if wanted:
                dirs = [d for d in dirs if d.name in wanted]
            if not dirs:
                raise FileNotFoundError(f"no model folders in {self.settings.model_dir}")
            for d in dirs:
                runner = ModelRunner(d, engine=self.settings.engine, threads=self.settings.threads)
                seconds = runner.warm_up()
                self.runners[runner.name] = runner
                log.info("model %s loaded (%s engine), warmed up in %.2fs", runner.name, runner.engine, seconds)
            if self.settings.default_model not in self.runners:
                raise ValueError(f"default model {self.settings.default_model!r} not among {sorted(self.runners)}")
            self.ready = True
        except Exception as exc:  # readiness reports it; liveness stays up
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("loading models failed")

    def describe(self) -> ModelList:
        return ModelList(
            default_model=self.settings.default_model,
            max_batch=self.settings.max_batch,
            models=[self.describe_model(r) for r in self.runners.values()],
        )

    def describe_model(self, runner) -> ModelDescription:
        base = f"/v1/models/{runner.name}/report"
        files = {f: f"{base}/{f}" for f in REPORT_FILES if (runner.model_dir / "report" / f).is_file()}
        return runner.describe().model_copy(update={"report_url": base if files else None, "report_files": files})

    def report_file(self, name: str, file: str) -> tuple[Path, str] | None:
        """The path and media type of a whitelisted report file of a loaded model, or None."""
        runner = self.runners.get(name)
        if runner is None or file not in REPORT_FILES:
            return None
        path = runner.model_dir / "report" / file
        return (path, REPORT_FILES[file]) if path.is_file() else None

    def classify(self, body: ClassifyRequest) -> tuple[ClassifyResponse, float]:
        """Predictions for a request, and the model's time in seconds; :class:`RequestProblem` for a bad one."""
        return self.classify_arrays(body.model, [(np.asarray(s.keypoints, np.float32), s.fps) for s in body.sequences])

    def classify_arrays(self, model: str | None, sequences: list[tuple[np.ndarray, float]]) -> tuple[ClassifyResponse, float]:
        """:meth:`classify` for a request already turned into arrays: ``sequences`` of ``(keypoints
        (T, 17, 3) float32 in pixels, fps)`` (see :mod:`.parsing`)."""
        name = model or self.settings.default_model
        runner = self.runners.get(name)
        if runner is None:
            raise RequestProblem(f"unknown model {name!r}; available: {sorted(self.runners)}", ["body", "model"])
        n = len(sequences)
        if n == 0:
            raise RequestProblem("sequences is empty: send at least one sequence", ["body", "sequences"])
        if n > self.settings.max_batch:
            raise RequestProblem(
                f"batch of {n} sequences is over the limit of {self.settings.max_batch} (HAR_CLASSIFIER_MAX_BATCH)",
                ["body", "sequences"],
            )
        arrays = []
        for i, (kp, fps) in enumerate(sequences):
            if len(kp) > self.settings.max_frames:
                raise RequestProblem(
                    f"sequence {i} has {len(kp)} frames, over the limit of {self.settings.max_frames}",
                    ["body", "sequences", i, "keypoints"],
                )
            # nothing can be said of a still image or of nobody: a motion label would be a guess
            if len(kp) < MIN_FRAMES:
                raise RequestProblem(
                    f"sequence {i} has {len(kp)} frame: a motion needs at least {MIN_FRAMES} frames "
                    f"(the model's window is {runner.spec.seconds:.1f} s; shorter sequences are stretched)",
                    ["body", "sequences", i, "keypoints"],
                )
            if not (kp[..., 2] >= runner.spec.mask_threshold).any():
                raise RequestProblem(
                    f"sequence {i} shows no joint with a score of at least {runner.spec.mask_threshold}: "
                    "no person is visible, so no action can be named",
                    ["body", "sequences", i, "keypoints"],
                )
            arrays.append((kp, fps))
        t = time.perf_counter()
        probs = runner.classify(arrays)
        seconds = time.perf_counter() - t
        classes = runner.classes
        preds = []
        for p in np.clip(probs.astype(np.float64), 0.0, 1.0):
            k = int(p.argmax())
            preds.append(
                ActionPrediction.model_construct(
                    schema_version=SCHEMA_VERSION,
                    model=name,
                    label=classes[k],
                    confidence=float(p[k]),
                    probabilities={c: float(v) if math.isfinite(v) else 0.0 for c, v in zip(classes, p)},
                )
            )
        return ClassifyResponse(model=name, predictions=preds), seconds
