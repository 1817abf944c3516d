"""Helpers of the multi-person pose suite: reading real photos and videos as RGB."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path))
    assert bgr is not None, f"cannot read {path}"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_video(path: Path, max_side: int | None = None) -> tuple[list[np.ndarray], float]:
    """All frames of a video as RGB, optionally scaled so the long side is ``max_side``."""
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if max_side and max(bgr.shape[:2]) > max_side:
            r = max_side / max(bgr.shape[:2])
            bgr = cv2.resize(bgr, (round(bgr.shape[1] * r), round(bgr.shape[0] * r)), interpolation=cv2.INTER_AREA)
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    assert frames, f"no frames decoded from {path}"
    return frames, fps


def shared_path(*parts: str) -> Path:
    """A path under ../shared (or HAR_SHARED_DIR); skips the calling test when it is absent."""
    import os

    import pytest

    root = Path(os.environ.get("HAR_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set HAR_SHARED_DIR to the ../shared folder)")
    return path
