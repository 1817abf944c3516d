import json

import numpy as np
import pytest

from har_common.cli import main as har
from har_common.dataset import SkeletonDataset
from har_common.importers.analysis import load_analysis_labels
from har_common.importers.openpose_csv import load_openpose_csv
from har_common.schemas import FrameResult, ModelInfo, PersonPose, SourceInfo, VideoAnalysis


def test_utd_mhad_loads_all_861(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    records = load_utd_mhad(shared("data", "skeletons", "utd_mhad"))
    assert len(records) == 861
    assert {r.subject for r in records} == {f"s{i}" for i in range(1, 9)}
    wave = next(r for r in records if r.source.endswith("a3_s1_t3_skeleton.mat"))
    assert wave.label == "right_hand_wave" and wave.fps == 30.0 and wave.keypoints.shape == (69, 17, 3)
    kp = wave.keypoints
    assert (kp[:, 1:5, 2] == 0).all()             # no eyes or ears on a Kinect
    assert (kp[:, 5:, 2] == 1).all()
    # Facing the camera, unmirrored: left shoulder right of right shoulder, head above the ankles.
    assert (kp[:, 5, 0] > kp[:, 6, 0]).all() and (kp[:, 0, 1] < kp[:, 15, 1]).all()
    body = kp[:, 5:, :2]
    assert body.min() > 0 and body[..., 0].max() < 640 and body[..., 1].max() < 480


def test_utd_mhad_label_map_selects_actions(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    records = load_utd_mhad(shared("data", "skeletons", "utd_mhad"), {"a3": "handwaving", "squat": "squatting"})
    assert {r.label for r in records} == {"handwaving", "squatting"}
    assert len(records) == 32 + 31


def test_utd_mhad_extra_viewpoints(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    folder = shared("data", "skeletons", "utd_mhad")
    plain = load_utd_mhad(folder, {"a3": "handwaving"})
    records = load_utd_mhad(folder, {"a3": "handwaving"}, yaws=(-30.0, 30.0))
    assert len(records) == 3 * len(plain) == 96
    trial = [r for r in records if r.source.split("#")[0].endswith("a3_s1_t3_skeleton.mat")]
    assert [r.source.rsplit("/", 1)[1] for r in trial] == [
        "a3_s1_t3_skeleton.mat", "a3_s1_t3_skeleton.mat#yaw=-30", "a3_s1_t3_skeleton.mat#yaw=30"]
    assert [r.meta.get("yaw") for r in trial] == [None, -30.0, 30.0]
    assert {r.subject for r in trial} == {"s1"} and {r.meta["trial"] for r in trial} == {3}
    assert np.array_equal(trial[0].keypoints, plain[2].keypoints)  # the camera's own view is unchanged
    # Turned 30 degrees either way, the shoulders are closer together in the image, and the heights barely move.
    width = lambda r: np.median(np.abs(r.keypoints[:, 5, 0] - r.keypoints[:, 6, 0]))  # noqa: E731
    assert width(trial[1]) < 0.95 * width(trial[0]) and width(trial[2]) < 0.95 * width(trial[0])
    assert np.abs(np.median(trial[1].keypoints[:, 0, 1]) - np.median(trial[0].keypoints[:, 0, 1])) < 15


def test_lzq_rows_cut_into_labelled_sequences(shared):
    folder = shared("data", "skeletons", "lzq_openpose2d")
    records = load_openpose_csv([folder / "data_under_scene.csv", folder / "data.csv"])
    labels = {r.label for r in records}
    assert labels == {"stand", "walk", "operate", "fall_down", "run", "squat", "wave"}
    # data.csv's stand and walk rows repeat data_under_scene.csv's: none is read twice.
    assert not any(r.meta["file"] == "data.csv" and r.label in ("stand", "walk") for r in records)
    for r in records:
        assert r.keypoints.shape[0] >= 10 and r.subject is None
        assert r.meta["end_row"] - r.meta["start_row"] + 1 >= r.keypoints.shape[0]
        steps = np.abs(np.diff(r.keypoints[..., :2], axis=0)).max()
        assert steps < 640                         # no jump from one recording to the next inside


def test_openpose_csv_cuts_on_jump_and_label(tmp_path):
    header = ",".join(f"j{i}" for i in range(36)) + ",class\n"
    still = [0.5] * 36
    moved = [0.9] * 36
    rows = [still] * 12 + [moved] * 12 + [moved] * 11
    labels = ["a"] * 24 + ["b"] * 11
    (tmp_path / "x.csv").write_text(header + "".join(
        ",".join(map(str, r)) + f",{lab}\n" for r, lab in zip(rows, labels)))
    # duplicates are skipped, so identical rows give one frame each: make rows unique
    text = header
    for i, (r, lab) in enumerate(zip(rows, labels)):
        r = list(r); r[0] += i * 1e-4
        text += ",".join(f"{v:.4f}" for v in r) + f",{lab}\n"
    (tmp_path / "x.csv").write_text(text)
    records = load_openpose_csv([tmp_path / "x.csv"])
    assert [(r.label, r.keypoints.shape[0]) for r in records] == [("a", 12), ("a", 12), ("b", 11)]


def test_openpose_csv_rejects_wrong_columns(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="36 coordinate columns"):
        load_openpose_csv([tmp_path / "bad.csv"])


def _analysis(n_frames=20, stride=2):
    frames = []
    for i in range(0, n_frames * stride, stride):
        persons = [PersonPose(track_id=t, keypoints=[[100 + t * 50 + i, 200, 0.9]] * 17) for t in (1, 2)]
        frames.append(FrameResult(frame_index=i, timestamp_ms=i * 1000 / 30, width=640, height=480, persons=persons))
    return VideoAnalysis(
        source=SourceInfo(width=640, height=480, fps=30, frame_count=n_frames * stride, duration_ms=n_frames * stride * 33.3),
        models=ModelInfo(pose="test"), frames=frames)


def test_analysis_json_with_labels_csv(tmp_path, capsys):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "one.json").write_text(_analysis().model_dump_json())
    (tmp_path / "labels.csv").write_text("file,label,subject\nclips/one.json,waving,alice\n")
    records = load_analysis_labels(tmp_path / "labels.csv")
    assert [(r.label, r.subject, r.meta["track_id"], r.keypoints.shape) for r in records] == [
        ("waving", "alice", 1, (20, 17, 3)), ("waving", "alice", 2, (20, 17, 3))]
    assert records[0].fps == 15.0                  # every second frame of a 30 fps video

    assert har(["dataset", "import", "analysis", str(tmp_path / "labels.csv"), "--out", str(tmp_path / "ds")]) == 0
    assert SkeletonDataset.load(tmp_path / "ds").classes == ["waving"]
    assert "alice" in capsys.readouterr().out


def test_analysis_labels_errors(tmp_path):
    (tmp_path / "l.csv").write_text("file,label\nx.json,a\n")
    with pytest.raises(ValueError, match="subject"):
        load_analysis_labels(tmp_path / "l.csv")
    (tmp_path / "l.csv").write_text("file,label,subject\nmissing.json,a,s\n")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load_analysis_labels(tmp_path / "l.csv")


def test_cli_imports_real_data(shared, tmp_path, capsys):
    pytest.importorskip("scipy")
    src = shared("data", "skeletons", "utd_mhad")
    assert har(["dataset", "import", "utd-mhad", str(src), "--out", str(tmp_path / "utd"), "--map", "a3=handwaving"]) == 0
    out = capsys.readouterr().out
    assert "32 sequences, 1 classes" in out and "s8" in out
    info = json.loads(_run_info(tmp_path / "utd", capsys))
    assert info["classes"]["handwaving"]["sequences"] == 32


def _run_info(folder, capsys):
    har(["dataset", "info", str(folder), "--json"])
    return capsys.readouterr().out
