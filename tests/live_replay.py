"""Replaying a recorded clip over a pose service's live WebSocket, one frame at a time, with or
without each frame's capture time, at a chosen pace; for comparing the live labels with the
offline video job's on the same frames."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image
from websockets.sync.client import connect


def clip_frames(path: Path, n: int) -> tuple[list[np.ndarray], list[float]]:
    """The first ``n`` frames of a video as RGB, with their presentation times in ms from the first."""
    frames, times = [], []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            frames.append(f.to_ndarray(format="rgb24"))
            times.append(float(f.time) * 1000.0)
            if len(frames) >= n:
                break
    return frames, [t - times[0] for t in times]


def write_clip(path: Path, frames: list[np.ndarray], times_ms: list[float]) -> Path:
    """``frames`` as a near-lossless H.264 MP4 with the given presentation times (for the offline job)."""
    from fractions import Fraction

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=Fraction(30))
        s.width, s.height, s.pix_fmt, s.options = w, h, "yuv444p", {"crf": "4"}
        s.codec_context.time_base = Fraction(1, 1000)
        for rgb, t in zip(frames, times_ms):
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            f.pts, f.time_base = round(t), Fraction(1, 1000)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def jpeg(rgb: np.ndarray) -> bytes:
    import io

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=95)
    return out.getvalue()


def replay(url: str, frames: list[np.ndarray], times_ms: list[float], pace: float | None, capture_times: bool) -> list[dict]:
    """Send every frame and wait for its answer before the next (nothing dropped). ``pace``: wall
    seconds per second of the clip (2.0 = half speed; None = as fast as the service answers).
    Returns the frame answers in order."""
    answers = []
    start = time.perf_counter()
    with connect(url, open_timeout=10, max_size=2**22) as ws:
        for seq, (rgb, t) in enumerate(zip(frames, times_ms)):
            if pace is not None:
                time.sleep(max(0.0, start + pace * t / 1000.0 - time.perf_counter()))
            head = struct.pack(">Id", seq, t) if capture_times else struct.pack(">I", seq)
            ws.send(head + jpeg(rgb))
            while True:
                msg = json.loads(ws.recv(timeout=60))
                if msg["type"] == "error":
                    raise AssertionError(msg)
                if msg["seq"] == seq:
                    answers.append(msg)
                    break
    return answers


def frame_labels(frames: list[dict]) -> list[str | None]:
    """The first person's label per frame (None: nobody, or no label yet)."""
    out = []
    for f in frames:
        persons = f["persons"]
        out.append(persons[0]["action"]["label"] if persons and persons[0].get("action") else None)
    return out


def agreement(a: list[str | None], b: list[str | None]) -> float:
    """The share of frames labelled in both whose labels are the same."""
    both = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return sum(x == y for x, y in both) / max(1, len(both))
