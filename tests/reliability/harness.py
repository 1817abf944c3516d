"""Helpers of the reliability suite: the real services as subprocesses, each from its own environment, on loopback ports only.

This suite runs from ``.venvs/reliability`` (schemathesis, websockets, httpx, PyAV for the broken
media); the services run from ``.venvs/classifier``, ``.venvs/pose-single`` and ``.venvs/pose-multi``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENVS = Path(os.environ.get("HAR_VENVS", ROOT / ".venvs"))
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))

APPS = {
    "classifier": ("classifier", "har_classifier.main:app", "HAR_CLASSIFIER_"),
    "pose-single": ("pose-single", "har_pose_single.main:app", "HAR_POSE_SINGLE_"),
    "pose-multi": ("pose-multi", "har_pose_multi.main:app", "HAR_POSE_MULTI_"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def why_missing(kind: str) -> str | None:
    env, _, _ = APPS[kind]
    if not (VENVS / env / "bin/python").exists():
        return f"no {env} environment (scripts/setup {env})"
    if kind == "classifier" and not list((ROOT / "services/classifier").rglob("model.json")):
        return "the classifier ships no trained model"
    return None


class Service:
    """One service process. ``settings`` are given without the env prefix (``max_inflight=2``)."""

    def __init__(self, kind: str, log_dir: Path, port: int | None = None, ready_timeout: float = 180.0,
                 wait_ready: bool = True, **settings):
        why = why_missing(kind)
        if why:
            pytest.skip(why)
        self.kind = kind
        env_name, self.app, self.prefix = APPS[kind]
        self.python = VENVS / env_name / "bin/python"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"
        self.settings = {k: str(v) for k, v in settings.items()}
        self.log = log_dir / f"{kind}-{self.port}.log"
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None
        self.start(wait_ready)

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HAR_POSE", "HAR_CLASSIFIER"))}
        env.update({self.prefix + k.upper(): v for k, v in self.settings.items()})
        return env

    def start(self, wait_ready: bool = True) -> None:
        self._fh = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(self.python), "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port", str(self.port),
             "--no-access-log"],
            cwd=ROOT, env=self.env(), stdout=self._fh, stderr=subprocess.STDOUT)
        if wait_ready:
            self.wait_ready()

    def wait_ready(self) -> None:
        t0 = time.time()
        while time.time() - t0 < self.ready_timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited ({self.proc.returncode}): {self.tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
                if r.status_code == 200:
                    return
                if r.json().get("status") in ("failed", "error"):
                    raise RuntimeError(f"{self.kind} failed to load: {r.text}")
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.kind} not ready after {self.ready_timeout} s: {self.tail()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, n: int = 3000) -> str:
        self._fh.flush()
        return self.log.read_text(errors="replace")[-n:]

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run (a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._fh.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._fh.closed:
            self._fh.close()


def leftovers(data: Path) -> list[str]:
    """Temporary files under a data folder (uploads in progress, half-written results)."""
    out = [str(p.relative_to(data)) for p in (data / "uploads").glob("*")] if (data / "uploads").exists() else []
    out += [str(p.relative_to(data)) for p in data.rglob("*.tmp*")]
    return out


def ta_chi_jpegs(n: int = 60, width: int = 640) -> list[bytes]:
    """Real frames: the first ``n`` of shared/data/videos/ta_chi.mp4 as JPEGs."""
    import av

    video = SHARED / "data" / "videos" / "ta_chi.mp4"
    if not video.exists():
        pytest.skip(f"shared data not found at {video} (set HAR_SHARED_DIR)")
    out = []
    import io

    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            img = frame.to_image()
            if img.width > width:
                img = img.resize((width, round(img.height * width / img.width)))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=85)
            out.append(buf.getvalue())
            if len(out) >= n:
                break
    return out
