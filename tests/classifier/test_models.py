"""Model shapes, the data protocol, and a smoke test of the training loop."""

from __future__ import annotations

import json

import numpy as np
import pytest

from har_classifier import data as D


@pytest.mark.parametrize("name", ["stgcn", "resnet3d", "cnn_lstm"])
def test_model_shapes(name):
    from har_classifier.models import build_model

    m = build_model(name, 11, 32)
    assert m.input_shape == (None, 32, 17, 3) and m.output_shape == (None, 11)
    y = m(np.zeros((3, 32, 17, 3), np.float32), training=False).numpy()
    assert y.shape == (3, 11) and np.allclose(y.sum(1), 1, atol=1e-5)
    assert m.count_params() < 500_000


def test_preprocess_any_length_and_face_dropped():
    spec = D.WindowSpec()
    for n in (1, 5, 32, 200):
        kp = np.random.default_rng(n).uniform(100, 400, (n, 17, 3)).astype(np.float32)
        kp[..., 2] = 0.8
        x = D.preprocess(kp, 30.0, spec)
        assert x.shape == (spec.length, 17, 3) and np.isfinite(x).all()
        assert (x[:, list(D.FACE_JOINTS)] == 0).all()
        assert set(np.unique(x[..., 2])) <= {0.0, 1.0}


def _rec(label, subject, n=40, source="utd_mhad/x.mat", meta=None):
    from har_common.dataset import SequenceRecord

    return SequenceRecord(label, np.ones((n, 17, 3), np.float32), subject=subject, source=source, meta=meta or {})


def test_cross_subject_and_time_block_split():
    recs = [_rec("boxing", f"s{s}") for s in range(1, 9) for _ in range(2)]
    recs += [_rec("falling", None, 100, f"lzq_openpose2d/a.csv#rows={i * 100}-{i * 100 + 99}",
                  {"file": "a.csv", "start_row": i * 100, "end_row": i * 100 + 99}) for i in range(4)]
    s = D.split_records(recs)
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
    k = D.split_records(recs, "kfold", fold=1)
    assert {r.subject for r in k.test if r.subject} == {"s2", "s7"}


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
    assert len(json.loads((out / "history.json").read_text())["loss"]) == 1
    m = evaluate(out, utd=str(utd), lzq=str(lzq))
    assert 0 <= m["accuracy"] <= 1
    for f in ("metrics.json", "confusion.png", "curves.png", "model_card.md"):
        assert (out / "report" / f).is_file()
