"""The frames-to-actions core: windows, smoothing with hysteresis, uncertainty, segments."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from har_common.pose.backend import Detection
from har_common.pose.pipeline import UNCERTAIN, ActionRecognizer, PipelineConfig
from har_common.schemas import ActionSegment, ModelDescription, ModelList, WindowSpec

SPEC = ModelDescription(name="m", classes=["walking", "waving", "boxing"], window=WindowSpec(length=8, fps=10.0, stride=2))


def person(track=0, visible=17, score=0.9):
    kp = np.zeros((17, 3), np.float32)
    kp[:visible] = (100.0, 200.0, score)
    return Detection(keypoints=kp, track_id=track)


def probs(label, p=0.9):
    rest = (1 - p) / 2
    return {c: (p if c == label else rest) for c in SPEC.classes}


def test_the_models_list_is_one_contract():
    """The classifier's ``GET /v1/models`` is parsed with its contract: one shape, and a wrong one fails loudly."""
    listed = ModelList.model_validate(
        {
            "default_model": "b",
            "max_batch": 8,
            "models": [
                {"name": "a", "classes": ["x"], "window": {"length": 10, "fps": 10.0, "stride": 2}},
                {"name": "b", "classes": ["x", "y"], "window": {"length": 32, "fps": 15.0, "stride": 8, "seconds": 2.133333}},
            ],
        }
    )
    s = listed.choose()
    assert (s.name, s.classes, s.window.length, s.window.fps, s.window.stride) == ("b", ["x", "y"], 32, 15.0, 8)
    assert s.window.seconds * 1000 == pytest.approx(2133.33, abs=0.01)
    assert listed.choose("a").window.length == 10
    with pytest.raises(LookupError):
        listed.choose("missing")
    with pytest.raises(ValidationError):  # the old guesses are gone: "default", a bare window length
        ModelList.model_validate({"default": "b", "models": [{"name": "z", "classes": ["q"], "window": 16}]})
    with pytest.raises(ValidationError):
        ModelList.model_validate({"default_model": "b", "max_batch": 8, "models": []})


def test_windows_come_due_once_per_stride_and_carry_real_fps():
    tr = ActionRecognizer(SPEC)
    due_at = []
    for i in range(40):  # 30 fps video, model window 800 ms, stride 200 ms
        t = i * 1000 / 30
        for r in tr.observe(t, [person()]):
            due_at.append(i)
            assert r.fps == pytest.approx(10.0, rel=0.01)  # thinned to the model's 10 fps
            assert r.keypoints.shape[1:] == (17, 3)
            assert len(r.keypoints) <= 9
    assert due_at[0] == 5  # 25 % of the 800 ms window covered (the default min_window_fill)
    assert np.diff(due_at).tolist() == [6] * (len(due_at) - 1)  # 200 ms at 30 fps
    late = ActionRecognizer(SPEC, PipelineConfig(min_window_fill=0.75))
    first = next(i for i in range(40) if late.observe(i * 1000 / 30, [person()]))
    assert first == 17  # 75 % of the 24-frame window filled


def test_window_json_is_a_valid_skeleton_sequence():
    from har_common.schemas import SkeletonSequence

    tr = ActionRecognizer(SPEC)
    due = [r for i in range(10) for r in tr.observe(i * 100.0, [person()])]
    SkeletonSequence.model_validate(due[0].to_json())


