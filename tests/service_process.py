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
    """``python -m uvicorn APP`` on a loopback port with ``env`` added to this process's environment;
    waits for /readyz. It can be stopped, killed (SIGKILL: a crash) and started again on the same port.

    Subclasses decide the environment by overriding :meth:`environment` (read at every start)."""

    def __init__(
        self,
        python: Path,
        app: str,
        env: dict,
        log: Path,
        ready_timeout: float = 180.0,
        *,
        port: int | None = None,
        start: bool = True,
        wait_ready: bool = True,
        access_log: bool = True,
    ):
        self.python, self.app, self.extra_env, self.log = python, app, env, log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_timeout, self.access_log = ready_timeout, access_log
        self.proc: subprocess.Popen | None = None
        self._fh = None
        if start:
            self.start(wait_ready)

    def environment(self) -> dict:
        return {**os.environ, **self.extra_env}

    def start(self, wait_ready: bool = True) -> None:
        self._fh = open(self.log, "ab")
        cmd = [str(self.python), "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd + ([] if self.access_log else ["--no-access-log"]),
            cwd=ROOT,
            env=self.environment(),
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )
        if wait_ready:
            self.wait_ready()

    def wait_ready(self) -> None:
        t0 = time.time()
        while time.time() - t0 < self.ready_timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.app} exited ({self.proc.returncode}): {self.tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                if r.json().get("status") in {"error", "failed"}:
                    self.stop()
                    raise RuntimeError(f"{self.app} failed to load: {r.text}")
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.25)
        tail = self.tail()
        self.stop()
        raise RuntimeError(f"{self.app} not ready after {self.ready_timeout} s: {tail}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, n: int = 3000) -> str:
        if self._fh is not None and not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run (a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.close()


def classifier_missing() -> str | None:
    """None when the real classifier service can run here, else why not (a skip reason)."""
    if not (ROOT / "services/classifier/har_classifier/main.py").exists():
        return "the classifier service (services/classifier) is not in this checkout"
    if not (VENVS / "classifier/bin/python").exists():
        return "no classifier environment (scripts/setup classifier)"
    models = os.environ.get("HAR_CLASSIFIER_MODEL_DIR")  # the classifier's own setting, if set
    if not list(Path(models).rglob("model.json") if models else (ROOT / "services/classifier").rglob("model.json")):
        return "the classifier ships no trained model yet"
    return None


def wait_for_job(get_job, job_id: str, timeout: float = 60.0, poll: float = 0.1) -> dict:
    """Poll ``get_job(path)`` (a JSON answer) until the job ends; the last answer. ``get_job`` is a
    test client's or an httpx call, so the in-process and the real-service tests share this loop."""
    deadline, job = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        job = get_job(f"/v1/jobs/{job_id}")
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(poll)
    raise AssertionError(f"job {job_id} did not finish in {timeout:.0f} s: {job}")
