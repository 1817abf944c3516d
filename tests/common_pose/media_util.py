"""Small real media made on the fly (PyAV, libx264) for the plumbing tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def make_video(path: Path, seconds: float = 2.0, fps: int = 15, size=(96, 64), faststart: bool = False, fmt: str = "mp4") -> Path:
    import av

    w, h = size
    opts = {"movflags": "+faststart"} if faststart and fmt == "mp4" else {}
    with av.open(str(path), "w", format=fmt, options=opts) as c:
        s = c.add_stream("libx264" if fmt != "avi" else "mpeg4", rate=Fraction(fps))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        rng = np.random.default_rng(0)
        for i in range(int(seconds * fps)):
            img = np.full((h, w, 3), 120, np.uint8)
            img[:, (i * 3) % w] = 255
            img += rng.integers(0, 10, img.shape, dtype=np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def jpeg(h=48, w=64, value=128) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), value, np.uint8))
    assert ok
    return buf.tobytes()


def png(h=48, w=64, value=128) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", np.full((h, w, 3), value, np.uint8))
    assert ok
    return buf.tobytes()