def test_smoothing_and_hysteresis_do_not_flicker():
    # at weight 0.4 the alternation keeps walking's smoothed probability above the exit threshold
    # (it settles at 0.37); at 0.5 it would sink to 1/3 and walking would rightly be dropped
    tr = ActionRecognizer(SPEC, PipelineConfig(ema_alpha=0.4, ema_hop_s=0.2))  # a weight per window of SPEC (0.2 s hop)
    seq = ["walking"] * 6 + ["waving", "walking"] * 4 + ["waving"] * 8
    labels = []
    t = 0.0
    for target in seq:
        for _ in range(2):  # stride = 2 frames at 10 fps
            due = tr.observe(t, [person()])
            if due:
                tr.apply(due, [probs(target)] * len(due))
            labels.append(tr.frame_labels(t, [person()])[0].label)
            t += 100.0
    labelled = [x for x in labels if x != UNCERTAIN]
    assert labelled[0] == "walking"
    changes = sum(1 for a, b in zip(labelled, labelled[1:]) if a != b)
    assert changes == 1 and labelled[-1] == "waving"  # alternation did not flip the label
    segs = tr.finish(t)
    assert [s.label for s in segs] == ["walking", "waving"]
    assert segs[0].end_ms == segs[1].start_ms  # segments meet at the change
    for s in segs:
        ActionSegment.model_validate(s.model_dump())
        assert 0.5 < s.mean_confidence <= 1.0


def test_low_confidence_and_few_joints_are_uncertain():
    tr = ActionRecognizer(SPEC)
    for i in range(10):
        due = tr.observe(i * 100.0, [person()])
        if due:
            tr.apply(due, [{"walking": 0.4, "waving": 0.35, "boxing": 0.25}])
    assert tr.frame_labels(900.0, [person()])[0].label == UNCERTAIN
    tr2 = ActionRecognizer(SPEC)
    for i in range(10):
        due = tr2.observe(i * 100.0, [person()])
        if due:
            tr2.apply(due, [probs("boxing")])
    assert tr2.frame_labels(900.0, [person()])[0].label == "boxing"
    assert tr2.frame_labels(1000.0, [person(visible=5)])[0].label == UNCERTAIN  # this frame: too few joints
    # a window of mostly hidden people is never sent
    tr3 = ActionRecognizer(SPEC)
    assert not [r for i in range(20) for r in tr3.observe(i * 100.0, [person(visible=4)])]


def test_each_label_carries_the_top_three_classes_and_why_it_is_uncertain():
    tr = ActionRecognizer(SPEC)
    first = tr.frame_labels(0.0, [person()])  # nothing observed yet: no track
    assert first == [None]
    tr.observe(0.0, [person()])
    filling = tr.frame_labels(0.0, [person()])[0]
    assert (filling.label, filling.reason, filling.top_k) == (UNCERTAIN, "window_filling", None)
    for i in range(1, 10):
        due = tr.observe(i * 100.0, [person()])
        if due:
            tr.apply(due, [{"walking": 0.4, "waving": 0.35, "boxing": 0.25}])
    low = tr.frame_labels(900.0, [person()])[0]
    assert (low.label, low.reason) == (UNCERTAIN, "low_confidence")
    assert [(c.label, c.probability) for c in low.top_k] == [("walking", 0.4), ("waving", 0.35), ("boxing", 0.25)]
    few = tr.frame_labels(950.0, [person(visible=5)])[0]
    assert few.reason == "few_visible_joints" and few.top_k[0].label == "walking"
    tr2 = ActionRecognizer(SPEC)
    for i in range(10):
        due = tr2.observe(i * 100.0, [person()])
        if due:
            tr2.apply(due, [probs("boxing")])
    sure = tr2.frame_labels(900.0, [person()])[0]
    assert (sure.label, sure.reason) == ("boxing", None)
    assert sure.top_k[0].label == "boxing" and sure.top_k[0].probability == pytest.approx(sure.confidence)
    assert [c.probability for c in sure.top_k] == sorted((c.probability for c in sure.top_k), reverse=True)
    stale = tr2.frame_labels(900.0 + tr2.config.stale_ms + 100, [person()])[0]
    assert stale.top_k is None and stale.reason == "window_filling"


def test_a_label_is_never_shown_below_the_exit_threshold():
    """While another label waits out ``switch_after`` windows the current one is still dropped once
    its smoothed probability falls below ``exit_confidence``: every labelled frame's confidence is
    at or above it."""
    cfg = PipelineConfig(ema_alpha=0.9, ema_hop_s=0.2, switch_after=3)
    tr = ActionRecognizer(SPEC, cfg)
    shown = []
    t = 0.0
    for target in ["walking"] * 6 + ["waving"] * 6:
        for _ in range(2):
            due = tr.observe(t, [person()])
            if due:
                tr.apply(due, [probs(target, 0.95)] * len(due))
            shown.append(tr.frame_labels(t, [person()])[0])
            t += 100.0
    labelled = [a for a in shown if a.label != UNCERTAIN]
    assert [a.label for a in labelled][0] == "walking" and labelled[-1].label == "waving"
    assert min(a.confidence for a in labelled) >= cfg.exit_confidence


