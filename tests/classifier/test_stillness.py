"""stillness.py: a window's motion, the hard and soft gate, and a model with the gate keeping motion labels off a still person."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest


def _window(frames: int = 32) -> np.ndarray:
    w = np.zeros((1, frames, 17, 3), np.float32)
    w[..., 2] = 1.0
    w[..., 1] = np.linspace(-1, 1, 17)[None, None, :]
    return w


def test_motion_of_still_waving_and_walking_windows():
    from har_classifier.stillness import window_motion

    still, wave, walk = _window(), _window(), _window()
    rng = np.random.default_rng(0)
    still[..., :2] += rng.normal(0, 0.005, still[..., :2].shape)  # a pose estimator's jitter, 0.5 % of the torso
    wave[0, :, 10, 0] += 0.5 * np.sin(np.arange(32))  # one wrist
    walk[0, :, :, 0] += np.linspace(0, 3, 32)[:, None]  # the whole body, 3 torso lengths in 3.1 s
    m = window_motion(np.concatenate([still, wave, walk]), fps=10.0)
    assert m.shape == (3,) and m[0] < 0.2 and m[1] > 2.0
    assert m[2] == pytest.approx(3 / 31 * 10, rel=1e-4)  # 3/31 torso lengths a frame, 10 frames a second


def test_padding_and_hidden_joints_do_not_count():
    """Repeated edge frames (a short sequence padded to the window) are not stillness; hidden joints do not move."""
    from har_classifier.stillness import window_motion

    moving = _window(16)
    moving[0, :, :, 0] += np.linspace(0, 1.5, 16)[:, None]
    padded = np.concatenate([np.repeat(moving[:, :1], 8, axis=1), moving, np.repeat(moving[:, -1:], 8, axis=1)], axis=1)
    np.testing.assert_allclose(window_motion(padded, 10.0), window_motion(moving, 10.0), rtol=1e-5)
    hidden = _window()
    hidden[0, 1::2, 9] = 0.0  # a wrist hidden every other frame (the model's input: all zeros when missing)
    hidden[0, :, 0, 0] += np.linspace(0, 0.31, 32)  # the nose moves, but face points are not body joints
    assert window_motion(hidden, 10.0)[0] == 0.0
    assert window_motion(np.zeros((2, 32, 17, 3), np.float32), 10.0).tolist() == [0.0, 0.0]


def test_gate_keeps_only_postures_below_the_threshold():
    from har_classifier.stillness import StillnessGate

    classes = ["walking", "falling", "standing", "sitting", "other"]
    gate = StillnessGate(0.6, classes, ["standing", "sitting", "lying"][:2])
    p = np.array([[0.5, 0.3, 0.1, 0.1, 0.0], [0.5, 0.3, 0.1, 0.1, 0.0], [0.9, 0.1, 0.0, 0.0, 0.0]], np.float32)
    out = gate(p, np.array([0.2, 0.6, 0.1]))
    np.testing.assert_allclose(out[0], [0, 0, 0.5, 0.5, 0], atol=1e-6)
    np.testing.assert_allclose(out[1], p[1])  # at the threshold: moving
    np.testing.assert_allclose(out[2], p[2])  # no posture has any probability: left as it was
    assert gate.describe() == {"threshold": 0.6, "width": 0.0, "postures": ["standing", "sitting"]}
    with pytest.raises(ValueError, match="lying"):
        StillnessGate(0.6, classes, ["standing", "lying"])


def _utd_trial(shared, action: str):
    from har_common.importers.utd_mhad import load_utd_mhad

    records = load_utd_mhad(shared("data", "skeletons", "utd_mhad"), label_map={action: action})
    return next(r for r in records if r.subject == "s2")  # a test-side subject


def _gated_copy(model_dir, tmp_path, **stillness):
    folder = tmp_path / "gated"
    shutil.copytree(model_dir, folder, ignore=shutil.ignore_patterns("report", "*.onnx", "*.keras"))
    info = json.loads((folder / "model.json").read_text())
    info["calibration"]["stillness"] = stillness
    (folder / "model.json").write_text(json.dumps(info))
    return folder


def test_gated_model_names_a_still_person_by_posture(model_dir, shared, tmp_path):
    """The default model with the gate switched on (``calibration.stillness``), on real Kinect keypoints of a
    person standing before a wave, held for 4 s with 1 px of jitter: a posture, every movement at 0; the wave
    itself passes the gate untouched. The shipped default has no gate (docs/classifier.md says why)."""
    from har_classifier.inference import ModelRunner
    from har_classifier.preprocessing import preprocess_batch

    assert ModelRunner(model_dir).stillness is None
    runner = ModelRunner(_gated_copy(model_dir, tmp_path, threshold=0.6, postures=["standing", "sitting", "lying", "squatting"]))
    assert runner.stillness.threshold == 0.6 and runner.stillness.width == 0.0
    wave = _utd_trial(shared, "right_hand_wave")
    rng = np.random.default_rng(0)
    still = np.repeat(wave.keypoints[:1], int(4 * wave.fps), axis=0)
    still[..., :2] += rng.normal(0, 1.0, still[..., :2].shape)
    p_still, p_wave = runner.classify([(still, wave.fps), (wave.keypoints, wave.fps)])
    postures = set(runner.stillness.postures)
    assert runner.classes[int(p_still.argmax())] in postures
    assert all(p == 0 for c, p in zip(runner.classes, p_still) if c not in postures)
    windows = preprocess_batch([(wave.keypoints, wave.fps)], runner.spec)
    ungated = runner.calibrate(runner.predict(windows))  # no windows given: no gate
    np.testing.assert_allclose(p_wave, ungated[0], atol=1e-6)
    assert runner.classes[int(p_wave.argmax())] == "handwaving"


def test_soft_gate_moves_linearly_across_its_width():
    from har_classifier.stillness import StillnessGate

    gate = StillnessGate(0.6, ["walking", "standing"], ["standing"], width=0.4)
    np.testing.assert_allclose(gate.weight(np.array([0.1, 0.4, 0.5, 0.6, 0.7, 0.8, 2.0])), [1, 1, 0.75, 0.5, 0.25, 0, 0])
    out = gate(np.array([[0.8, 0.2]] * 3, np.float32), np.array([0.3, 0.6, 1.0]))
    np.testing.assert_allclose(out, [[0, 1], [0.4, 0.6], [0.8, 0.2]], atol=1e-6)
    with pytest.raises(ValueError, match="width"):
        StillnessGate(0.6, ["walking", "standing"], ["standing"], width=1.2)


def test_stillness_in_model_json_is_checked(model_dir, tmp_path):
    from har_classifier.inference import ModelRunner

    folder = _gated_copy(model_dir, tmp_path, threshold=0.6, postures=["standing", "kneeling"])
    with pytest.raises(ValueError, match="kneeling"):
        ModelRunner(folder)
