"""Real services as subprocesses: the classifier (shipped model, its own environment) and the
single-person pose service (this environment), on free loopback ports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from service_process import VENVS, classifier_missing
from service_process import ServiceProcess as Service


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The real classifier service with its shipped default model."""
    why = classifier_missing()
    if why:
        pytest.skip(why)
    svc = Service(
        VENVS / "classifier/bin/python",
        "har_classifier.main:app",
        {},
        tmp_path_factory.mktemp("logs") / "classifier.log",
        ready_timeout=180,
    )
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_service(tmp_path_factory, request):
    """The pose service with small limits for the bad-input cases, talking to the real classifier
    when it is available (else with actions off; the tests that need actions skip)."""
    why = classifier_missing()
    clf = None if why else request.getfixturevalue("classifier")
    data = tmp_path_factory.mktemp("pose-single-data")
    env = {
        "HAR_POSE_SINGLE_DATA_DIR": str(data),
        "HAR_POSE_SINGLE_CLASSIFIER_URL": clf.url if clf else "",
        "HAR_POSE_SINGLE_MAX_UPLOAD_BYTES": str(1_000_000),
        "HAR_POSE_SINGLE_MAX_VIDEO_DURATION_S": "12",
        "HAR_POSE_SINGLE_MAX_MESSAGE_BYTES": str(1_000_000),
    }
    svc = Service(Path(sys.executable), "har_pose_single.main:app", env, data / "service.log", ready_timeout=120)
    svc.data = data
    svc.classifier = clf
    yield svc
    svc.stop()
