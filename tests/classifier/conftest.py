"""Fixtures of the classifier suite: the shipped model folder, a TestClient over the real shipped models, helpers."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from samples import STANDING_COCO17

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The ``shared`` fixture (real data under ../shared, skip when absent) comes from tests/conftest.py.

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "services/classifier/models"
DEFAULT = "tcn_mocap_short"  # the best on the real-video dev clips (test_reproduce.py checks)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    path = MODELS / DEFAULT
    assert (path / "model.json").is_file(), f"the shipped default model is missing at {path}"
    return path


@pytest.fixture(scope="session")
def client():
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    app = create_app(Settings(max_batch=8), load_in_background=False)
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def standing_person(frames: int = 40, wave: bool = False) -> list:
    base = np.array(STANDING_COCO17, float)
    seq = []
    for t in range(frames):
        xy = base.copy()
        if wave:  # right hand above the head, waving side to side
            xy[8] = (270, 110)
            xy[10] = (260 + 30 * math.sin(t / 2), 60)
        seq.append([[round(x, 2), round(y, 2), 0.9] for x, y in xy])
    return seq


def body(*seqs, model=None, fps=30.0) -> dict:
    out = {"sequences": [{"fps": fps, "keypoints": s} for s in seqs]}
    if model:
        out["model"] = model
    return out
