"""The real-video benchmark's ground truth and scoring, on small hand-made cases (no services)."""

from __future__ import annotations

import json

import numpy as np
import pytest

# the benchmark runs from the common environment; the pose-single one (numpy 1) runs this suite without them
pytest.importorskip("sklearn", reason="the benchmark's metrics need scikit-learn (common environment)")
pytest.importorskip("matplotlib", reason="the benchmark's pictures need matplotlib (common environment)")

from har_cli.videobench.groundtruth import GroundTruth, VideoTruth
from har_cli.videobench.report import write_report
from har_cli.videobench.runner import ClipRun
from har_cli.videobench.scoring import READINGS, is_correct, score_analysis, score_clip
from har_cli.videobench.summary import summarize
from har_cli.videobench.timelines import Timeline, timelines
from har_common.schemas import ActionLabel, FrameResult, ModelInfo, PersonPose, SourceInfo, VideoAnalysis

KP = [[10.0, 10.0, 0.9]] * 17


def video(*spans, file="x.mp4", person="main", mode="single", people=1) -> dict:
    """One clip's ground-truth JSON: ``spans`` as ``(start_s, end_s, label)``."""
    return {
        "file": file,
        "mode": mode,
        "people": people,
        "persons": [{"id": person, "spans": [{"start": a, "end": b, "label": lab} for a, b, lab in spans]}],
    }


def truth(*spans, **kw) -> VideoTruth:
    return VideoTruth.model_validate(video(*spans, **kw))


def line(labels, step_ms=100.0, key="main") -> Timeline:
    return Timeline(key, np.arange(len(labels)) * step_ms, labels)


