"""Settings of the pose back end, from ``HAR_POSE_MULTI_*`` environment variables.

The HTTP-level settings (data folder, limits, classifier URL, ...) belong to the shared pose
service (``har_common.pose``); these are only what YOLO, ONNX Runtime and the tracker need.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SIZES = ("n", "s", "m", "l", "x")


def default_models_dir() -> Path:
    """``$HAR_CACHE/models/yolo11-pose`` (scripts/fetch-yolo writes there), else ``.cache/models/yolo11-pose``
    under the working directory (the services start from the repository root, like the data folder)."""
    return Path(os.environ.get("HAR_CACHE") or ".cache") / "models" / "yolo11-pose"


class YoloSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAR_POSE_MULTI_", extra="ignore")

    model: str = Field(
        "yolo11n-pose",
        description=("yolo11{n,s,m,l,x}-pose (an exported file in models_dir) or a path to a YOLO pose .onnx file."),
    )
    models_dir: Path = Field(default_factory=default_models_dir)
    provider: Literal["cpu", "cuda", "auto"] = Field(
        "cpu", description="ONNX Runtime provider: cuda/auto use CUDAExecutionProvider when present, else CPU."
    )
    imgsz: int = Field(640, ge=160, le=1920, multiple_of=32, description="Network input size (long side).")
    max_imgsz: int = Field(
        640,
        ge=160,
        le=1920,
        multiple_of=32,
        description="Largest network input (long side): a frame larger than imgsz runs at its own size up to this, "
        "so small people keep their pixels (1280: 3.4x the people on a 720p street, 3x the time); "
        "= imgsz shrinks every frame to imgsz (docs/pose-multi.md).",
    )
    # conf and min_keypoints measured on the annotated real clips (docs/pose-multi.md): people found
    # beyond the known number fell from 49 to 14 in 1485 frames, people missed rose from 7 to 9.
    conf: float = Field(0.35, gt=0, lt=1, description="Minimum person score.")
    min_keypoints: int = Field(
        2, ge=0, le=17, description="Minimum keypoints with visibility >= 0.5 for a person to count (drops objects)."
    )
    iou: float = Field(0.7, gt=0, le=1, description="NMS IoU threshold.")
    max_det: int = Field(300, ge=1, le=1000, description="Most people per frame; persons_left_out counts the rest.")
    intra_op_threads: int = Field(0, ge=0, description="ONNX Runtime intra-op threads; 0 = one per core.")
    intra_op_spinning: bool = Field(
        False,
        description="Let ONNX Runtime's idle intra-op threads spin (busy-wait) for the next step; off, they "
        "sleep and leave the core to decoding, encoding and other work (docs/pose-multi.md has the figures).",
    )
    # ByteTrack (Roboflow `trackers`): one tracker per session (video job or live stream).
    track_activation_threshold: float = Field(0.4, gt=0, lt=1, description="Min score that starts a track.")
    track_high_threshold: float = Field(0.4, gt=0, lt=1, description="Scores below go to ByteTrack's second match.")
    track_min_iou: float = Field(0.1, gt=0, lt=1)
    track_lost_seconds: float = Field(1.5, ge=0, description="How long a hidden person keeps their id.")
    track_min_frames: int = Field(1, ge=1, description="Consecutive frames before a track gets an id.")

    def model_path(self) -> Path:
        p = Path(self.model)
        if p.suffix == ".onnx":
            return p if p.is_absolute() else Path.cwd() / p
        return self.models_dir / f"{self.model}.onnx"

    def available_models(self) -> list[str]:
        return [f"yolo11{s}-pose" for s in SIZES if (self.models_dir / f"yolo11{s}-pose.onnx").is_file()]
