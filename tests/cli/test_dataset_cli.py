"""The `har dataset` commands on real files: import, info."""

import json

import numpy as np
import pytest

from har_cli.cli import main as har
from har_common.dataset import SequenceRecord, SkeletonDataset
from har_common.importers.analysis import load_analysis_labels
from har_common.schemas import FrameResult, ModelInfo, PersonPose, SourceInfo, VideoAnalysis


def _record(label, n=5, subject="s1", value=1.0):
    return SequenceRecord(label, np.full((n, 17, 3), value, np.float32), subject=subject, source=f"{label}.x", meta={"k": 1})


def test_cli_info(tmp_path, capsys):
    SkeletonDataset([_record("wave")]).save(tmp_path / "d")
    assert har(["dataset", "info", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "1 sequences, 1 classes" in out and "wave" in out
    assert har(["dataset", "info", str(tmp_path / "nope")]) == 2


def _analysis(n_frames=20, stride=2):
    frames = []
    for i in range(0, n_frames * stride, stride):
        persons = [PersonPose(track_id=t, keypoints=[[100 + t * 50 + i, 200, 0.9]] * 17) for t in (1, 2)]
        frames.append(FrameResult(frame_index=i, timestamp_ms=i * 1000 / 30, width=640, height=480, persons=persons))
    return VideoAnalysis(
        source=SourceInfo(width=640, height=480, fps=30, frame_count=n_frames * stride, duration_ms=n_frames * stride * 33.3),
        models=ModelInfo(pose="test"),
        frames=frames,
    )


def test_analysis_json_with_labels_csv(tmp_path, capsys):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "one.json").write_text(_analysis().model_dump_json())
    (tmp_path / "labels.csv").write_text("file,label,subject\nclips/one.json,waving,alice\n")
    records = load_analysis_labels(tmp_path / "labels.csv")
    assert [(r.label, r.subject, r.meta["track_id"], r.keypoints.shape) for r in records] == [
        ("waving", "alice", 1, (20, 17, 3)),
        ("waving", "alice", 2, (20, 17, 3)),
    ]
    assert records[0].fps == 15.0  # every second frame of a 30 fps video

    assert har(["dataset", "import", "analysis", str(tmp_path / "labels.csv"), "--out", str(tmp_path / "ds")]) == 0
    assert SkeletonDataset.load(tmp_path / "ds").classes == ["waving"]
    assert "alice" in capsys.readouterr().out


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
