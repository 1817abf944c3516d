"""``uvicorn har_pose_single.main:app --port 8002``; settings from ``HAR_POSE_SINGLE_*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from har_pose_service import PoseServiceSettings, create_app

from . import __version__
from .backend import MediaPipeBackend


class Settings(PoseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HAR_POSE_SINGLE_", extra="ignore")

    service_name: str = "pose-single"
    data_dir: Path = Path("data/pose-single")
    model_complexity: int = Field(1, ge=0, le=2, description="0 lite, 1 full, 2 heavy (0 and 2 need their files).")
    min_detection_confidence: float = Field(0.5, ge=0, le=1)
    min_tracking_confidence: float = Field(0.5, ge=0, le=1)
    search_tile: int = Field(
        640,
        ge=0,
        description="When MediaPipe finds nobody in a frame larger than this (px), search it in tiles of this size "
        "and follow the person found in a crop around them; 0 = off (docs/pose-api.md).",
    )
    search_interval_ms: float = Field(
        1000.0, ge=0, description="In a video or live stream, search tiles at most once per this much stream time."
    )


def load_backend(settings: Settings) -> MediaPipeBackend:
    return MediaPipeBackend(
        settings.model_complexity,
        settings.min_detection_confidence,
        settings.min_tracking_confidence,
        settings.search_tile,
        settings.search_interval_ms,
    )


def build(settings: Settings | None = None):
    return create_app(load_backend, settings or Settings(), title="HAR single-person pose service", version=__version__)


app = build()
