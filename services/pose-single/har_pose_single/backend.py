"""MediaPipe Pose (``mediapipe==0.10.21``, ``solutions.pose``) as a :class:`PoseBackend`.

One person per frame, always track id 0. A video or live session runs MediaPipe in video mode
(``static_image_mode=False``): it tracks the person from frame to frame instead of running the
detector on every frame, which is both faster and steadier. A static session (single images) runs
the detector every time.

Keypoints go out in COCO-17 pixels through :func:`har_common.convert.from_mediapipe33`. A landmark
MediaPipe places outside the image (it extrapolates hidden limbs) is clipped onto the border when
it lies within 2 % of the image size, else reported missing (score 0). The raw 33 landmarks, on
request, are ``[x_px, y_px, z, visibility]`` as MediaPipe gives them (z in MediaPipe's scale, about
the image width).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from har_common.convert import from_mediapipe33
from har_common.pose.backend import Detection

NAMES = {0: "mediapipe-pose-lite", 1: "mediapipe-pose-full", 2: "mediapipe-pose-heavy"}
_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}
_MARGIN = 0.02


def model_dir() -> Path:
    import mediapipe

    return Path(mediapipe.__file__).parent / "modules" / "pose_landmark"


def available_complexities() -> list[int]:
    """Model complexities whose landmark model file is present (MediaPipe would otherwise try to
    download it, which fails on a machine without internet)."""
    d = model_dir()
    return [c for c, f in _FILES.items() if (d / f).exists()]


def _to_detection(landmarks, width: int, height: int, raw: bool) -> Detection:
    lm = np.array([(p.x, p.y, p.z, p.visibility) for p in landmarks.landmark], dtype=np.float32)
    xy = lm[:, :2]
    inside = ((xy >= -_MARGIN) & (xy <= 1 + _MARGIN)).all(axis=1)
    clipped = lm.copy()
    clipped[:, 0] = np.clip(lm[:, 0], 0.0, (width - 1) / width)
    clipped[:, 1] = np.clip(lm[:, 1], 0.0, (height - 1) / height)
    clipped[~inside, 3] = 0.0
    kp = from_mediapipe33(clipped, width, height)
    seen = kp[:, 2] > 0
    if seen.any():
        xs, ys = kp[seen, 0], kp[seen, 1]
        bbox = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        score = float(np.clip(kp[seen, 2].mean(), 0.0, 1.0))
    else:
        bbox, score = None, 0.0
    raw_pts = None
    if raw:
        raw_pts = np.stack([lm[:, 0] * width, lm[:, 1] * height, lm[:, 2], np.clip(lm[:, 3], 0, 1)], axis=1)
    return Detection(keypoints=kp, score=score, bbox=bbox, track_id=0, raw=raw_pts)


class MediaPipeSession:
    def __init__(self, complexity: int, raw: bool, static: bool, min_detection: float, min_tracking: float):
        import mediapipe as mp

        self.raw = raw
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static,
            model_complexity=complexity,
            smooth_landmarks=not static,
            enable_segmentation=False,
            min_detection_confidence=min_detection,
            min_tracking_confidence=min_tracking,
        )

    def process(self, image: np.ndarray, timestamp_ms: float) -> list[Detection]:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 image, got {image.shape} {image.dtype}")
        if not image.flags["C_CONTIGUOUS"]:
            image = np.ascontiguousarray(image)
        result = self._pose.process(image)
        if result.pose_landmarks is None:
            return []
        h, w = image.shape[:2]
        return [_to_detection(result.pose_landmarks, w, h, self.raw)]

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> MediaPipeSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MediaPipeBackend:
    multi_person = False

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5):
        if model_complexity not in _FILES:
            raise ValueError(f"model complexity must be 0, 1 or 2, not {model_complexity}")
        if model_complexity not in available_complexities():
            raise RuntimeError(
                f"model complexity {model_complexity} needs {_FILES[model_complexity]} in {model_dir()}; "
                "it is not bundled with mediapipe (see docs/pose-api.md for where to get it)"
            )
        self.complexity = model_complexity
        self.name = NAMES[model_complexity]
        self._min_det, self._min_track = min_detection_confidence, min_tracking_confidence

    def session(self, raw: bool = False, static: bool = False) -> MediaPipeSession:
        return MediaPipeSession(self.complexity, raw, static, self._min_det, self._min_track)

    def info(self) -> dict:
        import mediapipe

        return {
            "engine": f"mediapipe {mediapipe.__version__} solutions.pose",
            "model_complexity": self.complexity,
            "available_complexities": available_complexities(),
            "max_persons": 1,
            "raw_layout": "mediapipe33 [x_px, y_px, z, visibility]",
        }

    def close(self) -> None:
        pass
