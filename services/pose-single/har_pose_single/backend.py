"""MediaPipe Pose (``mediapipe==0.10.21``, ``solutions.pose``) as a :class:`PoseBackend`.

One person per frame, always track id 0. A video or live session runs MediaPipe in video mode
(``static_image_mode=False``): it tracks the person from frame to frame instead of running the
detector on every frame, which is both faster and steadier. A static session (single images) runs
the detector every time.

MediaPipe's detector sees the whole frame at 224 x 224 px, so a person under about a fifth of a large
frame's height is not found. When the whole frame yields nobody and the frame is larger than
``search_tile`` px, it is searched tile by tile and the person found is followed in a crop around
them (:mod:`.search`); keypoints still come out in the whole frame's pixels.

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

from . import search

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


def _landmarks(result, crop: tuple[int, int, int, int] | None, width: int, height: int) -> np.ndarray:
    """MediaPipe's 33 landmarks as ``(33, 4)`` x, y (normalised to the whole frame), z, visibility;
    ``crop`` is the ``(x1, y1, x2, y2)`` pixel square MediaPipe saw, when it saw one."""
    lm = np.array([(p.x, p.y, p.z, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float32)
    if crop is not None:
        x1, y1, x2, y2 = crop
        lm[:, 0] = (lm[:, 0] * (x2 - x1) + x1) / width
        lm[:, 1] = (lm[:, 1] * (y2 - y1) + y1) / height
        lm[:, 2] *= (x2 - x1) / width  # z is in the scale of the width MediaPipe saw
    return lm


def _to_detection(lm: np.ndarray, width: int, height: int, raw: bool) -> Detection:
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
    """One stream. Frames go to MediaPipe whole; when that finds nobody in a frame larger than
    ``search_tile`` px, the frame is searched tile by tile (at most once per ``search_interval_ms`` of
    stream time in a video session), and a person found is followed in a crop around them
    (:mod:`.search`) until MediaPipe loses them there."""

    def __init__(
        self,
        complexity: int,
        raw: bool,
        static: bool,
        min_detection: float,
        min_tracking: float,
        search_tile: int = 0,
        search_interval_ms: float = 1000.0,
    ):
        self.raw, self.static = raw, static
        self._args = dict(
            model_complexity=complexity,
            enable_segmentation=False,
            min_detection_confidence=min_detection,
            min_tracking_confidence=min_tracking,
        )
        self.search_tile, self.search_interval_ms = search_tile, search_interval_ms
        self._pose = self._new_pose(static)
        self._crop: tuple[int, int, int, int] | None = None  # where the person is followed
        self._crop_pose = None  # a MediaPipe graph of its own for the crop: its tracking state is in crop pixels
        self._tile_pose = None  # static: each tile is an unrelated image
        self._last_search_ms = -float("inf")

    def _new_pose(self, static: bool):
        import mediapipe as mp

        return mp.solutions.pose.Pose(static_image_mode=static, smooth_landmarks=not static, **self._args)

    def process(self, image: np.ndarray, timestamp_ms: float) -> list[Detection]:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 image, got {image.shape} {image.dtype}")
        if not image.flags["C_CONTIGUOUS"]:
            image = np.ascontiguousarray(image)
        h, w = image.shape[:2]
        if self._crop is not None:
            lm = self._in_crop(image, self._crop)
            if lm is not None:
                return [_to_detection(lm, w, h, self.raw)]
            self._follow(None)
        result = self._pose.process(image)
        if result.pose_landmarks is not None:
            return [_to_detection(_landmarks(result, None, w, h), w, h, self.raw)]
        if self._search_due(h, w, timestamp_ms):
            lm = self._search(image)
            if lm is not None:
                return [_to_detection(lm, w, h, self.raw)]
        return []

    def _search_due(self, h: int, w: int, timestamp_ms: float) -> bool:
        if not self.search_tile or max(h, w) <= self.search_tile:
            return False
        if not self.static and timestamp_ms - self._last_search_ms < self.search_interval_ms:
            return False
        self._last_search_ms = timestamp_ms
        return True

    def _search(self, image: np.ndarray) -> np.ndarray | None:
        """The best-seen person over the tiles (frame-normalised landmarks), followed from now on."""
        h, w = image.shape[:2]
        if self._tile_pose is None:
            self._tile_pose = self._new_pose(static=True)
        best, best_score = None, 0.0
        for tile in search.tiles(h, w, self.search_tile):
            x1, y1, x2, y2 = tile
            result = self._tile_pose.process(np.ascontiguousarray(image[y1:y2, x1:x2]))
            if result.pose_landmarks is not None:
                lm = _landmarks(result, tile, w, h)
                score = float(np.clip(lm[:, 3], 0, 1).mean())
                if score > best_score:
                    best, best_score = lm, score
        if best is None:
            return None
        crop = search.crop_around(_pixel_bbox(best, w, h), h, w)
        if self.static:
            return best
        # the crop's own graph sees the person at once, so the first answer comes from the crop too
        followed = self._in_crop(image, crop, follow=True)
        return best if followed is None else followed

    def _in_crop(self, image: np.ndarray, crop: tuple[int, int, int, int], follow: bool = False) -> np.ndarray | None:
        if follow or self._crop_pose is None:
            self._follow(crop)
        x1, y1, x2, y2 = crop
        h, w = image.shape[:2]
        result = self._crop_pose.process(np.ascontiguousarray(image[y1:y2, x1:x2]))
        if result.pose_landmarks is None:
            return None
        lm = _landmarks(result, crop, w, h)
        if search.near_edge(_pixel_bbox(lm, w, h), crop, h, w):
            self._follow(search.crop_around(_pixel_bbox(lm, w, h), h, w))  # from the next frame on
        return lm

    def _follow(self, crop: tuple[int, int, int, int] | None) -> None:
        """Follow the person in ``crop`` (None: stop), with a fresh MediaPipe graph for it."""
        if self._crop_pose is not None:
            self._crop_pose.close()
        self._crop = crop
        self._crop_pose = None if crop is None else self._new_pose(self.static)

    def close(self) -> None:
        for pose in (self._pose, self._crop_pose, self._tile_pose):
            if pose is not None:
                pose.close()
        self._pose = self._crop_pose = self._tile_pose = None

    def __enter__(self) -> MediaPipeSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _pixel_bbox(lm: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    """The box around the landmarks MediaPipe deems visible (all of them if none is), in pixels."""
    seen = lm[:, 3] >= 0.5
    xy = lm[seen if seen.any() else slice(None), :2] * (width, height)
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


class MediaPipeBackend:
    multi_person = False
    # what a video job's "nobody_found" notice advises (see har_pose_service.videojob)
    nobody_found_hint = (
        "if the person is small in the picture, keep HAR_POSE_SINGLE_SEARCH_TILE on (640, the default); if several "
        "people are in view, or people are under about 100 px tall, use the multi-person service"
    )

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        search_tile: int = 0,
        search_interval_ms: float = 1000.0,
    ):
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
        self.search_tile, self.search_interval_ms = search_tile, search_interval_ms

    def session(self, raw: bool = False, static: bool = False) -> MediaPipeSession:
        return MediaPipeSession(
            self.complexity, raw, static, self._min_det, self._min_track, self.search_tile, self.search_interval_ms
        )

    def info(self) -> dict:
        import mediapipe

        return {
            "engine": f"mediapipe {mediapipe.__version__} solutions.pose",
            "model_complexity": self.complexity,
            "available_complexities": available_complexities(),
            "max_persons": 1,
            "search_tile": self.search_tile,
            "search_interval_ms": self.search_interval_ms,
            "raw_layout": "mediapipe33 [x_px, y_px, z, visibility]",
        }

    def close(self) -> None:
        pass