def test_tracks_are_independent_and_expire():
    tr = ActionRecognizer(SPEC, PipelineConfig(track_timeout_ms=500))
    for i in range(10):
        due = tr.observe(i * 100.0, [person(1), person(2)])
        if due:
            tr.apply(due, [probs("walking" if r.track_id == 1 else "boxing") for r in due])
        tr.frame_labels(i * 100.0, [person(1), person(2)])
    assert sorted(tr.track_ids) == [1, 2]
    # track 2 leaves; past the timeout its segment closes
    for i in range(10, 18):
        tr.observe(i * 100.0, [person(1)])
        tr.frame_labels(i * 100.0, [person(1)])
    closed = tr.drain_segments()
    assert [(s.track_id, s.label) for s in closed] == [(2, "boxing")]
    assert tr.track_ids == [1]


def test_stale_results_and_no_spec():
    tr = ActionRecognizer(SPEC, PipelineConfig(stale_ms=500))
    for i in range(10):
        due = tr.observe(i * 100.0, [person()])
        if due:
            tr.apply(due, [probs("waving")])
    assert tr.frame_labels(950.0, [person()])[0].label == "waving"
    for i in range(10, 20):
        tr.observe(i * 100.0, [person()])  # classifier down: nothing applied
    lab = tr.frame_labels(2000.0, [person()])[0]
    assert lab.label == UNCERTAIN and lab.confidence == 0.0
    off = ActionRecognizer(None)
    assert off.observe(0.0, [person()]) == [] and off.frame_labels(0.0, [person()]) == [None]
    off.set_spec(SPEC)
    assert [r for i in range(10) for r in off.observe(i * 100.0, [person()])]


def test_untracked_people_get_no_window_and_no_label():
    tr = ActionRecognizer(SPEC)
    assert not [r for i in range(20) for r in tr.observe(i * 100.0, [person(None), person(None)])]
    assert tr.frame_labels(2000.0, [person(None)]) == [None] and tr.track_ids == []


def test_a_failed_classifier_call_changes_nothing_and_labels_go_stale():
    """The classifier down or timing out mid-video (classify returns None for the batch) must not
    end the job: labels stay until stale, then become uncertain, and come back with the classifier."""
    tr = ActionRecognizer(SPEC)
    up = True
    calls = []

    def classify(due):
        calls.append(len(due))
        return [probs("waving") for _ in due] if up else None

    labels = []
    for i in range(200):  # 10 fps, 20 s; the classifier is down from 5 s to 15 s
        up = not (50 <= i < 150)
        labels.append(tr.step(i * 100.0, [person()], classify)[0].label)
    assert labels[40] == "waving"
    assert labels[140] == UNCERTAIN  # stale after the classifier went away
    assert labels[-1] == "waving"  # and back once it answers again
    assert len(calls) > 20


def test_smoothing_spans_the_same_time_whatever_the_models_stride():
    """``ema_alpha`` is the weight per 0.8 s of window hop: a model that classifies twice as often weighs each
    window less, so after the same time the newest evidence counts as much."""
    cfg = PipelineConfig(ema_alpha=0.3)
    weights = {}
    for stride in (4, 8):
        spec = ModelDescription(name="m", classes=SPEC.classes, window=WindowSpec(length=16, fps=10.0, stride=stride))
        weights[stride] = ActionRecognizer(spec, cfg)._alpha
    assert weights[8] == pytest.approx(0.3)
    assert 1 - (1 - weights[4]) ** 2 == pytest.approx(0.3)  # two windows of 0.4 s weigh as one of 0.8 s
