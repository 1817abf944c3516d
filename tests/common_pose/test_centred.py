"""Labels decided after the fact (har_common.pose.centred): each frame from the windows around it.

The live pipeline runs over synthetic people with a classifier that answers from the window's
time span, so what the windows say, and when, is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from har_common.pose.backend import Detection
from har_common.pose.centred import relabel
from har_common.pose.pipeline import UNCERTAIN, ActionRecognizer, PipelineConfig, WindowResult
from har_common.schemas import FrameResult, ModelDescription, WindowSpec

SPEC = ModelDescription(name="m", classes=["walking", "waving", "boxing"], window=WindowSpec(length=8, fps=10.0, stride=2))


def person(track=0, visible=17):
    kp = np.zeros((17, 3), np.float32)
    kp[:visible] = (100.0, 200.0, 0.9)
    return Detection(keypoints=kp, track_id=track)


def probs(label, p=0.9):
    rest = (1 - p) / (len(SPEC.classes) - 1)
    return {c: (p if c == label else rest) for c in SPEC.classes}


def run_live(truth, n_frames, people=lambda i: [person()], config=None):
    """The live pipeline over ``n_frames`` at 10 fps; ``truth(t_ms)`` is what a window centred at
    ``t_ms`` shows. Returns the recognizer, the frames with their live labels and the live segments."""
    rec = ActionRecognizer(SPEC, config, keep_windows=True)
    frames, segments = [], []

    def classify(due):
        return [probs(truth((r.start_ms + r.t_ms) / 2)) for r in due]

    for i in range(n_frames):
        t, dets = i * 100.0, people(i)
        labels = rec.step(t, dets, classify)
        persons = [d.to_schema(a) for d, a in zip(dets, labels)]
        frames.append(FrameResult(frame_index=i, timestamp_ms=t, width=640, height=480, persons=persons))
        segments.extend(rec.drain_segments())
    segments.extend(rec.finish((n_frames - 1) * 100.0))
    return rec, frames, segments


def labels_of(frames, track=0):
    return [p.action.label for f in frames for p in f.persons if p.track_id == track]


def copy(frames):
    return [f.model_copy(deep=True) for f in frames]


def assert_segments_match_frames(frames, segments, unlabelled):
    """Every labelled frame lies in a segment of its label, every ``uncertain`` one in a span."""
    for f in frames:
        for p in f.persons:
            if p.action is None:
                continue
            t, lab = f.timestamp_ms, p.action.label
            pool = unlabelled if lab == UNCERTAIN else [s for s in segments if s.label == lab]
            assert any(s.track_id == p.track_id and s.start_ms <= t <= s.end_ms for s in pool), (t, lab)


def changes(labels):
    return sum(1 for x, y in zip(labels, labels[1:]) if x != y)


def test_an_event_is_placed_where_it_happened_without_the_live_delay():
    # walking, 6 s of boxing, walking again; each window shows what happens at its centre
    def truth(t):
        return "boxing" if 3000 <= t < 9000 else "walking"

    rec, live, _ = run_live(truth, 130)
    centred = copy(live)
    segments, unlabelled = relabel(centred, rec.windows, SPEC)
    runs = [(s.label, s.start_ms, s.end_ms) for s in segments]
    assert [r[0] for r in runs] == ["walking", "boxing", "walking"]
    # boxing within a second of the truth at both ends (the hysteresis waits for a clear lead)
    assert abs(runs[1][1] - 3000) <= 1000 and abs(runs[1][2] - 9000) <= 1000, runs
    live_start = labels_of(live).index("boxing") * 100.0
    assert live_start >= runs[1][1] + 1000  # live names it later: half a window plus the smoothing
    assert labels_of(centred)[0] == "walking"  # labelled from the first frame: no window filling
    assert labels_of(live)[0] == UNCERTAIN
    assert unlabelled == []
    assert_segments_match_frames(centred, segments, unlabelled)


def test_alternating_windows_flicker_no_more_than_live():
    # two windows of walking, one of waving, over and over: walking is what the person does
    def truth(t):
        return "walking" if int(t // 200) % 3 else "waving"

    rec, live, _ = run_live(truth, 130)
    centred = copy(live)
    segments, _ = relabel(centred, rec.windows, SPEC)
    ours = labels_of(centred)
    assert changes(ours) <= changes(labels_of(live)) and changes(ours) <= 1
    assert ours[-1] == "walking" and ours.count("walking") > 0.8 * len(ours)


def test_what_a_frame_says_about_itself_is_kept():
    """Too few joints in a frame: it stays ``uncertain`` (few_visible_joints); a track that was
    never classified keeps its live labels."""

    def people(i):
        return [person(0, visible=5 if 30 <= i < 33 else 17), person(1, visible=4)]

    rec, live, _ = run_live(lambda t: "waving", 60, people)
    centred = copy(live)
    segments, unlabelled = relabel(centred, rec.windows, SPEC)
    reasons = {f.frame_index: p.action.reason for f in centred for p in f.persons if p.track_id == 0}
    assert [reasons[i] for i in (30, 31, 32)] == ["few_visible_joints"] * 3
    assert all(reasons[i] is None for i in range(60) if not 30 <= i < 33)
    hidden = [p.action for f in centred for p in f.persons if p.track_id == 1]
    assert all(a.label == UNCERTAIN for a in hidden)  # never classified: as the live path said
    assert {(u.track_id, u.reason) for u in unlabelled} >= {(0, "few_visible_joints")}
    assert_segments_match_frames(centred, segments, unlabelled)


def test_a_long_gap_splits_the_windows_and_tracks_that_leave_are_closed():
    cfg = PipelineConfig(stale_ms=1000, track_timeout_ms=500)

    def people(i):
        return [] if 40 <= i < 70 else [person(0)] + ([person(1)] if i < 20 else [])

    def truth(t):
        return "walking" if t < 4000 else "boxing"

    rec, live, _ = run_live(truth, 110, people, cfg)
    centred = copy(live)
    segments, unlabelled = relabel(centred, rec.windows, SPEC, cfg)
    ours = [(s.track_id, s.label) for s in segments]
    assert (1, "walking") in ours  # the track that left got its segment
    assert [s.label for s in segments if s.track_id == 0] == ["walking", "boxing"]
    # smoothing does not reach across the gap: the first frames after it are already boxing
    after = [p.action.label for f in centred if f.frame_index >= 70 for p in f.persons]
    assert after[0] == "boxing"
    assert_segments_match_frames(centred, segments, unlabelled)


def test_windows_of_another_model_are_refused():
    frame = FrameResult(frame_index=0, timestamp_ms=0.0, width=64, height=64, persons=[])
    with pytest.raises(ValueError, match="2 probabilities for 3 classes"):
        relabel([frame], [WindowResult(0, 0.0, 100.0, np.array([0.5, 0.5]))], SPEC)


def test_no_windows_change_nothing():
    rec, live, _ = run_live(lambda t: "waving", 30)
    centred = copy(live)
    segments, unlabelled = relabel(centred, [], SPEC)
    assert [p.action for f in centred for p in f.persons] == [p.action for f in live for p in f.persons]
    assert_segments_match_frames(centred, segments, unlabelled)
