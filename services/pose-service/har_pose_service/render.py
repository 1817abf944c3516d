"""The annotated video: skeletons, track ids, labels and confidences drawn on every frame, written
as H.264 (libx264 from PyAV's wheels), yuv420p, ``+faststart`` so browsers play it while loading.

Encoding shares the CPU with the pose model, so it is kept cheap: OpenCV converts RGB to yuv420p
(a quarter of swscale's CPU here) and x264 runs its ``superfast`` preset (640x480: about 3 ms of
CPU a frame against 5.5 ms with ``veryfast`` and RGB in; files about a third larger)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from har_common.layouts import COCO17
from har_common.schemas import FrameResult

_COLORS = [
    (255, 99, 71),
    (30, 144, 255),
    (50, 205, 50),
    (255, 215, 0),
    (186, 85, 211),
    (0, 206, 209),
    (255, 140, 0),
    (199, 21, 133),
]


def draw(rgb: np.ndarray, frame: FrameResult, min_score: float = 0.3) -> np.ndarray:
    """Draw on ``rgb`` in place and return it."""
    h, w = rgb.shape[:2]
    scale = max(0.4, min(w, h) / 480.0)
    thick = max(1, int(round(2 * scale)))
    for i, person in enumerate(frame.persons):
        color = _COLORS[(person.track_id if person.track_id is not None else i) % len(_COLORS)]
        kp = np.asarray(person.keypoints, dtype=np.float32)
        ok = kp[:, 2] >= min_score
        pts = kp[:, :2].round().astype(np.int32)
        for a, b in COCO17.bones:
            if ok[a] and ok[b]:
                cv2.line(rgb, tuple(pts[a]), tuple(pts[b]), color, thick, cv2.LINE_AA)
        for j in np.flatnonzero(ok):
            cv2.circle(rgb, tuple(pts[j]), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)
        if not ok.any():
            continue
        text = f"#{person.track_id}" if person.track_id is not None else ""
        if person.action is not None:
            text = f"{text} {person.action.label} {person.action.confidence:.2f}".strip()
        if not text:
            continue
        x = int(np.clip(pts[ok, 0].min(), 0, w - 1))
        y = int(np.clip(pts[ok, 1].min() - 6 * scale, 12 * scale, h - 1))
        font = 0.45 * scale
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, 1)
        x = min(x, max(0, w - tw - 2))
        cv2.rectangle(rgb, (x, y - th - base), (x + tw + 2, y + base), (0, 0, 0), -1)
        cv2.putText(rgb, text, (x + 1, y), cv2.FONT_HERSHEY_SIMPLEX, font, color, 1, cv2.LINE_AA)
    return rgb


def _fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """``rgb`` scaled, keeping its aspect, to fit within ``width`` x ``height``."""
    scale = min(width / rgb.shape[1], height / rgb.shape[0])
    size = (max(1, min(width, round(rgb.shape[1] * scale))), max(1, min(height, round(rgb.shape[0] * scale))))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


class AnnotatedWriter:
    """Write frames to an H.264 MP4 of one size: the first frame's. Odd sizes are padded to even
    (yuv420p needs it); frames of another size (a video whose size changes) are scaled to fit and
    padded, keeping their aspect."""

    def __init__(
        self, path: Path, width: int, height: int, fps: float, crf: int = 26, threads: int = 1, preset: str = "superfast"
    ):
        import av

        self.path = Path(path)
        self.width, self.height = width + (width % 2), height + (height % 2)
        self._container = av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"preset": preset, "crf": str(crf), "tune": "zerolatency"}
        self._stream.codec_context.thread_count = threads
        self._stream.codec_context.time_base = Fraction(1, 1000)
        self._last_pts = -1

    def write(self, rgb: np.ndarray, timestamp_ms: float) -> None:
        import av

        if (
            rgb.shape[0] > self.height
            or rgb.shape[1] > self.width
            or (rgb.shape[0] < self.height - 1 and rgb.shape[1] < self.width - 1)
        ):
            rgb = _fit(rgb, self.width, self.height)
        if rgb.shape[:2] != (self.height, self.width):  # odd sizes (yuv420p needs even) or another aspect
            rgb = cv2.copyMakeBorder(rgb, 0, self.height - rgb.shape[0], 0, self.width - rgb.shape[1], cv2.BORDER_CONSTANT)
        # OpenCV's RGB to I420 is BT.601 limited range, what swscale would do for yuv420p
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        pts = max(int(round(timestamp_ms)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._container is None:
            return
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None
