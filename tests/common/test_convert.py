import numpy as np
import pytest

from har_common.convert import (
    from_kinect20,
    from_mediapipe33,
    from_openpose18,
    from_openpose18_normalized,
    mask_missing,
    project_kinect,
    turn_kinect,
)
from har_common.layouts import COCO17, KINECT20, MEDIAPIPE33, OPENPOSE18


def test_coco17_order_matches_yolo_pose():
    assert COCO17.joints[:5] == ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
    assert COCO17.index("left_shoulder") == 5 and COCO17.index("right_ankle") == 16


def test_flip_permutation_swaps_left_and_right():
    perm = COCO17.flip_permutation
    assert perm[0] == 0  # nose stays
    assert perm[COCO17.index("left_wrist")] == COCO17.index("right_wrist")
    assert perm[COCO17.index("right_hip")] == COCO17.index("left_hip")
    assert sorted(perm) == list(range(17))


def test_mediapipe_landmarks_to_coco_pixels():
    lm = np.zeros((33, 4), np.float32)
    lm[:, 3] = 0.5
    lm[0] = (0.5, 0.25, -0.1, 0.99)  # nose
    lm[2] = (0.45, 0.2, 0.0, 0.9)  # left eye (not the inner or outer corner)
    lm[15] = (0.1, 0.6, 0.0, 0.8)  # left wrist
    lm[28] = (0.7, 0.95, 0.0, 0.7)  # right ankle
    out = from_mediapipe33(lm, width=640, height=480)
    assert out.shape == (17, 3)
    np.testing.assert_allclose(out[0], (320, 120, 0.99), rtol=1e-6)
    np.testing.assert_allclose(out[1], (288, 96, 0.9), rtol=1e-6)
    np.testing.assert_allclose(out[9], (64, 288, 0.8), rtol=1e-6)
    np.testing.assert_allclose(out[16], (448, 456, 0.7), rtol=1e-6)


def test_mediapipe_zero_visibility_is_missing():
    lm = np.full((33, 3), 0.5, np.float32)
    lm[0, 2] = 0.0
    out = from_mediapipe33(lm, 100, 100)
    assert out[0].tolist() == [0.0, 0.0, 0.0]


def test_openpose18_drops_neck_and_reorders():
    pts = np.zeros((18, 3), np.float32)
    for i in range(18):
        pts[i] = (i * 10 + 1, i * 10 + 2, 1.0)
    out = from_openpose18(pts)
    # COCO joint -> OpenPose index: nose 0, l_eye 15, r_eye 14, l_ear 17, r_ear 16, l_sh 5, r_sh 2 ...
    expected = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]
    np.testing.assert_allclose(out[:, 0], [i * 10 + 1 for i in expected])
    assert OPENPOSE18.joints[1] == "neck" and 1 not in expected


def test_openpose_normalized_rows_mark_zero_as_missing():
    xy = np.zeros((18, 2), np.float32)
    xy[0] = (0.5, 0.5)
    out = from_openpose18_normalized(xy, 640, 480)
    assert out[0].tolist() == [320.0, 240.0, 1.0]
    assert (out[1:] == 0).all()


def test_kinect_projection_hand_checked():
    # A joint 2 m in front, 0.5 m to the sensor's left and 0.25 m up: u = 320 - 525*0.5/2, v = 240 - 525*0.25/2.
    out = project_kinect(np.array([[0.5, 0.25, 2.0]]))
    np.testing.assert_allclose(out[0], (188.75, 174.375, 1.0))
    assert project_kinect(np.array([[0.1, 0.1, 0.0]]))[0].tolist() == [0.0, 0.0, 0.0]


def test_turn_kinect_changes_the_viewpoint_only():
    # Two shoulders 0.4 m apart, 2 m from the sensor, and an untracked joint.
    xyz = np.array([[[0.2, 0.3, 2.0], [-0.2, 0.3, 2.0], [0.0, 0.0, 0.0]]] * 3)
    assert (turn_kinect(xyz, 0.0) == xyz).all()
    turned = turn_kinect(xyz, 30.0)
    tracked = turned[:, :2]
    # About the vertical axis through the subject: heights, the centre and the distance between the joints stay.
    np.testing.assert_allclose(tracked[..., 1], 0.3)
    np.testing.assert_allclose(tracked[:, :, [0, 2]].mean(axis=1), [[0.0, 2.0]] * 3, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(tracked[:, 0] - tracked[:, 1], axis=-1), 0.4)
    # The subject's left (negative x) turns away from the sensor, and the projected shoulders come closer together.
    assert (tracked[:, 1, 2] > 2.0).all() and (tracked[:, 0, 2] < 2.0).all()
    width = lambda j: abs(project_kinect(j)[0, 0, 0] - project_kinect(j)[0, 1, 0])  # noqa: E731
    assert width(turned) < width(xyz)
    assert (turned[:, 2] == 0).all()  # untracked stays untracked
    np.testing.assert_allclose(turn_kinect(turn_kinect(xyz, 30.0), -30.0), xyz, atol=1e-12)
    with pytest.raises(ValueError, match="T, J, 3"):
        turn_kinect(np.zeros((20, 3)), 10.0)


def test_kinect20_to_coco_missing_face_and_head_as_nose():
    xyz = np.tile(np.array([0.0, 0.0, 2.0]), (20, 1))
    xyz[KINECT20.index("head")] = (0.0, 0.5, 2.0)
    xyz[KINECT20.index("left_shoulder")] = (-0.2, 0.3, 2.0)  # subject's left is the sensor's right
    out = from_kinect20(xyz)
    for face in ("left_eye", "right_eye", "left_ear", "right_ear"):
        assert out[COCO17.index(face)].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(out[0], (320.0, 240 - 525 * 0.25, 1.0))
    # Unmirrored image: the left shoulder lands right of the image centre.
    assert out[COCO17.index("left_shoulder"), 0] == pytest.approx(320 + 525 * 0.1)


def test_sequence_shapes_and_errors():
    assert from_openpose18(np.ones((5, 18, 3))).shape == (5, 17, 3)
    with pytest.raises(ValueError, match="18 joints"):
        from_openpose18(np.ones((17, 3)))
    with pytest.raises(ValueError, match="33 joints"):
        from_mediapipe33(np.ones((17, 4)), 10, 10)
    assert len(MEDIAPIPE33) == 33


def test_mask_missing_zeroes_nan_and_zero_score():
    kp = np.array([[1.0, 2.0, 0.0], [np.nan, 1.0, 0.5], [3.0, 4.0, 0.5]])
    assert mask_missing(kp).tolist() == [[0, 0, 0], [0, 0, 0], [3, 4, 0.5]]
