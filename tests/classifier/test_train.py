"""train.py: temperature fitting, and a one-epoch smoke run of the whole loop on real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from har_classifier import data as D


def test_fit_temperature_softens_overconfidence():
    from har_classifier.train import fit_temperature

    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    logits = rng.normal(0, 1, (400, 4))
    logits[np.arange(400), y] += 1.0  # right about 60% of the time
    sharp = np.exp(4 * logits) / np.exp(4 * logits).sum(1, keepdims=True)  # but far too sure
    t, before, after = fit_temperature(sharp, y)
    assert t > 2 and after < before


def test_train_smoke(tmp_path, shared):
    """One epoch on a tiny subset of the real data, then evaluate: the loop runs end to end."""
    from har_classifier.evaluate import evaluate
    from har_classifier.train import TrainConfig, train

    utd = shared("data", "skeletons", "utd_mhad")
    lzq = shared("data", "skeletons", "lzq_openpose2d")
    cfg = TrainConfig(model="cnn_lstm", out=str(tmp_path / "m"), utd=str(utd), lzq=str(lzq), epochs=1, repeats=1,
                      limit=3, batch_size=16)
    out = train(cfg, verbose=0)
    info = json.loads((out / "model.json").read_text())
    assert info["classes"] == D.DEFAULT_CLASSES and (out / "model.keras").is_file()
    assert info["calibration"]["temperature"] > 0
    assert len(json.loads((out / "history.json").read_text())["loss"]) == 1
    m = evaluate(out, utd=str(utd), lzq=str(lzq))
    assert 0 <= m["accuracy"] <= 1 and 0 <= m["calibration"]["ece"] <= 1
    for f in ("metrics.json", "confusion.png", "curves.png", "model_card.md"):
        assert (out / "report" / f).is_file()


def test_train_tcn_with_stretch_and_held_out_subject(tmp_path, shared):
    """The default's settings (tcn, --stretch) and an inner-cross-validation fold (--val subject --val-subject 3) run and are recorded."""
    from har_classifier.train import TrainConfig, prepare, train

    utd = shared("data", "skeletons", "utd_mhad")
    lzq = shared("data", "skeletons", "lzq_openpose2d")
    cfg = TrainConfig(model="tcn", out=str(tmp_path / "t"), utd=str(utd), lzq=str(lzq), epochs=1, repeats=1,
                      limit=3, batch_size=16, stretch=0.2, val="subject", val_subject=3)
    _, split, _, _, _ = prepare(cfg)
    assert {r.subject for r in split.val if r.subject} == {"s3"}
    out = train(cfg, verbose=0)
    tr = json.loads((out / "model.json").read_text())["training"]
    assert tr["model"] == "tcn" and tr["stretch"] == 0.2 and tr["val_subject"] == 3
    assert (out / "model.tflite").is_file() and (out / "model.onnx").is_file()


def test_inner_cv_scores_the_held_out_subject(tmp_path, shared):
    """tools/inner_cv.py scores a fold on its held-out train subject's UTD-MHAD trials only (never the test side)."""
    import importlib.util

    from har_classifier.train import TrainConfig, train

    spec = importlib.util.spec_from_file_location("inner_cv", Path(__file__).resolve().parents[2] / "services/classifier/tools/inner_cv.py")
    inner_cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inner_cv)
    utd = shared("data", "skeletons", "utd_mhad")
    lzq = shared("data", "skeletons", "lzq_openpose2d")
    out = train(TrainConfig(model="tcn", out=str(tmp_path / "f"), utd=str(utd), lzq=str(lzq), epochs=1, repeats=1,
                            limit=3, batch_size=16, val="subject", val_subject=5), verbose=0)
    y, pred, k_other = inner_cv.held_out_predictions(out)
    assert len(y) == len(pred) > 100                   # s5's trials: 27 actions x 4 trials, less any missing
    assert D.DEFAULT_CLASSES[k_other] == "other" and (y == k_other).any() and (y != k_other).any()
    assert ((0 <= pred) & (pred < len(D.DEFAULT_CLASSES))).all()
