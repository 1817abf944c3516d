"""``uvicorn har_pose_multi.main:app --port 8003``; settings from ``HAR_POSE_MULTI_*``.

The HTTP layer, the frames-to-actions pipeline, jobs, exports and the live stream are the shared
ones (``har_pose_service``); this module only plugs in the YOLO11-pose back end.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from har_pose_service import PoseServiceSettings, create_app

from . import __version__
from .backend import YoloPoseBackend
from .settings import YoloSettings


class Settings(YoloSettings, PoseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HAR_POSE_MULTI_", extra="ignore")

    service_name: str = "pose-multi"
    data_dir: Path = Path("data/pose-multi")


def load_backend(settings: Settings) -> YoloPoseBackend:
    return YoloPoseBackend(settings)


def build(settings: Settings | None = None):
    return create_app(load_backend, settings or Settings(), title="HAR multi-person pose service", version=__version__)


app = build()
