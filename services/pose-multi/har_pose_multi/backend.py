"""The multi-person pose back end: YOLO11-pose (ONNX Runtime) + ByteTrack, behind the shared
``har_common.pose.backend`` interface, so the shared service turns it into the same HTTP API,
result JSON, CSV, annotated video and live stream as the single-person service.

* :class:`YoloPoseBackend` holds the one onnxruntime session of the process (thread-safe; the
  model runs on every core through ONNX Runtime's intra-op threads).
* :class:`YoloPoseSession` is one stream: its own :class:`~.tracking.PersonTracker`, so two jobs
  or sockets never share track ids. A *static* session (``POST /v1/frames``) does not track.
* :meth:`YoloPoseSession.process` runs one frame: letterbox, the model, decoding, tracking.

Example:
    >>> backend = YoloPoseBackend(YoloSettings())                  # doctest: +SKIP
    >>> with backend.session() as s:                               # doctest: +SKIP
    ...     people = s.process(rgb, timestamp_ms=0.0)
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from har_common.pose.backend import Detection, People

from .settings import YoloSettings
from .tracking import PersonTracker
from .yolo import Poses, YoloPoseModel

log = logging.getLogger(__name__)


class ModelMissing(FileNotFoundError):
    pass


class YoloPoseBackend:
    """A loaded YOLO pose model, shared by all sessions of the process."""

    multi_person = True
    # what a video job's "nobody_found" notice advises (see har_pose_service.videojob)
    nobody_found_hint = (
        "if people are small (under about 150 px tall in a frame over 640 px), set HAR_POSE_MULTI_MAX_IMGSZ=1280 "
        "(about 3 times the time on 720p); if they are faint or partly hidden, lower HAR_POSE_MULTI_CONF (0.35) "
        "or HAR_POSE_MULTI_MIN_KEYPOINTS (2)"
    )

    def __init__(self, settings: YoloSettings | None = None):
        self.settings = s = settings or YoloSettings()
        path = s.model_path()
        if not path.is_file():
            have = ", ".join(s.available_models()) or "none"
            raise ModelMissing(
                f"{path} not found (exported models in {s.models_dir}: {have}); "
                "run scripts/setup pose-multi (or scripts/fetch-yolo)"
            )
        self.model = YoloPoseModel(
            path,
            device=s.provider,
            imgsz=s.imgsz,
            intra_op_threads=s.intra_op_threads,
            conf=s.conf,
            iou=s.iou,
            max_det=s.max_det,
            max_imgsz=s.max_imgsz,
            min_keypoints=s.min_keypoints,
            spinning=s.intra_op_spinning,
        )
        self.name = Path(path).stem  # e.g. "yolo11n-pose": goes into results as models.pose
        log.info("loaded %s with %s", path, self.model.providers)

    def info(self) -> dict:
        s, m = self.settings, self.model
        return {
            "model": self.name,
            "file": Path(m.path).name,
            "providers": m.providers,
            "device": m.device,
            "provider_setting": s.provider,
            "imgsz": m.imgsz,
            "intra_op_spinning": s.intra_op_spinning,
            "dynamic_input": m.dynamic,
            "max_imgsz": m.max_imgsz,
            "conf": s.conf,
            "min_keypoints": s.min_keypoints,
            "iou": s.iou,
            "max_det": s.max_det,
            "available_models": s.available_models(),
            "tracker": {
                "library": "trackers.ByteTrackTracker",
                "lost_seconds": s.track_lost_seconds,
                "activation_threshold": s.track_activation_threshold,
            },
            "licence": "YOLO11 weights: AGPL-3.0 (Ultralytics)",
        }

    def session(self, raw: bool = False, static: bool = False) -> YoloPoseSession:
        return YoloPoseSession(self, raw=raw, static=static)

    def close(self) -> None:
        self.model = None  # type: ignore[assignment]  # onnxruntime frees the session with it


class YoloPoseSession:
    """One stream of frames. Used by one thread at a time."""

    def __init__(self, backend: YoloPoseBackend, raw: bool = False, static: bool = False):
        s = backend.settings
        self.model = backend.model
        self.raw = raw
        self.static = static
        self.tracker = (
            None
            if static
            else PersonTracker(
                activation_threshold=s.track_activation_threshold,
                high_threshold=s.track_high_threshold,
                min_iou=s.track_min_iou,
                lost_seconds=s.track_lost_seconds,
                min_frames=s.track_min_frames,
            )
        )

    # -- the interface -------------------------------------------------------------------------
    def process(self, image: np.ndarray, timestamp_ms: float) -> list[Detection]:
        tensor, lb = self.model.prepare(image)
        poses = self.model.decode(self.model.run(tensor), lb)
        return People(self._finish(poses, timestamp_ms), left_out=poses.left_out)

    def close(self) -> None:
        self.tracker = None

    def __enter__(self) -> YoloPoseSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------------
    def _finish(self, poses: Poses, timestamp_ms: float) -> list[Detection]:
        ids: list[int | None] = [None] * len(poses)
        if self.tracker is not None:
            ids = self.tracker.update(poses.boxes, poses.scores, timestamp_ms)
        people = []
        for i in range(len(poses)):
            kp = poses.keypoints[i]
            people.append(
                Detection(
                    keypoints=kp,
                    score=float(poses.scores[i]),
                    bbox=tuple(float(v) for v in poses.boxes[i]),
                    track_id=ids[i],
                    # YOLO's own layout is COCO-17 already: the raw landmarks are the keypoints with
                    # z = 0, in the raw layout's (x, y, z, visibility) form.
                    raw=np.concatenate([kp[:, :2], np.zeros((len(kp), 1), np.float32), kp[:, 2:]], axis=1) if self.raw else None,
                )
            )
        return people
