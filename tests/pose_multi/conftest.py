"""Fixtures of the multi-person pose suite: the real YOLO11n-pose model, real photos and videos."""

from __future__ import annotations

import json

import pytest
from service_process import VENVS, classifier_missing
from service_process import ServiceProcess as Service

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


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The real classifier service with its shipped default model, or None (with the reason)."""
    why = classifier_missing()
    svc = None
    if not why:
        try:
            svc = Service(
                VENVS / "classifier/bin/python", "har_classifier.main:app", {}, tmp_path_factory.mktemp("logs") / "classifier.log"
            )
        except RuntimeError as exc:
            why = f"the classifier did not start: {str(exc)[-400:]}"
    yield svc, why
    if svc:
        svc.stop()


@pytest.fixture(scope="session")
def service(classifier, tmp_path_factory):
    clf, _ = classifier
    data = tmp_path_factory.mktemp("pose-multi-data")
    svc = Service(
        VENVS / "pose-multi/bin/python",
        "har_pose_multi.main:app",
        {"HAR_POSE_MULTI_DATA_DIR": str(data), "HAR_POSE_MULTI_CLASSIFIER_URL": clf.url if clf else ""},
        data / "service.log",
    )
    yield svc
    svc.stop()
