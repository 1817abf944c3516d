"""Helpers of the reliability suite: the real services as subprocesses, each from its own environment, on loopback ports only.

This suite runs from ``.venvs/reliability`` (schemathesis, websockets, httpx, PyAV for the broken
media); the services run from ``.venvs/classifier``, ``.venvs/pose-single`` and ``.venvs/pose-multi``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from samples import jpeg_frames
from service_process import ROOT, VENVS, ServiceProcess, free_port

SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))

APPS = {
    "classifier": ("classifier", "har_classifier.main:app", "HAR_CLASSIFIER_"),
    "pose-single": ("pose-single", "har_pose_single.main:app", "HAR_POSE_SINGLE_"),
    "pose-multi": ("pose-multi", "har_pose_multi.main:app", "HAR_POSE_MULTI_"),
}


def why_missing(kind: str) -> str | None:
    env, _, _ = APPS[kind]
    if not (VENVS / env / "bin/python").exists():
        return f"no {env} environment (scripts/setup {env})"
    if kind == "classifier" and not list((ROOT / "services/classifier").rglob("model.json")):
        return "the classifier ships no trained model"
    return None


class Service(ServiceProcess):
    """One service process of ``kind``. ``settings`` are given without the env prefix (``max_inflight=2``)
    and read again at every :meth:`start`; the caller's own HAR_* service settings are left out."""

    def __init__(
        self, kind: str, log_dir: Path, port: int | None = None, ready_timeout: float = 180.0, wait_ready: bool = True, **settings
    ):
        why = why_missing(kind)
        if why:
            pytest.skip(why)
        self.kind = kind
        env_name, app, self.prefix = APPS[kind]
        self.settings = {k: str(v) for k, v in settings.items()}
        port = port or free_port()
        self.ws = f"ws://127.0.0.1:{port}"
        super().__init__(
            VENVS / env_name / "bin/python",
            app,
            {},
            log_dir / f"{kind}-{port}.log",
            ready_timeout,
            port=port,
            wait_ready=wait_ready,
            access_log=False,
        )

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HAR_POSE", "HAR_CLASSIFIER"))}
        env.update({self.prefix + k.upper(): v for k, v in self.settings.items()})
        return env


def leftovers(data: Path) -> list[str]:
    """Temporary files under a data folder (uploads in progress, half-written results)."""
    out = [str(p.relative_to(data)) for p in (data / "uploads").glob("*")] if (data / "uploads").exists() else []
    out += [str(p.relative_to(data)) for p in data.rglob("*.tmp*")]
    return out


def ta_chi_jpegs(n: int = 60, width: int = 640) -> list[bytes]:
    """Real frames: the first ``n`` of shared/data/videos/ta_chi.mp4 as JPEGs."""
    try:
        return jpeg_frames(SHARED / "data" / "videos" / "ta_chi.mp4", n, width)
    except FileNotFoundError as exc:
        pytest.skip(f"shared data missing: {exc}")
