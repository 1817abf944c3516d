"""inference.py: temperature, engines agree, batch sizes."""

from __future__ import annotations

import numpy as np
import pytest


def test_apply_temperature():
    from har_classifier.inference import apply_temperature

    p = np.array([[0.7, 0.2, 0.1]], np.float32)
    assert np.allclose(apply_temperature(p, 1.0), p)
    soft = apply_temperature(p, 2.0)
    assert np.isclose(soft.sum(), 1) and soft[0, 0] < 0.7 and soft.argmax() == 0
    assert apply_temperature(p, 0.5)[0, 0] > 0.7
    assert np.isfinite(apply_temperature(np.array([[1.0, 0.0, 0.0]]), 2.0)).all()


def test_engines_agree():
    from conftest import MODELS

    from har_classifier.inference import ModelRunner

    model_dir = MODELS / "stgcn"  # exported to TFLite and ONNX (resnet3d ships tf only)
    x = np.random.default_rng(0).normal(0, 1, (70, 32, 17, 3)).astype(np.float32)
    x[..., 2] = 1.0
    runners = [ModelRunner(model_dir, engine=e) for e in ModelRunner.available_engines(model_dir)]
    assert len(runners) >= 2
    ref = runners[0].predict(x)
    for r in runners[1:]:
        for n in (1, 3, 8, 64, 70):
            np.testing.assert_allclose(r.predict(x[:n]), ref[:n], atol=2e-4)
    auto = ModelRunner(model_dir)
    for n in (1, 9, 70):
        np.testing.assert_allclose(auto.predict(x[:n]), ref[:n], atol=2e-4)
    p = auto.classify([(np.full((40, 17, 3), 100.0, np.float32), 30.0)])
    assert p.shape == (1, len(auto.classes)) and np.isclose(p.sum(), 1, atol=1e-4)


def test_resnet3d_pins_tf():
    from conftest import MODELS
    from har_classifier.inference import ModelRunner

    model_dir = MODELS / "resnet3d"
    assert ModelRunner.available_engines(model_dir) == ["tf"]
    assert ModelRunner(model_dir).engine_description() == "tf"


def test_unknown_engine(model_dir):
    from har_classifier.inference import ModelRunner

    with pytest.raises(ValueError, match="unknown engine"):
        ModelRunner(model_dir, engine="cuda")
