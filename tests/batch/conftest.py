"""Fixtures of the batch suite: the real classifier and pose-single services (the reference the
batch must agree with), and a local Ray cluster of two worker processes, each started once."""

from __future__ import annotations

import shutil
import sys
import tempfile
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
        VENVS / "classifier/bin/python", "har_classifier.main:app", {}, tmp_path_factory.mktemp("logs") / "classifier.log"
    )
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_single(tmp_path_factory, classifier):
    """The single-person service with its default settings (this environment holds it too)."""
    data = tmp_path_factory.mktemp("pose-single-data")
    env = {
        "HAR_POSE_SINGLE_DATA_DIR": str(data),
        "HAR_POSE_SINGLE_CLASSIFIER_URL": classifier.url,
        "HAR_POSE_SINGLE_CLASSIFIER_TIMEOUT_S": "15",  # as the batch's (test_batch.SLOW_MACHINE)
    }
    svc = Service(Path(sys.executable), "har_pose_single.main:app", env, data / "service.log", ready_timeout=120)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster with two CPUs, so two pose workers; its session folder under /tmp."""
    ray = pytest.importorskip("ray")
    temp = tempfile.mkdtemp(prefix="ray-batch-")
    ray.init(num_cpus=2, _temp_dir=temp, include_dashboard=False, object_store_memory=256 * 1024 * 1024)
    yield ray
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)
