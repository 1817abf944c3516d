"""inference.py: temperature, class weights, engines agree, batch sizes."""

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


def test_reweight_changes_one_prior():
    from har_classifier.inference import reweight

    p = np.array([[0.5, 0.3, 0.2], [0.15, 0.05, 0.8]], np.float32)
    assert np.allclose(reweight(p, None), p) and np.allclose(reweight(p, np.ones(3)), p)
    q = reweight(p, np.array([1.0, 1.0, 0.1]))
    assert np.allclose(q.sum(1), 1)
    # the same as log(0.1) added to the last logit: the other classes keep their ratios
    np.testing.assert_allclose(q[:, 0] / q[:, 1], p[:, 0] / p[:, 1], rtol=1e-5)
    assert q[1].argmax() == 0 and np.isclose(q[1, 2], 0.08 / 0.28, atol=1e-6)  # "other" no longer wins
    assert q[0, 2] < p[0, 2]


def test_class_weights_from_model_json(tmp_path):
    """A model folder's ``class_weights`` are applied after the temperature; unknown class names are refused."""
    import json
    import shutil

    from conftest import MODELS

    from har_classifier.inference import ModelRunner, apply_temperature, reweight

    folder = tmp_path / "m"
    shutil.copytree(MODELS / "stgcn", folder, ignore=shutil.ignore_patterns("report", "*.onnx", "*.tflite"))
    info = json.loads((folder / "model.json").read_text())
    plain = ModelRunner(folder, engine="tf")
    info["calibration"]["class_weights"] = {"other": 0.25}
    (folder / "model.json").write_text(json.dumps(info))
    weighted = ModelRunner(folder, engine="tf")
    x = np.random.default_rng(1).normal(0, 1, (5, 32, 17, 3)).astype(np.float32)
    x[..., 2] = 1.0
    raw = plain.predict(x)
    w = np.where(np.array(plain.classes) == "other", 0.25, 1.0)
    np.testing.assert_allclose(weighted.probabilities(x), reweight(apply_temperature(raw, plain.temperature), w), atol=1e-5)
    assert weighted.class_weights == {"other": 0.25}
    info["calibration"]["class_weights"] = {"dancing": 0.5}
    (folder / "model.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="dancing"):
        ModelRunner(folder, engine="tf")


def test_engines_agree():
    from conftest import MODELS

    from har_classifier.inference import ModelRunner

    model_dir = MODELS / "stgcn"  # exported to TFLite and ONNX (resnet3d ships tf only)
    x = np.random.default_rng(0).normal(0, 1, (70, 32, 17, 3)).astype(np.float32)
    x[..., 2] = 1.0
    runners = [ModelRunner(model_dir, engine=e) for e in ModelRunner.available_engines(model_dir)]
    assert [r.engine for r in runners] == ["tflite", "onnx", "tf"]
    ref = runners[-1].predict(x)
    for r in runners[:-1]:
        for n in (1, 3, 8, 64, 70):
            np.testing.assert_allclose(r.predict(x[:n]), ref[:n], atol=2e-4)
    auto = ModelRunner(model_dir)
    for n in (1, 9, 70):
        np.testing.assert_allclose(auto.predict(x[:n]), ref[:n], atol=2e-4)
    p = auto.classify([(np.full((40, 17, 3), 100.0, np.float32), 30.0)])
    assert p.shape == (1, len(auto.classes)) and np.isclose(p.sum(), 1, atol=1e-4)


@pytest.mark.parametrize("name", ["tcn", "tcn_mocap", "tcn_mocap_short", "stgcn", "resnet3d", "cnn_lstm"])
def test_shipped_engine_recorded_and_matches_keras(name):
    """Each shipped model.json names the engine measured at export (with its figures); that engine alone is loaded,
    and its probabilities are the Keras model's."""
    import json

    from conftest import MODELS

    from har_classifier.engines import load_keras
    from har_classifier.export import BATCHES, pick_engine
    from har_classifier.inference import ModelRunner

    info = json.loads((MODELS / name / "model.json").read_text())
    rates = info["engine_choice"]["windows_per_second"]
    assert info["engine"] == pick_engine(rates) and set(rates) == set(ModelRunner.available_engines(MODELS / name))
    assert all(set(r) == {str(n) for n in BATCHES} for r in rates.values())
    runner = ModelRunner(MODELS / name)
    assert runner.engine == info["engine"] and runner.describe().engine == info["engine"]
    assert runner.engine != "tf"  # every shipped model serves from an exported graph: no TensorFlow in the service
    length = info["window"]["length"]
    x = np.random.default_rng(2).normal(0, 1, (20, length, 17, 3)).astype(np.float32)
    x[..., 2] = np.random.default_rng(3).random((20, length, 17)) > 0.2
    keras_probs = load_keras(MODELS / name).predict(x, verbose=0)
    np.testing.assert_allclose(runner.predict(x), keras_probs, atol=2e-4)


def test_pick_engine_rule():
    from har_classifier.export import pick_engine

    # the geometric mean of batch 1 and batch 32 decides; tf only when nothing was exported
    rates = {"tflite": {"1": 4000, "32": 2500}, "onnx": {"1": 1500, "32": 3000}, "tf": {"1": 9000, "32": 9000}}
    assert pick_engine(rates) == "tflite"
    assert pick_engine({"tflite": {"1": 1000, "32": 1000}, "onnx": {"1": 900, "32": 3000}}) == "onnx"
    assert pick_engine({"tf": {"1": 300, "32": 800}}) == "tf"


def test_serving_an_exported_model_never_imports_tensorflow():
    """The service's path for a model with an exported graph: one engine, no TensorFlow in the process."""
    import subprocess
    import sys

    from conftest import MODELS

    code = (
        "import sys, numpy as np; from har_classifier.inference import ModelRunner; "
        f"r = ModelRunner({str(MODELS / 'tcn_mocap')!r}); r.warm_up(); "
        "p = r.classify([(np.full((40, 17, 3), 100.0, np.float32), 30.0)]); "
        "print(r.engine, 'tensorflow' in sys.modules, 'keras' in sys.modules, round(float(p.sum()), 3))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["tflite", "False", "False", "1.0"]


def test_forced_engine_and_a_missing_file(tmp_path):
    import shutil

    from conftest import MODELS

    from har_classifier.inference import ModelRunner

    assert ModelRunner(MODELS / "tcn", engine="tf").engine == "tf"
    folder = tmp_path / "m"
    shutil.copytree(MODELS / "tcn", folder, ignore=shutil.ignore_patterns("report"))
    with pytest.raises(FileNotFoundError, match="model.onnx"):
        ModelRunner(folder, engine="onnx")


def test_serving_every_shipped_model_never_imports_tensorflow():
    """The service loads one engine per model, and every shipped folder has an exported graph, so a
    process serving all of them holds no TensorFlow (its import alone is about 500 MB resident)."""
    import subprocess
    import sys

    from conftest import MODELS

    code = (
        "import sys, pathlib; from har_classifier.inference import ModelRunner; "
        f"folders = [p for p in sorted(pathlib.Path({str(MODELS)!r}).iterdir()) if (p / 'model.json').is_file()]; "
        "[ModelRunner(p) for p in folders]; print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_unknown_engine(model_dir):
    from har_classifier.inference import ModelRunner

    with pytest.raises(ValueError, match="unknown engine"):
        ModelRunner(model_dir, engine="cuda")
