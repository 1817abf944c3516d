"""Unit-level checks of the ONNX model wrapper: letterbox, NMS, providers, settings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from har_pose_multi import yolo
from har_pose_multi.settings import YoloSettings


@pytest.mark.parametrize(
    "hw, shape, gain, pad",
    [
        ((480, 640), (480, 640), 1.0, (0, 0)),  # 4:3 frames run at 480x640, not 640x640
        ((1080, 810), (640, 480), 640 / 1080, (0, 0)),  # bus.jpg
        ((720, 1280), (384, 640), 0.5, (0, 12)),  # 16:9: 360 rows + 24 rows of padding
    ],
)
def test_letterbox_params_match_ultralytics(hw, shape, gain, pad):
    lb = yolo.letterbox_params(hw, 640, 32, auto=True)
    assert lb.input_shape == shape
    assert lb.gain_y == pytest.approx(gain, rel=1e-3)
    assert (lb.pad_x, lb.pad_y) == pad
    img = np.zeros((*hw, 3), np.uint8)
    assert yolo.letterbox(img, lb).shape[:2] == shape


def test_letterbox_static_model_pads_to_square():
    lb = yolo.letterbox_params((480, 640), 640, 32, auto=False)
    assert lb.input_shape == (640, 640) and lb.pad_y == 80


@given(st.integers(1, 40), st.integers(0, 10_000))
@hsettings(max_examples=60, deadline=None)
def test_nms_is_greedy_torchvision_semantics(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(5, 80, (n, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    scores = rng.uniform(0, 1, n).astype(np.float32)
    keep = yolo.nms(boxes, scores, 0.5)
    # reference: the textbook loop
    order, ref = list(np.argsort(-scores, kind="stable")), []
    while order:
        i = order.pop(0)
        ref.append(i)
        order = [j for j in order if _iou(boxes[i], boxes[j]) <= 0.5]
    assert keep.tolist() == ref
    kept = boxes[keep]
    for a in range(len(kept)):
        for b in range(a + 1, len(kept)):
            assert _iou(kept[a], kept[b]) <= 0.5 + 1e-6


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_cuda_setting_falls_back_to_cpu_without_a_gpu_build(caplog):
    import onnxruntime as ort

    providers = yolo.choose_providers("cuda")
    if "CUDAExecutionProvider" in ort.get_available_providers():
        assert providers[0] == "CUDAExecutionProvider"
    else:
        assert providers == ["CPUExecutionProvider"]
        assert "no CUDA provider" in caplog.text
    assert yolo.choose_providers("cpu") == ["CPUExecutionProvider"]
    with pytest.raises(ValueError):
        yolo.choose_providers("tpu")


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HAR_POSE_MULTI_MODEL", "yolo11s-pose")
    monkeypatch.setenv("HAR_POSE_MULTI_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HAR_POSE_MULTI_PROVIDER", "cuda")
    s = YoloSettings()
    assert s.model_path() == tmp_path / "yolo11s-pose.onnx" and s.provider == "cuda"
    assert s.available_models() == []
    (tmp_path / "yolo11s-pose.onnx").write_bytes(b"")
    assert s.available_models() == ["yolo11s-pose"]


def test_missing_model_says_how_to_get_it(tmp_path):
    from har_pose_multi.backend import ModelMissing, YoloPoseBackend

    with pytest.raises(ModelMissing, match="scripts/setup pose-multi"):
        YoloPoseBackend(YoloSettings(models_dir=tmp_path))


def test_model_rejects_non_rgb_input(backend):
    with pytest.raises(ValueError):
        backend.model.prepare(np.zeros((10, 10), np.uint8))


def test_intra_op_threads_sleep_unless_told_to_spin(backend, settings):
    """Idle ONNX Runtime threads leave the core to decoding and encoding (spinning is opt-in), and
    the setting changes nothing in the results."""
    key = "session.intra_op.allow_spinning"
    assert settings.intra_op_spinning is False
    assert backend.model.session.get_session_options().get_session_config_entry(key) == "0"
    spinning = yolo.YoloPoseModel(settings.model_path(), conf=settings.conf, min_keypoints=settings.min_keypoints, spinning=True)
    assert spinning.session.get_session_options().get_session_config_entry(key) == "1"
    rgb = np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    a, b = backend.model.predict(rgb), spinning.predict(rgb)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
