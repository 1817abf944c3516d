"""Fixtures of the reliability suite: the real services (see harness.py), started once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Service, why_missing

# the same small limits for both pose services, so the overload and hostile-input tests reach them fast
LIMITS = dict(
    max_inflight=2, max_upload_bytes=2_000_000, max_message_bytes=1_000_000, max_video_duration_s=20, render_video="false"
)


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def classifier(logs):
    svc = Service("classifier", logs, threads=1, max_body_bytes=5_000_000)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_single(logs, tmp_path_factory, request):
    """Small limits so that the overload and size cases are cheap; the real classifier behind it
    when there is one."""
    data = tmp_path_factory.mktemp("pose-single-data")
    clf = None if why_missing("classifier") else request.getfixturevalue("classifier")
    svc = Service(
        "pose-single",
        logs,
        data_dir=data,
        classifier_url=clf.url if clf else "",
        **LIMITS,
        max_streams=4,
    )
    svc.data = data
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_multi(logs, tmp_path_factory):
    data = tmp_path_factory.mktemp("pose-multi-data")
    svc = Service(
        "pose-multi",
        logs,
        data_dir=data,
        classifier_url="",
        **LIMITS,
        intra_op_threads=1,
    )
    svc.data = data
    yield svc
    svc.stop()
