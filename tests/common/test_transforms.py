import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from har_common.transforms import (
    Compose,
    GaussianJitter,
    JointDropout,
    MaskLowConfidence,
    Normalize,
    RandomFlip,
    RandomLimbScale,
    RandomRotateScale,
    RandomStretch,
    Resample,
    SpeedChange,
    fit_length,
    flip,
    normalize,
    resample,
    scale_limbs,
)

coords = st.floats(0, 2000, allow_nan=False, width=32)


@st.composite
def skeletons(draw, min_frames=1, max_frames=12):
    t = draw(st.integers(min_frames, max_frames))
    xy = draw(arrays(np.float32, (t, 17, 2), elements=coords))
    present = draw(arrays(np.bool_, (t, 17), elements=st.booleans()))
    # Keep both hips and both shoulders in every frame, placed to give a real torso.
    present[:, [5, 6, 11, 12]] = True
    xy[:, 11] = xy[:, 5] + (0, 80)
    xy[:, 12] = xy[:, 6] + (0, 80)
    score = np.where(present, 0.9, 0.0).astype(np.float32)
    kp = np.concatenate([xy, score[..., None]], axis=-1)
    kp[~present] = 0
    return kp


@settings(max_examples=60, deadline=None)
@given(skeletons(), st.floats(-500, 500), st.floats(-500, 500), st.floats(0.2, 5.0))
def test_normalize_ignores_translation_and_scale(kp, dx, dy, s):
    moved = kp.copy()
    visible = moved[..., 2] > 0
    moved[..., 0] = np.where(visible, moved[..., 0] * s + dx, 0)
    moved[..., 1] = np.where(visible, moved[..., 1] * s + dy, 0)
    for center in ("frame", "sequence"):
        np.testing.assert_allclose(normalize(moved, center), normalize(kp, center), atol=2e-3)


@settings(max_examples=60, deadline=None)
@given(skeletons())
def test_flip_twice_is_identity(kp):
    np.testing.assert_allclose(flip(flip(kp)), kp)
    np.testing.assert_allclose(flip(flip(kp, width=640.0), width=640.0), kp, atol=1e-3)


def test_flip_swaps_sides():
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, 9] = (1.0, 2.0, 1.0)  # left wrist at x = 1
    out = flip(kp)
    assert out[0, 10].tolist() == [-1.0, 2.0, 1.0] and out[0, 9].tolist() == [0, 0, 0]


def test_normalize_centres_hips_and_scales_torso():
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, 5], kp[0, 6] = (90, 100, 1), (110, 100, 1)
    kp[0, 11], kp[0, 12] = (90, 150, 1), (110, 150, 1)
    out = normalize(kp)
    np.testing.assert_allclose(out[0, 11], (-0.2, 0.0, 1.0), atol=1e-6)
    np.testing.assert_allclose(out[0, 5], (-0.2, -1.0, 1.0), atol=1e-6)
    assert out[0, 0].tolist() == [0, 0, 0]  # missing stays missing


def test_normalize_survives_missing_hips_and_empty_frames():
    kp = np.zeros((3, 17, 3), np.float32)
    kp[0, 5], kp[0, 6] = (90, 100, 1), (110, 100, 1)  # shoulders only
    kp[2, 0] = (50, 50, 1)  # a nose only
    out = normalize(kp)
    assert np.isfinite(out).all()
    assert (out[1] == 0).all()


def test_resample_rate_and_length():
    kp = np.zeros((61, 17, 3), np.float32)
    kp[:, :, 2] = 1
    kp[:, :, 0] = np.arange(61)[:, None]
    half = resample(kp, 30, 15)
    assert half.shape[0] == 31
    np.testing.assert_allclose(half[:, 0, 0], np.arange(0, 61, 2))
    double = resample(kp[:3], 10, 20)
    np.testing.assert_allclose(double[:, 0, 0], [0, 0.5, 1, 1.5, 2])


