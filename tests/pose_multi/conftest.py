"""Fixtures of the multi-person pose suite: the real YOLO11n-pose model, real photos and videos."""

from __future__ import annotations

import json

import pytest

from har_pose_multi.backend import YoloPoseBackend
from har_pose_multi.settings import YoloSettings


@pytest.fixture(scope="session")
def settings() -> YoloSettings:
    s = YoloSettings()
    if not s.model_path().is_file():
        pytest.fail(f"{s.model_path()} missing: run scripts/setup pose-multi (it exports YOLO11n-pose)")
    return s


@pytest.fixture(scope="session")
def backend(settings) -> YoloPoseBackend:
    b = YoloPoseBackend(settings)
    yield b
    b.close()


@pytest.fixture(scope="session")
def reference(settings) -> dict:
    path = settings.models_dir / "reference.json"
    if not path.is_file():
        pytest.fail(f"{path} missing: run scripts/setup pose-multi (scripts/fetch-yolo writes it)")
    return json.loads(path.read_text())
