"""The classifier a batch run labels actions with: the shipped classifier service, over HTTP.

The pose workers call it exactly as a pose service's video job does (one ``POST /v1/classify`` per
frame with every track's due window), so the labels are the services' labels. It is a service, not
a library loaded into the workers, because it cannot share a process with MediaPipe: the classifier
needs numpy 2 and protobuf >= 6 (TensorFlow, LiteRT), MediaPipe pins numpy 1.26 and protobuf 4.

On a local cluster, when no classifier answers at the URL, the run starts the shipped one from its
environment (``.venvs/classifier``, made by ``scripts/setup classifier``) on a free loopback port
and stops it at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

VENVS = Path(os.environ.get("HAR_VENVS") or Path(sys.prefix).parent)


def answers(url: str, api_key: str | None = None) -> bool:
    """Whether a classifier at ``url`` lists its models (it is up and has loaded them)."""
    try:
        r = httpx.get(url.rstrip("/") + "/v1/models", headers={"X-API-Key": api_key} if api_key else {}, timeout=5)
        return r.status_code == 200
    except httpx.HTTPError:
        return False


class LocalClassifier:
    """The shipped classifier service as a child process on ``127.0.0.1``; a context manager.

    Raises:
        FileNotFoundError: the classifier environment is missing.
        RuntimeError: it exited or was not ready within ``ready_timeout_s``.
    """

    def __init__(self, ready_timeout_s: float = 180.0, api_key: str | None = None):
        self.python = VENVS / "classifier" / "bin" / "python"
        if not self.python.exists():
            raise FileNotFoundError(f"no classifier environment at {self.python}: run scripts/setup classifier")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_timeout_s, self.api_key = ready_timeout_s, api_key
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / f"har-batch-classifier-{self.port}.log"

    def __enter__(self) -> LocalClassifier:
        env = {**os.environ, **({"HAR_CLASSIFIER_API_KEY": self.api_key} if self.api_key else {})}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(self.python), "-m", "uvicorn", "har_classifier.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the classifier service exited ({self.proc.returncode}); its log: {self.log}")
            if answers(self.url, self.api_key):
                return self
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"the classifier service was not ready after {self.ready_timeout_s:.0f} s; its log: {self.log}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