def test_ground_truth_rejects_labels_outside_the_vocabulary_and_bad_spans(tmp_path):
    good = {"vocabulary": ["walking", "other"], "videos": {"a": video((0, 1, "walking"), (1, 2, "no_person"), file="a.mp4")}}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(good))
    assert GroundTruth.load(path).videos["a"].persons[0].spans[1].label == "no_person"
    bad = json.loads(json.dumps(good))
    bad["videos"]["a"]["persons"][0]["spans"][0]["label"] = "moonwalking"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="'moonwalking' at 0.0-1.0 s is not in the vocabulary"):
        GroundTruth.load(path)
    bad["videos"]["a"]["persons"][0]["spans"][0].update(label="walking", start=2, end=1)
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="end must be after start"):
        GroundTruth.load(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid ground-truth file"):
        GroundTruth.load(path)
    with pytest.raises(FileNotFoundError):
        GroundTruth.load(tmp_path / "missing.json")


def test_rejection_rule():
    assert is_correct("other", "uncertain") and is_correct("other", "other")
    assert not is_correct("walking", "uncertain") and not is_correct("no_person", "uncertain")
    assert not is_correct("other", "walking")


def test_three_readings_differ_as_documented():
    # 0-2 s walking truth; the model warms up (uncertain) for 0.8 s and lags by 0.5 s
    labels = ["uncertain"] * 12 + ["walking"] * 8 + ["walking"] * 5 + ["boxing"] * 15
    s = score_clip("c", truth((0, 2, "walking"), (2, 4, "boxing")), line(labels), {}, lag_ms=500.0)
    walk, box = s.spans
    assert walk.predicted == {"strict": "uncertain", "lag": "walking", "lag_skip_uncertain": "walking"}
    assert box.predicted["strict"] == "boxing" and box.correct["lag"]
    # the last span cannot shift past the clip's end: it is read as it is
    assert box.frames == 20


def test_uncertain_skipped_reading_falls_back_to_uncertain_when_nothing_else():
    s = score_clip("c", truth((0, 2, "walking")), line(["uncertain"] * 20), {}, lag_ms=0.0)
    assert s.spans[0].predicted["lag_skip_uncertain"] == "uncertain" and not s.spans[0].correct["lag_skip_uncertain"]


def test_spans_too_short_are_listed_not_scored():
    s = score_clip("c", truth((0, 0.3, "walking"), (0.3, 2, "boxing")), line(["boxing"] * 20), {}, lag_ms=0.0)
    short, long_ = s.spans
    assert not short.scored and "shorter than 0.5 s" in short.reason and short.predicted == {}
    assert long_.scored and long_.correct["strict"]
    summary = summarize([s])
    assert summary["headline"]["scored"] == 1 and summary["skipped"] == 1


def test_a_person_never_found_is_a_miss_and_counts_in_detection():
    s = score_clip("c", truth((0, 2, "walking")), line(["no_person"] * 20), {}, lag_ms=0.0)
    assert s.spans[0].predicted["lag"] == "no_person" and not s.spans[0].correct["lag"]
    assert (s.detection.person_frames, s.detection.person_frames_found) == (20, 0)
    # in an 'all' span nobody tracked is one miss, not zero items
    s = score_clip("c", truth((0, 2, "other"), person="all", mode="multi", people=3), line(["no_person"] * 20), {}, lag_ms=0.0)
    assert [(x.person, x.predicted["lag"], x.correct["lag"]) for x in s.spans] == [("all", "no_person", False)]


def test_labels_outside_the_vocabulary_are_wrong_and_show_in_the_confusion():
    s = score_clip("c", truth((0, 2, "handwaving")), line(["waving"] * 20), {}, lag_ms=0.0)
    assert not s.spans[0].correct["strict"]
    conf = summarize([s])["readings"]["strict"]["confusion"]
    assert conf == {"truth": ["handwaving"], "predicted": ["waving"], "matrix": [[1]]}


def test_no_person_spans_are_not_shifted_and_false_alarms_count_falls_apart():
    # nobody for 1 s, then a person shown "falling" then "walking" inside an 'other' span
    labels = ["no_person"] * 10 + ["falling"] * 5 + ["walking"] * 5 + ["other"] * 20
    s = score_clip("c", truth((0, 1, "no_person"), (1, 3, "other")), line(labels), {}, lag_ms=400.0)
    empty, _other = s.spans
    assert empty.predicted["lag"] == "no_person" and empty.correct["lag"]  # read unshifted
    fa = s.false_alarms
    # 'other' read over 1.4-3.4 s (clipped at the end): falling 1.4-1.5 (1 frame), walking 1.5-2.0 (5 frames)
    assert (fa.events, fa.fall_events) == (2, 1)
    assert fa.fall_seconds == pytest.approx(0.1) and fa.seconds == pytest.approx(0.6)
    assert fa.labels == {"falling": 1, "walking": 1}
    assert s.false_falls.events == 1


def test_false_falls_are_counted_in_every_span_but_a_fall():
    labels = ["standing"] * 10 + ["falling"] * 20 + ["falling"] * 10 + ["sitting"] * 10
    s = score_clip(
        "c", truth((0, 1, "standing"), (1, 3, "sitting"), (3, 4, "falling"), (4, 5, "sitting")), line(labels), {}, lag_ms=0.0
    )
    assert (s.false_falls.events, s.false_falls.seconds) == (1, pytest.approx(2.0))
    assert s.false_alarms.events == 0  # no other/no_person span here
    assert summarize([s])["false_falls"]["events"] == 1


def test_a_fall_shown_late_is_not_a_false_fall():
    """`falling` inside the true fall's own reading window (the latency allowed) is that fall, late, even where
    it overlaps the next span (a last span is read unshifted); the same label before the fall is false."""
    spans = ((0, 1, "walking"), (1, 2, "falling"), (2, 3, "lying"))
    late = ["walking"] * 10 + ["running"] * 10 + ["running"] * 5 + ["falling"] * 5  # shown 2.5-3.0 s
    s = score_clip("c", truth(*spans), line(late), {}, lag_ms=1000.0)
    assert s.false_falls.events == 0 and s.spans[1].correct["lag"] is False  # late, and too late to read the fall right
    # the walk is read over 1-2 s (latency allowed), the fall over 2-3 s: `falling` at 1-2 s came before the fall
    early = ["walking"] * 10 + ["falling"] * 10 + ["lying"] * 10
    assert score_clip("c", truth(*spans), line(early), {}, lag_ms=1000.0).false_falls.events == 1
    # with no latency allowed nothing is excused after the fall's end
    assert score_clip("c", truth(*spans), line(late), {}, lag_ms=0.0).false_falls.events == 1


def test_lag_reading_ignores_frames_after_the_person_left_but_not_a_person_never_found():
    # standing 0-2 s, then the person leaves (nobody 2-4 s); a 1 s shift reaches into the empty part
    labels = ["uncertain"] * 5 + ["standing"] * 10 + ["no_person"] * 25
    s = score_clip("c", truth((0, 1.5, "standing"), (1.5, 4, "no_person")), line(labels), {}, lag_ms=1000.0)
    standing, empty = s.spans
    assert standing.predicted["strict"] == "standing" and standing.predicted["lag"] == "standing"
    assert empty.predicted["lag"] == "no_person" and empty.correct["lag"]


def test_all_spans_score_each_track_seen_long_enough():
    t = truth((0, 3, "handclapping"), person="all", mode="multi", people=2)
    a = line(["handclapping"] * 30, key="track 1")
    b = line([None] * 27 + ["boxing"] * 3, key="track 2")  # in view for 0.3 s only
    c = line([None] * 10 + ["boxing"] * 20, key="track 3")
    main = line(["handclapping"] * 30)
    s = score_clip("c", t, main, {1: a, 2: b, 3: c}, lag_ms=0.0)
    assert [(x.person, x.predicted["strict"], x.correct["strict"]) for x in s.spans] == [
        ("track 1", "handclapping", True),
        ("track 3", "boxing", False),
    ]
    assert s.detection.tracks == 3 and s.detection.people == 2


def test_summary_per_class_recall_and_precision():
    clips = [
        score_clip("a", truth((0, 2, "walking")), line(["walking"] * 20), {}, lag_ms=0.0),
        score_clip("b", truth((0, 2, "walking")), line(["boxing"] * 20), {}, lag_ms=0.0),
        score_clip("c", truth((0, 2, "other")), line(["uncertain"] * 20), {}, lag_ms=0.0),
    ]
    summary = summarize(clips)
    for reading in READINGS:
        r = summary["readings"][reading]
        assert (r["correct"], r["scored"], r["accuracy"]) == (2, 3, pytest.approx(0.6667, abs=1e-4))
        assert r["per_class"]["walking"] == {"spans": 2, "predicted": 1, "recall": 0.5, "precision": 1.0}
        assert r["per_class"]["boxing"]["precision"] == 0.0 and r["per_class"]["boxing"]["recall"] is None
        assert r["per_class"]["other"]["recall"] == 1.0  # uncertain is a rejection
        assert r["macro_recall"] == pytest.approx(0.75)
        assert sum(map(sum, r["confusion"]["matrix"])) == 3


def _analysis(frames_persons, fps=10.0) -> VideoAnalysis:
    frames = [
        FrameResult(
            frame_index=i,
            timestamp_ms=i * 1000 / fps,
            width=100,
            height=100,
            persons=[
                PersonPose(
                    track_id=tid, keypoints=KP, bbox=box, action=None if lab is None else ActionLabel(label=lab, confidence=0.9)
                )
                for tid, lab, box in persons
            ],
        )
        for i, persons in enumerate(frames_persons)
    ]
    return VideoAnalysis(
        source=SourceInfo(width=100, height=100, fps=fps, frame_count=len(frames), duration_ms=len(frames) * 1000 / fps),
        models=ModelInfo(pose="test", classifier="m"),
        frames=frames,
    )


def test_timelines_from_an_analysis_main_is_the_largest_person_untracked_not_a_track():
    big, small = (0, 0, 50, 90), (0, 0, 10, 10)
    analysis = _analysis([[(None, "uncertain", small)]] + [[(1, "walking", big), (2, "boxing", small)]] * 9 + [[]])
    main, tracks, untracked = timelines(analysis)
    assert main.labels[1] == "walking" and main.labels[-1] == "no_person"
    assert sorted(tracks) == [1, 2] and untracked == 1
    assert tracks[2].labels[0] is None and tracks[2].labels[1] == "boxing"
    s = score_analysis("c", truth((0, 1, "walking")), analysis, lag_ms=0.0)
    assert s.spans[0].correct["strict"]


def test_report_is_complete_and_consistent(tmp_path):
    gt = GroundTruth.model_validate(
        {
            "vocabulary": ["walking", "boxing", "other"],
            "videos": {
                "a": video((0, 0.5, "no_person"), (0.5, 2, "walking"), file="a.mp4"),
                "b": video((0, 2, "other"), file="b.mp4", person="all", mode="multi", people=2),
                "c": video((0, 2, "walking"), file="c.mp4"),
            },
        }
    )
    box = (0, 0, 20, 40)
    analyses = {
        "a": _analysis([[]] * 5 + [[(0, "walking", box)]] * 15),
        "b": _analysis([[(1, "boxing", box), (2, "other", box)]] * 20),
    }
    runs = [ClipRun("a", analyses["a"]), ClipRun("b", analyses["b"]), ClipRun("c", None, error="no such video")]
    scores, lines = {}, {}
    for name, analysis in analyses.items():
        main, tracks, untracked = timelines(analysis)
        lines[name] = (main, tracks)
        scores[name] = score_clip(name, gt.videos[name], main, tracks, 0.0, len(tracks), untracked)
    summary = summarize(list(scores.values()))
    meta = {
        "model": "m",
        "groundtruth": "gt.json",
        "videos": ".",
        "lag_s": 0.0,
        "lag_source": "--lag",
        "min_span_s": 0.5,
        "created": "now",
        "command": "har benchmark videos gt.json",
    }
    md = write_report(tmp_path, meta, gt, runs, scores, lines, summary)
    body = json.loads((tmp_path / "report.json").read_text())
    assert body["headline"]["scored"] == 4 and body["headline"]["correct"] == 3  # a: 2 right; b: track 2 right
    assert [c["clip"] for c in body["clips"]] == ["a", "b"] and body["failed"] == [{"clip": "c", "error": "no such video"}]
    assert body["false_alarms"]["events"] == 1 and body["false_alarms"]["labels"] == {"boxing": 1}
    for name in ("a", "b"):
        png = tmp_path / "timelines" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"timelines/{name}.png" in md.read_text()
    text = md.read_text()
    assert "3 of 4 spans right (75.0 %)" in text and "c: no such video" in text


def test_model_figures_go_into_a_model_folder_only(tmp_path):
    from har_cli.videobench.report import model_figures

    clip = score_clip("c", truth((0, 2, "walking"), (2, 4, "other")), line(["walking"] * 20 + ["falling"] * 20), {}, lag_ms=0.0)
    summary = summarize([clip])
    meta = {
        "command": "har benchmark videos gt.json",
        "created": "now",
        "groundtruth": "gt.json",
        "lag_s": 0.0,
        "labels": "centred",
    }
    with pytest.raises(FileNotFoundError, match="not a classifier model folder"):
        model_figures(tmp_path, meta, summary)
    (tmp_path / "model.json").write_text("{}")
    body = json.loads(model_figures(tmp_path, meta, summary).read_text())
    assert body["readings"]["lag"]["correct"] == 1 and body["spans"] == 2 and body["labels"] == "centred"
    assert body["recall"] == {"other": 0.0, "walking": 1.0}
    assert body["false_falls"]["events"] == 1 and body["false_alarms"]["labels"] == {"falling": 1}


def test_a_partial_run_is_never_saved_into_a_model_folder(shared, tmp_path, capsys):
    from har_cli.cli import main as har

    gt = shared("data", "videos", "real", "groundtruth.json")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.json").write_text("{}")
    dead = "http://127.0.0.1:9"  # nothing listens there: every clip fails
    code = har(
        [
            "benchmark",
            "videos",
            str(gt),
            "--clips",
            "kth_style_boxing",
            "--lag",
            "1",
            "--single-url",
            dead,
            "--out",
            str(tmp_path / "out"),
            "--save-to",
            str(model_dir),
        ]
    )
    assert code == 1 and not (model_dir / "real_video.json").exists()
    err = capsys.readouterr().err
    assert "not saved to the model folder" in err and "no pose service" in err
    assert json.loads((tmp_path / "out" / "report.json").read_text())["failed"][0]["clip"] == "kth_style_boxing"


def test_responsiveness_first_labels_short_events_and_changes_in_long_spans():
    # a person appears at 1 s, is labelled at 2 s, flickers in the long walk; the short fall is missed
    # (nobody found); a second appearance after a 2 s absence ends undecided
    labels = ["no_person"] * 10 + ["uncertain"] * 10 + ["walking"] * 20 + ["uncertain"] + ["walking"] * 9
    labels += ["walking"] * 10 + ["no_person"] * 20 + ["uncertain"] * 10
    gt = truth((1, 6, "walking"), (6, 7, "falling"), (7, 8, "no_person"), (8, 9, "standing"))
    score = score_clip("a", gt, line(labels), {}, lag_ms=0.0)
    assert score.first_label_s == [1.0, None]
    walk = next(s for s in score.spans if s.truth == "walking")
    assert walk.changes == 3  # uncertain -> walking -> uncertain -> walking
    r = summarize([score])["responsiveness"]
    assert (r["appearances"], r["never_labelled"], r["first_label_s"]["median"]) == (2, 1, 1.0)
    assert r["short_spans"] == {"scored": 2, "correct": 0}  # the fall and the standing; empty spans are not events
    assert r["long_spans"] == {"scored": 1, "correct": 1}
    assert r["long_span_changes_per_minute"] == pytest.approx(60 * 3 / 5)


def test_change_delay_is_read_from_each_annotated_change_of_action():
    # standing 0-2 s, sitting_down 2-3 s (named 0.7 s late), sitting 3-6 s (named 1.5 s late), other 6-8 s
    # (rejected at once, which counts), then nobody: the empty room is not a change of action; lag 0.5 s
    labels = ["standing"] * 27 + ["sitting_down"] * 18 + ["sitting"] * 15 + ["uncertain"] * 20 + ["no_person"] * 10
    gt = truth((0, 2, "standing"), (2, 3, "sitting_down"), (3, 6, "sitting"), (6, 8, "other"), (8, 9, "no_person"))
    score = score_clip("a", gt, line(labels), {}, lag_ms=500.0)
    assert score.change_delay_s == [0.7, 1.5, 0.0]
    r = summarize([score])["responsiveness"]
    assert (r["changes"], r["changes_missed"], r["change_delay_s"]) == (3, 0, {"median": 0.7, "max": 1.5})
    # never shown before the headline reading's end of the span (its end + the lag): missed
    late = ["standing"] * 36 + ["sitting_down"] * 54
    score = score_clip("b", truth((0, 2, "standing"), (2, 3, "sitting_down"), (3, 9, "sitting")), line(late), {}, lag_ms=500.0)
    assert score.change_delay_s == [None, None]
    assert summarize([score])["responsiveness"]["change_delay_s"] == {"median": None, "max": None}


def test_responsiveness_of_a_multi_person_clip_is_read_per_track():
    tracks = {1: line([None] * 5 + ["uncertain"] * 5 + ["other"] * 10, key="track 1"), 2: line(["other"] * 20, key="track 2")}
    gt = truth((0, 2, "other"), person="all", mode="multi", people=2)
    score = score_clip("m", gt, line(["other"] * 20), tracks, lag_ms=0.0)
    assert sorted(score.first_label_s) == [0.0, 0.5]