def test_resample_does_not_interpolate_into_missing():
    kp = np.zeros((2, 17, 3), np.float32)
    kp[0, 0] = (10, 10, 1)  # joint 0 visible in frame 0 only
    out = resample(kp, 10, 40)
    assert out[1, 0].tolist() == [10, 10, 1]  # nearer frame 0: copied, not blended with zeros
    assert out[-1, 0].tolist() == [0, 0, 0]


def test_fit_length_crops_and_pads():
    kp = np.arange(5, dtype=np.float32)[:, None, None] * np.ones((1, 17, 3), np.float32)
    assert fit_length(kp, 3)[:, 0, 0].tolist() == [1, 2, 3]
    assert fit_length(kp, 8)[:, 0, 0].tolist() == [0, 0, 1, 2, 3, 4, 4, 4]


def test_pipeline_gives_fixed_window():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 640, (50, 17, 3)).astype(np.float32)
    kp[..., 2] = rng.uniform(0, 1, (50, 17))
    train = Compose(
        [
            MaskLowConfidence(0.2),
            SpeedChange(seed=1),
            Resample(30, 30, crop="random", seed=2),
            Normalize(),
            RandomFlip(seed=3),
            RandomRotateScale(seed=4),
            GaussianJitter(seed=5),
            JointDropout(0.1, seed=6),
        ]
    )
    out = train({"keypoints": kp, "fps": 30.0})
    assert out["keypoints"].shape == (30, 17, 3) and out["fps"] == 30.0
    assert np.isfinite(out["keypoints"]).all()
    missing = out["keypoints"][..., 2] == 0
    assert (out["keypoints"][missing] == 0).all()


def test_augmentations_are_seeded():
    kp = np.random.default_rng(1).uniform(-1, 1, (30, 17, 3)).astype(np.float32)
    kp[..., 2] = 1
    a = GaussianJitter(seed=7)({"keypoints": kp})["keypoints"]
    b = GaussianJitter(seed=7)({"keypoints": kp})["keypoints"]
    np.testing.assert_array_equal(a, b)
    dropped = JointDropout(rate=0.5, seed=0)({"keypoints": kp})["keypoints"]
    assert 0.3 < (dropped[..., 2] == 0).mean() < 0.7


def test_stretch_scales_axes_apart_and_keeps_missing_joints_missing():
    kp = np.random.default_rng(2).uniform(-1, 1, (10, 17, 3)).astype(np.float32)
    kp[..., 2] = 1
    kp[:, 3] = 0
    out = RandomStretch(0.3, seed=1)({"keypoints": kp})["keypoints"]
    sx, sy = out[0, 0, 0] / kp[0, 0, 0], out[0, 0, 1] / kp[0, 0, 1]
    assert 0.7 <= sx <= 1.3 and 0.7 <= sy <= 1.3 and abs(sx - sy) > 1e-4
    np.testing.assert_allclose(out[..., 0], kp[..., 0] * sx, rtol=1e-5)
    np.testing.assert_allclose(out[..., 1], kp[..., 1] * sy, rtol=1e-5)
    assert (out[:, 3] == 0).all() and (out[..., 2] == kp[..., 2]).all()


def test_scale_limbs_moves_each_bone_and_what_hangs_below_it():
    kp = np.random.default_rng(3).uniform(-1, 1, (6, 17, 3)).astype(np.float32)
    kp[..., 2] = 1
    kp[:, 10] = 0  # the right wrist missing
    out = scale_limbs(kp, {"upper_arm": 1.2, "shin": 0.8})
    bone = lambda a, i, j: a[:, j, :2] - a[:, i, :2]  # noqa: E731
    np.testing.assert_allclose(bone(out, 5, 7), 1.2 * bone(kp, 5, 7), rtol=1e-5, atol=1e-6)  # upper arm longer
    np.testing.assert_allclose(bone(out, 7, 9), bone(kp, 7, 9), atol=1e-6)  # forearm kept, moved along
    np.testing.assert_allclose(bone(out, 13, 15), 0.8 * bone(kp, 13, 15), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[:, [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14]], kp[:, [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14]])
    assert (out[:, 10] == 0).all() and (out[..., 2] == kp[..., 2]).all()


