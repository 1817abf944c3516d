"""A person too small for MediaPipe's whole-frame detector: found by the tile search, followed in a
crop, reported in the whole frame's pixels; and the same through a real video job."""

from __future__ import annotations

import av
import httpx
import numpy as np
import pytest
from service_process import wait_for_job

from har_pose_single.backend import MediaPipeBackend

# small_in_1080p.mp4: ta_chi.mp4 (one person, 480x360 with its black bars) pasted at x 1200-1680,
# y 600-960 of a grey 1920x1080 frame; the person is about 230 px tall.
INSET = (1200, 600, 1680, 960)


def frames(path, n=None):
    out = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            out.append(frame.to_ndarray(format="rgb24"))
            if n and len(out) >= n:
                break
    return out


def found(search_tile: int, images: list[np.ndarray], static: bool = False) -> list[list]:
    backend = MediaPipeBackend(model_complexity=1, search_tile=search_tile)
    with backend.session(static=static) as s:
        return [s.process(img, i * 1000 / 30) for i, img in enumerate(images)]


@pytest.fixture
def small(shared):
    return frames(shared("cases", "small_in_1080p.mp4"), 60)


def test_whole_frame_alone_misses_the_small_person(small):
    assert sum(len(p) for p in found(0, small[:10])) == 0


@pytest.mark.parametrize("static", [False, True])
def test_search_finds_the_small_person_where_they_are(small, static):
    people = found(640, small if not static else small[::15], static)
    hits = [p[0] for p in people if p]
    assert len(hits) >= 0.9 * len(people)
    x1, y1, x2, y2 = INSET
    for d in hits:
        kp = d.keypoints[d.keypoints[:, 2] > 0.5]
        assert len(kp) >= 8
        assert (kp[:, 0] > x1).all() and (kp[:, 0] < x2).all() and (kp[:, 1] > y1).all() and (kp[:, 1] < y2).all()
        bx1, by1, bx2, by2 = d.bbox
        assert 100 < max(bx2 - bx1, by2 - by1) < 400  # the person's own size (wide stances), in frame pixels


def test_small_person_through_a_video_job(pose_service, shared):
    body = shared("cases", "small_in_1080p.mp4").read_bytes()
    r = httpx.post(f"{pose_service.url}/v1/videos?render=false", files={"file": ("small.mp4", body, "video/mp4")}, timeout=60)
    assert r.status_code == 202, r.text
    job = wait_for_job(lambda path: httpx.get(pose_service.url + path).json(), r.json()["id"], 300, poll=0.5)
    assert job["status"] == "done", job
    result = httpx.get(f"{pose_service.url}/v1/jobs/{job['id']}/result").json()
    with_person = sum(1 for f in result["frames"] if f["persons"])
    assert with_person >= 0.9 * len(result["frames"]) and len(result["frames"]) == 120
