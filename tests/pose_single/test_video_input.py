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


def test_a_replayed_clip_gets_the_causal_labels_of_a_job_at_any_pace(pose_service, shared, tmp_path):
    """Frames sent with their capture times get the labels of a video job with causal labels on the
    same frames, whether they arrive faster or slower than real time (150 frames of ta_chi.mp4, 5 s)."""
    if pose_service.classifier is None:
        pytest.skip("no classifier environment: there are no labels to compare")
    frames, times = live_replay.clip_frames(shared("data", "videos", "ta_chi.mp4"), 150)
    clip = live_replay.write_clip(tmp_path / "clip.mp4", frames, times)
    _, result, _ = video_cases.run_job(pose_service.url, clip, render=False, labels="causal")
    offline = live_replay.frame_labels([f.model_dump() for f in result.frames])
    assert sum(x not in (None, "uncertain") for x in offline) >= 30, offline
    url = pose_service.url.replace("http://", "ws://") + "/v1/stream"
    for pace in (None, 1.5):  # as fast as the service answers, and 1.5 times slower than real time
        answers = live_replay.replay(url, frames, times, pace, capture_times=True)
        assert [a["frame"]["timestamp_ms"] for a in answers] == pytest.approx(times, abs=0.01)
        live = live_replay.frame_labels([a["frame"] for a in answers])
        assert live_replay.agreement(offline, live) >= 0.95, (pace, offline, live)


def test_a_job_labels_each_frame_from_the_windows_around_it(pose_service, shared, tmp_path):
    """By default a job decides each label from the windows around the frame, once the video is
    posed: the person is labelled from their first frame (no window filling), the segments and
    ``uncertain`` spans cover exactly the frames' labels, and the poses are those a causal job finds."""
    if pose_service.classifier is None:
        pytest.skip("no classifier environment: there are no labels to compare")
    frames, times = live_replay.clip_frames(shared("data", "videos", "ta_chi.mp4"), 150)
    clip = live_replay.write_clip(tmp_path / "clip.mp4", frames, times)
    _, centred, _ = video_cases.run_job(pose_service.url, clip, render=False)
    _, causal, _ = video_cases.run_job(pose_service.url, clip, render=False, labels="causal")
    assert (centred.labels, causal.labels) == ("centred", "causal")
    assert [[p.keypoints for p in f.persons] for f in centred.frames] == [[p.keypoints for p in f.persons] for f in causal.frames]
    reasons = {
        name: [p.action.reason for f in a.frames for p in f.persons] for name, a in (("centred", centred), ("causal", causal))
    }
    assert "window_filling" in reasons["causal"] and "window_filling" not in reasons["centred"]
    for f in centred.frames:
        for p in f.persons:
            t, label = f.timestamp_ms, p.action.label
            pool = centred.unlabelled if label == "uncertain" else [s for s in centred.segments if s.label == label]
            assert any(s.track_id == p.track_id and s.start_ms <= t <= s.end_ms for s in pool), (t, label)
