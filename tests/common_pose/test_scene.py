"""The scene sampler's plumbing (``har_pose_service.scene``) with a stand-in for the classifier's
``POST /v1/clips`` (an httpx mock transport); the real clip model is tested in tests/kinetics."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from har_common.schemas import PersonPose, SceneWindow
from har_pose_service.scene import ClipClient, ClipModelUnavailable, SceneSampler, explain, person_box, square_crop


class FakeClips:
    """Answers every window with one label, "w<number of windows seen>", and records the bodies."""

    def __init__(self, status: int = 200):
        self.windows: list[np.ndarray] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "the Kinetics-400 clip model (i3d-kinetics400) is not set up"})
        frames = int(request.url.params["frames"])
        w = np.frombuffer(request.content, np.uint8).reshape(-1, frames, 224, 224, 3)
        self.windows.extend(w)
        preds = [{"labels": [{"label": f"w{len(self.windows)}", "probability": 0.9}]} for _ in w]
        return httpx.Response(200, json={"model": "i3d-kinetics400", "frames": frames, "predictions": preds})


def sampler(fake, **kw) -> SceneSampler:
    kw.setdefault("hop_s", 2.0)
    return SceneSampler(ClipClient("http://clf", transport=httpx.MockTransport(fake)), fps=30.0, **kw)


def frames(n: int, fps: float = 30.0):
    for i in range(n):
        yield i, i * 1000.0 / fps, np.full((48, 64, 3), i % 256, np.uint8)


def test_whole_frame_windows_every_hop_of_sixteen_frames_at_eight_fps():
    fake = FakeClips()
    s = sampler(fake)
    for i, t, rgb in frames(300):  # 10 s
        s.frame(0, i, t, rgb)
    windows = s.finish()
    assert [w.track_id for w in windows] == [None] * 4  # 2 s each, one every 2 s: four fit in 10 s (the fifth is short)
    assert [round(w.start_ms) for w in windows] == [0, 2000, 4000, 6000]
    assert all(1800 < w.end_ms - w.start_ms < 2100 for w in windows)
    assert all(x.shape == (16, 224, 224, 3) for x in fake.windows)
    # a frame every 1/8 s (every 4th of 30 fps, within 5 %): the first window holds frames 0, 4, 8, ...
    assert [int(p[0, 0, 0]) for p in fake.windows[0]] == list(range(0, 64, 4))


def test_chunks_make_their_own_windows_and_windows_overlap_with_a_short_hop():
    fake = FakeClips()
    s = sampler(fake, hop_s=1.0)
    for i, t, rgb in frames(150):
        s.frame("a", i, t, rgb)
    for i, t, rgb in frames(150):
        s.frame("b", 150 + i, 5000 + t, rgb)
    starts = sorted(round(w.start_ms) for w in s.finish())
    # a window starts at the first frame kept 1 s or more after the last one's start (frames every 133 ms)
    assert len(starts) == 6 and starts[0] == 0 and starts[3] == 5000, starts
    assert all(1000 <= b - a < 1140 for a, b in [*zip(starts[:2], starts[1:3]), *zip(starts[3:5], starts[4:])]), starts


def person(tid: int, x: float) -> PersonPose:
    kp = [[x + 10 * (j % 3), 50 + 10 * j, 0.9] for j in range(17)]
    return PersonPose(track_id=tid, keypoints=kp, bbox=(x, 40, x + 40, 230))


def test_each_person_gets_windows_of_their_own_crop_and_a_gap_starts_them_again():
    fake = FakeClips()
    s = sampler(fake, per_person=True)
    for i, t, _ in frames(150):
        people = [person(3, 10)] + ([person(7, 400)] if not 30 <= i < 60 else [])  # person 7 away for 1 s
        s.persons(i, t, np.zeros((480, 640, 3), np.uint8), people)
    windows = s.finish()
    three = [w for w in windows if w.track_id == 3]
    seven = [w for w in windows if w.track_id == 7]
    assert len(three) == 2 and [round(w.start_ms) for w in three] == [0, 2000]
    assert len(seven) == 1 and seven[0].start_ms >= 2000  # after the gap, a full new window


def test_untracked_people_and_single_person_jobs_make_no_person_windows():
    fake = FakeClips()
    s = sampler(fake)  # per_person off
    for i, t, rgb in frames(90):
        s.persons(i, t, rgb, [person(1, 10)])
    assert s.finish() == [] and fake.windows == []


def test_a_classifier_without_the_model_leaves_the_windows_out_and_says_so():
    fake = FakeClips(status=503)
    s = sampler(fake)
    for i, t, rgb in frames(140):
        s.frame(0, i, t, rgb)
    assert s.finish() == []
    assert s.failed == 2 and "not set up" in s.error
    with pytest.raises(ClipModelUnavailable, match="not set up"):
        ClipClient("http://clf", transport=httpx.MockTransport(fake)).model()
    with pytest.raises(ClipModelUnavailable, match="none is configured"):
        ClipClient(None).model()


def test_square_crop_pads_beyond_the_frame_with_black():
    rgb = np.full((100, 100, 3), 255, np.uint8)
    crop = square_crop(rgb, (80, 10, 100, 90))  # at the right edge: the square reaches past it
    assert crop.shape == (224, 224, 3)
    assert crop[112, -1].max() == 0 and crop[112, 112].min() == 255


def test_person_box_uses_visible_keypoints_and_the_detection_box():
    p = person(1, 10)
    assert person_box(p) == (10.0, 40.0, 50.0, 230.0)
    hidden = PersonPose(track_id=1, keypoints=[[0, 0, 0.0]] * 17)
    assert person_box(hidden) is None


def test_explain_prefers_the_persons_own_windows():
    w = [
        SceneWindow(start_ms=0, end_ms=2000, labels=[{"label": "tai chi", "probability": 0.9}]),
        SceneWindow(track_id=2, start_ms=0, end_ms=2000, labels=[{"label": "hugging", "probability": 0.4}]),
    ]
    assert explain(w, 2, 100, 900).label == "hugging"
    assert explain(w, 5, 100, 900).label == "tai chi"
    assert explain(w, None, 3000, 4000).label == "tai chi"  # the clip's tail, after the last full window
    assert explain(w, 2, 3000, 3500).label == "hugging"
    assert explain(w, None, 4500, 5000) is None  # further than a window's length from every window
    json.dumps([x.model_dump() for x in w])


def test_between_windows_no_frame_is_kept():
    fake = FakeClips()
    s = sampler(fake, hop_s=4.0)
    for i, t, rgb in frames(300):
        s.frame(0, i, t, rgb)
    assert [round(w.start_ms) for w in s.finish()] == [0, 4000, 8000][: len(fake.windows)]
    assert len(fake.windows) == 2  # the third would end past 10 s
    assert int(fake.windows[1][0][0, 0, 0]) == 120  # the second window starts with frame 120 (4 s), not before
