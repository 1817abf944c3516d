"""Real services as subprocesses: the classifier (shipped model, its own environment) and the
single-person pose service (this environment), on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENVS = Path(os.environ.get("HAR_VENVS", ROOT / ".venvs"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, python: Path, app: str, env: dict, log: Path, ready_timeout: float = 120.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._fh = open(log, "wb")
        self.proc = subprocess.Popen(
            [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._fh, stderr=subprocess.STDOUT,
        )
        t0 = time.time()
        while time.time() - t0 < ready_timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{app} exited: {self.tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                if r.json().get("status") == "failed":
                    raise RuntimeError(f"{app} failed to load: {r.text}")
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{app} not ready after {ready_timeout} s: {self.tail()}")

    def tail(self) -> str:
        self._fh.flush()
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()


def classifier_available() -> str | None:
    """None when the real classifier can run here, else why not."""
    if not (ROOT / "services/classifier/har_classifier/main.py").exists():
        return "the classifier service (services/classifier) is not in this checkout"
    if not (VENVS / "classifier/bin/python").exists():
        return "no classifier environment (scripts/setup classifier)"
    models = os.environ.get("HAR_CLASSIFIER_MODEL_DIR")       # the classifier's own setting, if set
    if not list(Path(models).rglob("model.json") if models else (ROOT / "services/classifier").rglob("model.json")):
        return "the classifier ships no trained model yet"
    return None


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The real classifier service with its shipped default model."""
    why = classifier_available()
    if why:
        pytest.skip(why)
    svc = Service(VENVS / "classifier/bin/python", "har_classifier.main:app", {},
                  tmp_path_factory.mktemp("logs") / "classifier.log", ready_timeout=180)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_service(tmp_path_factory, request):
    """The pose service with small limits for the bad-input cases, talking to the real classifier
    when it is available (else with actions off; the tests that need actions skip)."""
    why = classifier_available()
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
