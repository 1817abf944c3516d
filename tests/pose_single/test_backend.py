"""MediaPipe Pose through the back-end interface, on real images and a real clip."""

from __future__ import annotations

import av
import numpy as np
import pytest

from har_common.layouts import COCO17
from har_pose_single.backend import MediaPipeBackend, available_complexities


@pytest.fixture(scope="module")
def backend():
    b = MediaPipeBackend(model_complexity=1)
    yield b
    b.close()


def inside(kp: np.ndarray, w: int, h: int) -> bool:
    seen = kp[:, 2] > 0
    return bool(((kp[seen, 0] >= 0) & (kp[seen, 0] < w) & (kp[seen, 1] >= 0) & (kp[seen, 1] < h)).all())


def test_astronaut(backend):
    from skimage import data

    img = data.astronaut()  # 512x512 RGB, one person, upper body
    with backend.session(raw=True, static=True) as s:
        people = s.process(img, 0.0)
    assert len(people) == 1
    p = people[0]
    assert p.track_id == 0 and p.keypoints.shape == (17, 3) and p.raw.shape == (33, 4)
    assert inside(p.keypoints, 512, 512)
    nose, ls, rs = (p.keypoints[COCO17.index(n)] for n in ("nose", "left_shoulder", "right_shoulder"))
    assert min(nose[2], ls[2], rs[2]) > 0.5
    assert nose[1] < ls[1] and nose[1] < rs[1]  # head above the shoulders
    assert rs[0] < nose[0] < ls[0]  # facing the camera: her right on the left
    assert 150 < nose[0] < 260 and 60 < nose[1] < 200  # her face, in pixels
    assert p.bbox is not None and 0 <= p.bbox[0] < p.bbox[2] <= 512


def test_ta_chi_clip(backend, shared):
    path = shared("data", "videos", "ta_chi.mp4")
    found = n = 0
    with av.open(str(path)) as c, backend.session() as s:
        for i, frame in enumerate(c.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            people = s.process(rgb, i * 1000 / 30)
            n += 1
            assert len(people) <= 1
            if people:
                found += 1
                assert inside(people[0].keypoints, rgb.shape[1], rgb.shape[0])
                assert people[0].visible_joints() >= 8
    assert n == 300 and found / n >= 0.95, f"person in {found}/{n} frames"


def test_complexities():
    assert 1 in available_complexities()
    for c in (0, 2):
        if c not in available_complexities():
            with pytest.raises(RuntimeError, match="not bundled"):
                MediaPipeBackend(model_complexity=c)
    with pytest.raises(ValueError):
        MediaPipeBackend(model_complexity=3)
