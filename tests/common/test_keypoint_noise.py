"""The pose-estimator noise measurement (har_common.keypoint_noise) and the augmentation that reproduces it
(EstimatorNoise): known noise put on a clean, moving skeleton is measured back, and the transform's output,
measured the same way, shows the profile it was given."""

import numpy as np
import pytest

from har_common.keypoint_noise import PAIRS, EstimatorProfile, TrackStats, disagreement
from har_common.schemas import VideoAnalysis
from har_common.transforms import EstimatorNoise

FPS = 30.0
TORSO = 50.0  # pixels


def clean(frames=900):
    """A standing skeleton swaying slowly (a smooth motion the jitter measure must ignore); torso 50 px."""
    t = np.arange(frames, dtype=np.float64)[:, None]
    base_x = np.array([0, -3, 3, -6, 6, -20, 20, -25, 25, -28, 28, -12, 12, -12, 12, -12, 12], np.float64)
    base_y = np.array([-70, -74, -74, -72, -72, -50, -50, -20, -20, 5, 5, 0, 0, 45, 45, 90, 90], np.float64)
    kp = np.zeros((frames, 17, 3), np.float32)
    kp[..., 0] = 300 + base_x + 15 * np.sin(t / 40.0)
    kp[..., 1] = 200 + base_y + 5 * np.cos(t / 55.0)
    kp[..., 2] = 0.95
    return kp


def test_jitter_is_measured_in_torso_lengths_and_ignores_smooth_motion():
    rng = np.random.default_rng(0)
    kp = clean()
    assert np.nanmax(TrackStats.of(kp, np.arange(len(kp)), FPS).jitter_sigma()) < 0.005
    noisy = kp.copy()
    noisy[..., :2] += rng.normal(0, 0.04 * TORSO, noisy[..., :2].shape)
    sigma = TrackStats.of(noisy, np.arange(len(kp)), FPS).jitter_sigma()
    np.testing.assert_allclose(sigma, 0.04, rtol=0.15)


def test_dropout_share_and_gap_length():
    kp = clean(300)
    kp[100:110, 9, 2] = 0.1  # left wrist under the threshold for 10 frames
    kp[200:220, 9, 2] = 0.0  # and 20 more
    p = TrackStats.of(kp, np.arange(300), FPS).profile("x", ["clip"])
    assert p.dropout[9] == pytest.approx(30 / 300)
    assert p.dropout_run_s[9] == pytest.approx(15 / FPS)
    assert p.dropout[10] == 0.0


def test_a_left_right_exchange_and_its_return_are_counted():
    kp = clean(600)
    kp[300:330, [15, 16]] = kp[300:330, [16, 15]]  # ankles exchanged for one second
    p = TrackStats.of(kp, np.arange(600), FPS).profile("x", ["clip"])
    assert p.swaps_per_min["ankle"] == pytest.approx(2 * 60 / (599 / FPS), rel=0.01)
    assert p.swap_run_s == pytest.approx(1.0)
    assert all(p.swaps_per_min[k] == 0 for k in PAIRS if k != "ankle")


def _analysis(kp, estimator):
    person = lambda k: [{"track_id": 0, "keypoints": k.tolist()}]  # noqa: E731
    frames = [
        {"frame_index": i, "timestamp_ms": i * 1000 / FPS, "width": 640, "height": 480, "persons": person(k)}
        for i, k in enumerate(kp)
    ]
    return VideoAnalysis.model_validate(
        {
            "source": {"width": 640, "height": 480, "fps": FPS, "frame_count": len(kp), "duration_ms": len(kp) * 1000 / FPS},
            "models": {"pose": estimator, "classifier": "none"},
            "frames": frames,
        }
    )


def test_disagreement_finds_a_constant_displacement():
    a = clean(100)
    b = a.copy()
    b[:, 0, 0] += 0.2 * TORSO  # the other estimator puts the nose 0.2 torso lengths to the side
    d = disagreement([(_analysis(a, "a"), _analysis(b, "b"))])
    assert d.median[0] == pytest.approx(0.2, rel=0.02) and d.median[5] == pytest.approx(0.0, abs=1e-6)
    assert d.offset[0] == pytest.approx(0.2 / 2, rel=0.02)  # sqrt(0.2**2 / 2 axes / 2 estimators)
    assert d.wander[0] == pytest.approx(0.0, abs=1e-6)


