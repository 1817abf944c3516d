"""Real-world video input through the running single-person service (see tests/video_cases.py):
phone rotation, damaged data, a size change mid-stream."""

from __future__ import annotations

import live_replay
import pytest
import video_cases


def test_a_phone_clip_is_analysed_upright(pose_service, shared):
    if pose_service.classifier is None:
        pytest.skip("no classifier environment: the labels cannot be compared")
    video_cases.check_phone_rotation(pose_service.url, shared)


def test_a_damaged_clip_keeps_every_decodable_frame(pose_service, shared):
    video_cases.check_damaged_clip(pose_service.url, shared)


def test_a_size_change_mid_stream(pose_service, shared):
    video_cases.check_size_change(pose_service.url, shared)


def test_a_replayed_clip_gets_the_offline_labels_at_any_pace(pose_service, shared, tmp_path):
    """Frames sent with their capture times get the labels of the offline job on the same frames,
    whether they arrive faster or slower than real time (150 frames of ta_chi.mp4, 5 s)."""
    if pose_service.classifier is None:
        pytest.skip("no classifier environment: there are no labels to compare")
    frames, times = live_replay.clip_frames(shared("data", "videos", "ta_chi.mp4"), 150)
    clip = live_replay.write_clip(tmp_path / "clip.mp4", frames, times)
    _, result, _ = video_cases.run_job(pose_service.url, clip, render=False)
    offline = live_replay.frame_labels([f.model_dump() for f in result.frames])
    assert sum(x not in (None, "uncertain") for x in offline) >= 30, offline
    url = pose_service.url.replace("http://", "ws://") + "/v1/stream"
    for pace in (None, 1.5):  # as fast as the service answers, and 1.5 times slower than real time
        answers = live_replay.replay(url, frames, times, pace, capture_times=True)
        assert [a["frame"]["timestamp_ms"] for a in answers] == pytest.approx(times, abs=0.01)
        live = live_replay.frame_labels([a["frame"] for a in answers])
        assert live_replay.agreement(offline, live) >= 0.95, (pace, offline, live)
