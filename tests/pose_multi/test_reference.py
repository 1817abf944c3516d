"""The numpy decoding against Ultralytics' own prediction (PyTorch, the .pt checkpoint) on the same
photos: same persons, keypoints within 2 px. The reference is written at setup time by
``scripts/fetch-yolo`` in the yolo-export environment (Ultralytics cannot run in this one)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from pose_multi_helpers import read_rgb

from har_pose_multi import yolo


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("name", ["bus.jpg", "zidane.jpg"])
def test_same_people_and_keypoints_as_ultralytics(name, backend, reference, shared):
    path = shared("data", "photos", name)
    ref = reference["images"][name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ref["sha256"], "not the image Ultralytics saw"
    # the reference's own settings: the service's defaults run large photos at their own size
    r = reference["settings"]
    model = yolo.YoloPoseModel(backend.model.path, imgsz=r["imgsz"], conf=r["conf"], iou=r["iou"], max_imgsz=r["imgsz"])
    poses = model.predict(read_rgb(path))
    ref_boxes, ref_kpts = np.array(ref["boxes"]), np.array(ref["keypoints"])
    assert len(poses) == len(ref_boxes)
    for i, rbox in enumerate(ref_boxes):
        j = max(range(len(poses)), key=lambda k: _iou(poses.boxes[k], rbox))
        assert _iou(poses.boxes[j], rbox) > 0.99
        assert poses.scores[j] == pytest.approx(ref["scores"][i], abs=0.01)
        err = np.abs(poses.keypoints[j, :, :2] - ref_kpts[i, :, :2]).max()
        assert err < 2.0, f"{name} person {i}: keypoints differ by {err:.2f} px"
        assert np.abs(poses.keypoints[j, :, 2] - ref_kpts[i, :, 2]).max() < 0.01