def test_disagreement_measures_a_slow_error_and_how_long_it_lasts():
    rng = np.random.default_rng(2)
    a = clean(3000)
    b = a.copy()
    for axis in (0, 1):  # the other estimator's left wrist wanders (sigma 0.05 per axis), a 2 s moving sum
        slow = np.convolve(rng.normal(0, 1, 3000 + 59), np.ones(60) / np.sqrt(60), "valid")
        b[:, 9, axis] += 0.05 * TORSO * slow
    d = disagreement([(_analysis(a, "a"), _analysis(b, "b"))])
    assert d.wander[9] == pytest.approx(0.05 / np.sqrt(2), rel=0.25)
    assert d.wander_s == pytest.approx(1.0, rel=0.3)  # a 2 s box filter's autocorrelation halves after 1 s


def _profile(**kw):
    fields = dict(
        estimator="test",
        clips=["c"],
        person_frames=1,
        threshold=0.3,
        jitter=[0.03] * 17,
        dropout=[0.0] * 17,
        dropout_run_s=[0.0] * 17,
        swaps_per_min={k: 0.0 for k in PAIRS},
        swap_run_s=0.0,
        score_quantiles=[[0.9] * 5] * 17,
    )
    return EstimatorProfile(**{**fields, **kw})


def test_estimator_noise_reproduces_the_profile_it_is_given():
    prof = _profile(
        jitter=[0.02 + 0.002 * j for j in range(17)],
        dropout=[0.1] * 17,
        dropout_run_s=[0.2] * 17,
        swaps_per_min={**{k: 0.0 for k in PAIRS}, "wrist": 6.0},
        swap_run_s=0.5,
    )
    kp = clean(9000)  # five minutes
    out = EstimatorNoise([prof], seed=1)({"keypoints": kp, "fps": FPS, "synthetic": True})["keypoints"]
    back = TrackStats.of(out, np.arange(len(out)), FPS).profile("back", ["c"])
    np.testing.assert_allclose(back.jitter, prof.jitter, rtol=0.15)
    np.testing.assert_allclose(back.dropout, 0.1, atol=0.02)
    np.testing.assert_allclose(back.dropout_run_s, 0.2, rtol=0.2)
    # every exchange counts twice (there and back), and is seen only where both wrists are
    assert back.swaps_per_min["wrist"] == pytest.approx(2 * 6.0, rel=0.35)
    assert back.swaps_per_min["ankle"] == 0


def test_estimator_noise_scale_and_real_samples():
    kp = clean(300)
    prof = _profile(offset=[0.1] * 17)
    real = {"keypoints": kp, "fps": FPS, "synthetic": False}
    assert EstimatorNoise([prof], seed=0)(real) is real
    assert EstimatorNoise([prof], seed=0)({"keypoints": kp, "fps": FPS}) is not None
    off = EstimatorNoise([prof], scale=0.0, seed=0)({**real, "synthetic": True})["keypoints"]
    np.testing.assert_allclose(off, kp)
    a = EstimatorNoise([prof], seed=3)({**real, "synthetic": True})["keypoints"]
    b = EstimatorNoise([prof], seed=3)({**real, "synthetic": True})["keypoints"]
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        EstimatorNoise([])


def test_estimator_noise_wander_is_measured_back_against_the_clean_skeleton():
    prof = _profile(jitter=[0.01] * 17, wander=[0.04] * 17, wander_s=0.5)
    kp = clean(3000)
    out = EstimatorNoise([prof], seed=4)({"keypoints": kp, "fps": FPS, "synthetic": True})["keypoints"]
    d = disagreement([(_analysis(out, "noisy"), _analysis(kp, "clean"))], jitter=prof.jitter)
    # all of the difference is the noisy one's, and disagreement gives each side half of it
    np.testing.assert_allclose(d.wander * np.sqrt(2), 0.04, rtol=0.2)
    assert d.wander_s == pytest.approx(0.5, rel=0.25)
