"""A real service as a subprocess on a free loopback port, for the suites that test over HTTP.

Example:
    >>> svc = ServiceProcess(VENVS / "classifier/bin/python", "har_classifier.main:app", {}, log)  # doctest: +SKIP
    >>> httpx.get(svc.url + "/v1/models").status_code                                            # doctest: +SKIP
    200
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENVS = Path(os.environ.get("HAR_VENVS", ROOT / ".venvs"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """``python -m uvicorn APP`` with ``env`` added to this process's environment; waits for /readyz."""

    def __init__(self, python: Path, app: str, env: dict, log: Path, ready_timeout: float = 180.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app, self.log = app, log
        self._fh = open(log, "wb")
        self.proc = subprocess.Popen(
            [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._fh, stderr=subprocess.STDOUT)
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.app} exited: {self.tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                if r.json().get("status") in {"error", "failed"}:
                    self.stop()
                    raise RuntimeError(f"{self.app} failed to load: {r.text}")
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        tail = self.tail()
        self.stop()
        raise RuntimeError(f"{self.app} not ready after {timeout} s: {tail}")

    def tail(self) -> str:
        if not self._fh.closed:
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
        if not self._fh.closed:
            self._fh.close()


def classifier_missing() -> str | None:
    """None when the real classifier service can run here, else why not (a skip reason)."""
    if not (ROOT / "services/classifier/har_classifier/main.py").exists():
        return "the classifier service (services/classifier) is not in this checkout"
    if not (VENVS / "classifier/bin/python").exists():
        return "no classifier environment (scripts/setup classifier)"
    models = os.environ.get("HAR_CLASSIFIER_MODEL_DIR")       # the classifier's own setting, if set
    if not list(Path(models).rglob("model.json") if models else (ROOT / "services/classifier").rglob("model.json")):
        return "the classifier ships no trained model yet"
    return None
