"""Every person in real photos is found, through the back end's sessions (static and tracked)."""

from __future__ import annotations

import numpy as np
import pytest
from pose_multi_helpers import read_rgb

from har_common.schemas import PersonPose


# bus.jpg has a fourth person cut by the left border with no visible joint: min_keypoints drops them
@pytest.mark.parametrize("name, people", [("bus.jpg", 3), ("zidane.jpg", 2)])
def test_every_person_found(name, people, backend, shared):
    rgb = read_rgb(shared("data", "photos", name))
    h, w = rgb.shape[:2]
    with backend.session(static=True) as s:
        dets = s.process(rgb, 0.0)
    assert len(dets) == people
    for d in dets:
        assert d.keypoints.shape == (17, 3) and d.track_id is None
        assert (d.keypoints[:, 0] >= 0).all() and (d.keypoints[:, 0] <= w).all()
        assert (d.keypoints[:, 1] >= 0).all() and (d.keypoints[:, 1] <= h).all()
        # the keypoints lie inside the person's box (a few px of slack for the clip at the border)
        x1, y1, x2, y2 = d.bbox
        vis = d.keypoints[d.keypoints[:, 2] > 0.5]
        assert (vis[:, 0] > x1 - 20).all() and (vis[:, 0] < x2 + 20).all()
        PersonPose.model_validate(d.to_schema().model_dump())  # the shared contract accepts it
    # bus.jpg's fourth person is cut by the left border (score 0.46, no confident joint); every
    # clearly seen person has confident joints
    assert all(d.visible_joints(0.5) >= 5 for d in dets if d.score >= 0.5)
    assert sum(d.score >= 0.5 for d in dets) >= min(people, 3)


def test_raw_landmarks_on_request(backend, shared):
    rgb = read_rgb(shared("data", "photos", "zidane.jpg"))
    with backend.session(raw=True, static=True) as s:
        d = s.process(rgb, 0.0)[0]
    assert d.raw.shape == (17, 4)
    np.testing.assert_allclose(d.raw[:, [0, 1, 3]], d.keypoints)
    assert len(d.to_schema().raw_keypoints) == 17


def test_small_and_grouped_people_in_coco_photos(backend, shared):
    """COCO val photos with several people: YOLO finds several in each (no exact count: no labels)."""
    found = {}
    for name in ["COCO_val2014_000000000192.jpg", "COCO_val2014_000000000241.jpg"]:
        with backend.session(static=True) as s:
            found[name] = len(s.process(read_rgb(shared("data", "photos", name)), 0.0))
    assert all(n >= 2 for n in found.values()), found
