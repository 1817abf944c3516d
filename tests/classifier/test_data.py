"""data.py and preprocessing.py: classes (with the rejection class), the split protocol, the serving and training chains."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from har_classifier.preprocessing import FACE_JOINTS, augment, preprocess, preprocess_batch, test_pipeline, train_pipeline
from har_classifier.sources import DEFAULT_CLASSES, OTHER, UTD_CLASSES, UTD_MAP, UTD_OTHER, load_sources
from har_classifier.splits import split_records
from har_common.schemas import WindowSpec


def test_classes_and_other_mapping():
    # fmt: off
    assert DEFAULT_CLASSES == ("boxing handclapping handwaving jogging running walking standing sitting_down "
                               "standing_up squatting falling other").split()
    # fmt: on
    assert len(UTD_OTHER) == 19 and not set(UTD_OTHER) & set(UTD_MAP)
    assert {"right_arm_swipe_left", "cross_arms_in_chest", "forward_lunge", "tennis_serve", "pick_up_and_throw"} <= set(UTD_OTHER)
    assert OTHER not in UTD_CLASSES


def test_preprocess_any_length_and_face_dropped():
    spec = WindowSpec()
    for n in (1, 5, 32, 200):
        kp = np.random.default_rng(n).uniform(100, 400, (n, 17, 3)).astype(np.float32)
        kp[..., 2] = 0.8
        x = preprocess(kp, 30.0, spec)
        assert x.shape == (spec.length, 17, 3) and np.isfinite(x).all()
        assert (x[:, list(FACE_JOINTS)] == 0).all()
        assert set(np.unique(x[..., 2])) <= {0.0, 1.0}


def test_serving_and_training_chains_share_named_transforms():
    """The test chain is the train chain less its random steps (MMAction2's train/test pipelines)."""
    spec = WindowSpec()
    test = [type(t).__name__ for t in test_pipeline(spec).transforms]
    train = [type(t).__name__ for t in train_pipeline(spec, seed=0, stretch=0.2, limb_scale=0.1).transforms]
    assert test == ["MaskLowConfidence", "Resample", "Normalize", "FormatInput"]
    assert [t for t in train if t in test] == test
    assert {"LimbDropout", "JointDropout", "SpeedChange", "RandomStretch", "RandomLimbScale"} <= set(train)
    a = augment([(np.full((40, 17, 3), 100.0, np.float32), 30.0)] * 3, spec, seed=5)
    np.testing.assert_array_equal(a, augment([(np.full((40, 17, 3), 100.0, np.float32), 30.0)] * 3, spec, seed=5))


def test_serving_chain_equals_the_former_preprocessing_on_real_data():
    """Windows of real UTD-MHAD and LZQ sequences (and edge cases cut from them) through the chain equal the arrays the
    former serving preprocessing (batched and one by one) gave, stored in fixtures/ before it was replaced."""
    z = np.load(Path(__file__).parent / "fixtures" / "serving_preprocessing_expected.npz")
    seqs = [(z[f"kp{i}"], float(z[f"fps{i}"])) for i in range(int(z["n"]))]
    assert any("utd_mhad" in s for s in z["sources"]) and any("lzq" in s for s in z["sources"])
    specs = {"default": WindowSpec(), "frame": WindowSpec(length=20, fps=15.0, center="frame", drop_face=False)}
    for name, spec in specs.items():
        np.testing.assert_allclose(preprocess_batch(seqs, spec), z[f"batch_{name}"], atol=1e-6, rtol=0)
        one = np.stack([preprocess(kp, fps, spec) for kp, fps in seqs])
        np.testing.assert_allclose(one, z[f"single_{name}"], atol=1e-6, rtol=0)


def test_preprocess_batch_equals_one_by_one():
    """The batched path gives what the chain gives one sequence at a time (mixed lengths, rates, gaps)."""
    spec = WindowSpec()
    rng = np.random.default_rng(0)
    seqs = []
    for i in range(120):
        n = int(rng.choice([1, 2, 5, 31, 32, 45, 90, 200]))
        kp = rng.uniform(100, 400, (n, 17, 3)).astype(np.float32)
        kp[..., 2] = rng.uniform(0, 1, (n, 17))
        if i % 7 == 0:
            kp[:, [5, 6, 11, 12], 2] = 0.1  # no torso: the extent fallback
        if i % 11 == 0:
            kp[: min(3, n)] = 0  # empty frames
        if i % 13 == 0:
            kp[:] = 0  # nobody at all
        seqs.append((kp, float(rng.choice([10, 15, 25, 30]))))
    batch = preprocess_batch(seqs, spec)
    one = np.stack([preprocess(kp, fps, spec) for kp, fps in seqs])
    assert batch.shape == one.shape and np.isfinite(batch).all()
    np.testing.assert_allclose(batch, one, atol=1e-5)
    assert preprocess_batch([], spec).shape == (0, spec.length, 17, 3)


def _rec(label, subject, n=40, source="utd_mhad/x.mat", meta=None):
    from har_common.dataset import SequenceRecord

    return SequenceRecord(label, np.ones((n, 17, 3), np.float32), subject=subject, source=source, meta=meta or {})


def test_cross_subject_and_time_block_split():
    recs = [_rec("boxing", f"s{s}") for s in range(1, 9) for _ in range(2)]
    recs += [
        _rec(
            "falling",
            None,
            100,
            f"lzq_openpose2d/a.csv#rows={i * 100}-{i * 100 + 99}",
            {"file": "a.csv", "start_row": i * 100, "end_row": i * 100 + 99},
        )
        for i in range(4)
    ]
    s = split_records(recs, val="subject")
    assert {r.subject for r in s.test if r.subject} == {"s2", "s4", "s6", "s8"}
    assert {r.subject for r in s.val if r.subject} == {"s7"}
    assert {r.subject for r in s.train if r.subject} == {"s1", "s3", "s5"}

    def rows(side):
        out = set()
        for r in side:
            if r.subject is None:
                out |= set(range(r.meta["start_row"], r.meta["end_row"] + 1))
        return out

    assert not rows(s.test) & (rows(s.train) | rows(s.val))  # no row (so no window) on both sides
    assert len(rows(s.test)) == 200
    k = split_records(recs, "kfold", fold=1)
    assert {r.subject for r in k.test if r.subject} == {"s2", "s7"}
    s3 = split_records(recs, val="subject", val_subject=3)
    assert {r.subject for r in s3.val if r.subject} == {"s3"} and {r.subject for r in s3.train if r.subject} == {"s1", "s5", "s7"}
    with pytest.raises(ValueError, match="not a train subject"):
        split_records(recs, val="subject", val_subject=2)
    # The inner cross-validation's folds: an odd subject tests; nothing of the real test side is there at all.
    inner = split_records(recs, "inner", fold=5, val="subject")
    assert {r.subject for r in inner.test} == {"s5"}
    assert {r.subject for r in inner.train if r.subject} == {"s1", "s3"} and {r.subject for r in inner.val if r.subject} == {"s7"}
    assert not (rows(inner.train) | rows(inner.val)) & rows(s.test) and rows(inner.train)
    with pytest.raises(ValueError, match="odd"):
        split_records(recs, "inner", fold=2)


def test_extra_viewpoints_only_train():
    recs = [
        _rec("boxing", f"s{s}", meta={"trial": t, **({"yaw": y} if y else {})})
        for s in range(1, 9)
        for t in (1, 2, 3)
        for y in (0.0, -30.0, 30.0)
    ]
    for protocol, fold, val in (
        ("cross-subject", 0, "trial"),
        ("cross-subject", 0, "subject"),
        ("kfold", 1, "trial"),
        ("inner", 3, "trial"),
    ):
        s = split_records(recs, protocol, fold, val=val)
        assert not any(r.meta.get("yaw") for r in s.val + s.test), (protocol, val)
        assert s.test and s.val
        # Each real trial that trains brings its two turned copies; nothing else does.
        real = {(r.subject, r.meta["trial"]) for r in s.train if not r.meta.get("yaw")}
        turned = [(r.subject, r.meta["trial"]) for r in s.train if r.meta.get("yaw")]
        assert sorted(turned) == sorted(list(real) * 2), (protocol, val)


def test_synthetic_motion_capture_only_trains():
    real = [_rec("boxing", f"s{s}", meta={"trial": t}) for s in range(1, 9) for t in (1, 2, 3)]
    # mocap subjects carry even and odd numbers and no subject at all: none of it may test or validate
    synthetic = [
        _rec("walking", subject, meta={"train_only": True, "view": v})
        for subject in ("cmu-002", "cmu-007", "bandai-normal", None)
        for v in range(2)
    ]
    for protocol, fold, val in (
        ("cross-subject", 0, "trial"),
        ("cross-subject", 0, "subject"),
        ("kfold", 1, "trial"),
        ("inner", 3, "trial"),
    ):
        s = split_records(real + synthetic, protocol, fold, val=val)
        assert not any(r.meta.get("train_only") for r in s.val + s.test), (protocol, val)
        assert sum(1 for r in s.train if r.meta.get("train_only")) == len(synthetic)
        assert s.test and s.val


def test_other_class_loaded_from_utd(shared):
    recs = load_sources(shared("data", "skeletons", "utd_mhad"), None)
    by_label = {}
    for r in recs:
        by_label.setdefault(r.label, set()).add(r.meta["action"])
    assert by_label["other"] == set(UTD_OTHER)
    assert set(by_label) == set(UTD_CLASSES) | {"other"}
    seated = load_sources(shared("data", "skeletons", "utd_mhad"), None, classes=[*DEFAULT_CLASSES, "sitting"])
    assert {r.meta["action"] for r in seated if r.label == "sitting"} == {"sit_to_stand", "stand_to_sit"}


def test_utd_virtual_views_and_seated_postures_from_the_sources(shared):
    classes = ["squatting", "sitting", "other"]
    recs = load_sources(shared("data", "skeletons", "utd_mhad"), None, classes=classes, utd_views=1, seed=3)
    assert {r.label for r in recs} == set(classes)
    assert any(r.label == "sitting" and "view" in r.meta for r in recs)
    for protocol, fold in (("cross-subject", 0), ("kfold", 2), ("inner", 3)):
        s = split_records(recs, protocol, fold)
        assert not any("view" in r.meta for r in s.val + s.test), protocol
        assert any("view" in r.meta for r in s.train)
        # seated postures follow their subject like the trials they come from
        assert {r.subject for r in s.test if r.label == "sitting"} <= {r.subject for r in s.test if r.label == "squatting"}


def test_estimator_noise_only_on_synthetic_samples(shared):
    """--estimator-noise puts the measured pose-estimator errors (pose_noise.json) on samples made from 3D data
    or held still, first in the chain (on the source frames), and leaves real recordings as they were."""
    from har_classifier.preprocessing import estimator_profiles
    from har_classifier.windows import make_samples

    spec = WindowSpec()
    assert {p.estimator.split("-")[0] for p in estimator_profiles()} == {"mediapipe", "yolo11n"}
    steps = [type(t).__name__ for t in train_pipeline(spec, seed=0, estimator_noise=1.0).transforms]
    assert steps[0] == "EstimatorNoise" and "EstimatorNoise" not in [
        type(t).__name__ for t in train_pipeline(spec, seed=0).transforms
    ]
    recs = load_sources(shared("data", "skeletons", "utd_mhad"), None, classes=["squatting", "sitting"], utd_views=1, seed=3)
    samples = make_samples(recs, spec, train=True)
    made = {(("view" in r.meta) or bool(r.meta.get("derived"))) for r in recs}
    assert made == {True, False}
    assert {s.synthetic for s in samples} == {True, False}
    assert all(s.synthetic == ("#view=" in s.source or "seated" in s.source) for s in samples)
    some = [s for s in samples if s.synthetic][:8] + [s for s in samples if not s.synthetic][:8]
    seqs, flags = [(s.keypoints, s.fps) for s in some], [s.synthetic for s in some]
    real_only = augment(seqs, spec, seed=4, estimator_noise=1.0, synthetic=[False] * 16)
    noisy = augment(seqs, spec, seed=4, estimator_noise=1.0, synthetic=flags)
    # every step has its own generator: the real samples come out exactly as without the noise
    same = np.array([np.array_equal(a, b) for a, b in zip(real_only, noisy)])
    assert same.tolist() == [not f for f in flags]
