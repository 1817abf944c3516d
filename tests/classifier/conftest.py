"""Fixtures of the classifier suite: the shipped model folder and a FastAPI TestClient over it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The ``shared`` fixture (real data under ../shared, skip when absent) comes from tests/conftest.py.

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "services/classifier/models"
DEFAULT = "stgcn"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    path = MODELS / DEFAULT
    assert (path / "model.json").is_file(), f"the shipped default model is missing at {path}"
    return path


@pytest.fixture(scope="session")
def client():
    from fastapi.testclient import TestClient

    from har_classifier.main import Settings, create_app

    app = create_app(Settings(max_batch=8), load_in_background=False)
    with TestClient(app) as c:
        yield c
