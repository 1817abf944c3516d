"""train.py: temperature fitting, and a one-epoch smoke run of the whole loop on real data."""

from __future__ import annotations

import json

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