def test_random_limb_scale_is_seeded_and_symmetric():
    kp = np.random.default_rng(4).uniform(-1, 1, (4, 17, 3)).astype(np.float32)
    kp[..., 2] = 1
    a = RandomLimbScale(0.15, seed=5)({"keypoints": kp})["keypoints"]
    b = RandomLimbScale(0.15, seed=5)({"keypoints": kp})["keypoints"]
    assert np.array_equal(a, b) and not np.allclose(a, kp)
    ratio = lambda i, j: np.linalg.norm(a[0, j, :2] - a[0, i, :2]) / np.linalg.norm(kp[0, j, :2] - kp[0, i, :2])  # noqa: E731
    assert 0.85 <= ratio(11, 13) <= 1.15 and np.isclose(ratio(11, 13), ratio(12, 14), rtol=1e-4)  # both thighs alike


def test_mask_low_confidence():
    kp = np.array([[[1, 1, 0.1], [2, 2, 0.5]]], np.float32)
    out = MaskLowConfidence(0.3)({"keypoints": kp})["keypoints"]
    assert out.tolist() == [[[0, 0, 0], [2, 2, 0.5]]]


def test_resample_rejects_bad_rates():
    with pytest.raises(ValueError):
        resample(np.zeros((3, 17, 3)), 0, 30)
    with pytest.raises(ValueError):
        Resample(length=0)


def test_batched_resample_and_normalize_equal_one_by_one():
    """Resample (centre crop) and Normalize take a batch (B, T, J, 3) of equal-length sequences: the same arrays as
    one sequence at a time, for both centring modes, with gaps, torso-less and empty sequences among them."""
    from har_common.transforms import FormatInput

    rng = np.random.default_rng(4)
    kp = rng.uniform(50, 500, (9, 23, 17, 3)).astype(np.float32)
    kp[..., 2] = rng.uniform(0, 1, (9, 23, 17))
    kp[1, :, [5, 6, 11, 12], 2] = 0.0  # no torso: the extent fallback
    kp[2, :4] = 0.0  # empty frames
    kp[3] = 0.0  # nobody
    for center in ("sequence", "frame"):
        chain = Compose([MaskLowConfidence(0.3), Resample(length=16, fps=10.0), Normalize(center), FormatInput((1, 2), 8.0)])
        batch = chain({"keypoints": kp, "fps": 25.0})["keypoints"]
        one = np.stack([chain({"keypoints": k, "fps": 25.0})["keypoints"] for k in kp])
        assert batch.shape == (9, 16, 17, 3)
        np.testing.assert_allclose(batch, one, atol=1e-6)
    assert (batch[..., [1, 2], :] == 0).all() and set(np.unique(batch[..., 2])) <= {0.0, 1.0}


def test_limb_dropout_removes_one_whole_limb():
    from har_common.transforms import LimbDropout

    kp = np.ones((10, 17, 3), np.float32)
    out = LimbDropout(p=1.0, seed=0)({"keypoints": kp})["keypoints"]
    gone = [j for j in range(17) if (out[:, j] == 0).all()]
    assert tuple(gone) in ((7, 9), (8, 10), (13, 15), (14, 16))
    assert (out[:, [j for j in range(17) if j not in gone]] == 1).all()
    assert np.array_equal(LimbDropout(p=0.0, seed=0)({"keypoints": kp})["keypoints"], kp)
    # seeded: the same draws every time
    assert all(
        np.array_equal(
            LimbDropout(p=0.5, seed=s)({"keypoints": kp})["keypoints"], LimbDropout(p=0.5, seed=s)({"keypoints": kp})["keypoints"]
        )
        for s in range(5)
    )
