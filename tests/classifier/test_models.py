"""models.py: the four architectures' shapes and sizes."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("name", ["tcn", "stgcn", "resnet3d", "cnn_lstm"])
def test_model_shapes(name):
    from har_classifier.models import build_model

    m = build_model(name, 12, 32)
    assert m.input_shape == (None, 32, 17, 3) and m.output_shape == (None, 12)
    y = m(np.zeros((3, 32, 17, 3), np.float32), training=False).numpy()
    assert y.shape == (3, 12) and np.allclose(y.sum(1), 1, atol=1e-5)
    assert m.count_params() < 500_000


def test_shipped_files_are_small():
    from conftest import MODELS

    files = [p for p in MODELS.rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 5_000_000 for p in files)
    # six models, each with up to three formats; two of them (tcn, tcn_mocap) average two networks
    assert sum(p.stat().st_size for p in files) < 22_000_000
