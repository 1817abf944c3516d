"""Where a batch's videos come from and where its results go, without Ray: folders, globs, list
files, result names, and an fsspec URL (the in-memory filesystem standing in for an object store)."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest
from har_batch.outputs import Destination, segment_rows
from har_batch.sources import list_videos, result_names

from har_common.schemas import ActionSegment, ModelInfo, SourceInfo, VideoAnalysis


def _tree(root: Path) -> None:
    for rel in ("a.mp4", "b/c.avi", "b/c.mp4", "b/notes.txt", "d/E.MOV"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")


def test_folder_glob_and_list_file(tmp_path):
    _tree(tmp_path)
    videos, root = list_videos(str(tmp_path))
    assert [Path(v).relative_to(tmp_path).as_posix() for v in videos] == ["a.mp4", "b/c.avi", "b/c.mp4", "d/E.MOV"]
    assert result_names(videos, root) == ["a", "b/c.avi", "b/c.mp4", "d/E"]
    videos, root = list_videos(str(tmp_path / "b" / "*.mp4"))
    assert result_names(videos, root) == ["c"]
    listing = tmp_path / "list.txt"
    listing.write_text(f"# comment\n\na.mp4\n{tmp_path / 'd' / 'E.MOV'}\n")
    videos, root = list_videos(str(listing))
    assert videos == [str(tmp_path / "a.mp4"), str(tmp_path / "d" / "E.MOV")]
    assert result_names(videos, root) == ["a", "d/E"]


def test_nothing_to_analyse_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such"):
        list_videos(str(tmp_path / "missing"))
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(FileNotFoundError, match="no video"):
        list_videos(str(tmp_path / "notes.txt"))


def _analysis() -> VideoAnalysis:
    seg = ActionSegment(track_id=3, label="walking", start_ms=500, end_ms=2250, mean_confidence=0.8)
    return VideoAnalysis(
        source=SourceInfo(width=64, height=48, fps=30, frame_count=0, duration_ms=0),
        models=ModelInfo(pose="p", classifier="c"),
        frames=[],
        segments=[seg],
    )


def test_object_store_urls_through_fsspec(tmp_path):
    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/videos/cam1/day1.mp4", b"video bytes")
    videos, root = list_videos("memory://bucket/videos")
    assert len(videos) == 1 and videos[0].startswith("memory://") and videos[0].endswith("/bucket/videos/cam1/day1.mp4")
    assert result_names(videos, root) == ["cam1/day1"]
    dest = Destination("memory://bucket/results")
    local = dest.fetch(videos[0], tmp_path / "input")
    assert local.read_bytes() == b"video bytes"
    assert dest.load("cam1/day1") is None
    job = tmp_path / "job"
    job.mkdir()
    (job / "result.json").write_text(_analysis().model_dump_json())
    (job / "keypoints.csv").write_text("frame_index\n")
    dest.store(job, "cam1/day1")
    assert dest.load("cam1/day1") == _analysis()
    assert fs.exists("/bucket/results/cam1/day1.keypoints.csv")


def test_segment_rows_in_seconds():
    assert segment_rows("v", _analysis()) == [
        {"video": "v", "track": 3, "label": "walking", "start": 0.5, "end": 2.25, "duration": 1.75, "confidence": 0.8}
    ]
