import json

import numpy as np
import pytest

from har_common.dataset import DatasetError, SequenceRecord, SkeletonDataset


def _record(label, n=5, subject="s1", value=1.0):
    return SequenceRecord(label, np.full((n, 17, 3), value, np.float32), subject=subject, source=f"{label}.x", meta={"k": 1})


def test_round_trip_without_pickle(tmp_path):
    ds = SkeletonDataset([_record("wave", 4), _record("clap", 6, "s2", 2.0)])
    ds.save(tmp_path)
    with np.load(tmp_path / "keypoints.npz", allow_pickle=False) as npz:
        assert npz["keypoints"].shape == (10, 17, 3)
    again = SkeletonDataset.load(tmp_path)
    assert again.classes == ["clap", "wave"]
    assert [r.keypoints.shape[0] for r in again] == [4, 6]
    np.testing.assert_array_equal(again.records[1].keypoints, ds.records[1].keypoints)
    assert again.records[0].meta == {"k": 1} and again.records[1].subject == "s2"


def test_bad_records_and_folders_rejected(tmp_path):
    with pytest.raises(ValueError, match="17, 3"):
        SequenceRecord("x", np.zeros((3, 18, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        SequenceRecord("x", np.full((3, 17, 3), np.nan))
    with pytest.raises(DatasetError, match="not a dataset folder"):
        SkeletonDataset.load(tmp_path)
    (tmp_path / "dataset.json").write_text(json.dumps({"format": "other", "version": 1}))
    (tmp_path / "keypoints.npz").write_bytes(b"")
    with pytest.raises(DatasetError, match="unknown format"):
        SkeletonDataset.load(tmp_path)


def test_summary_counts():
    ds = SkeletonDataset([_record("wave"), _record("wave", subject="s2"), _record("clap", subject=None)])
    s = ds.summary()
    assert s["classes"]["wave"] == {"sequences": 2, "frames": 10}
    assert s["subjects"] == ["s1", "s2"] and s["unattributed_sequences"] == 1
