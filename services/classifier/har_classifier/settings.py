"""The classifier service's settings: one :class:`Settings`, from the environment (prefix ``HAR_CLASSIFIER_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "models"


def _kinetics_dir() -> Path:
    from .kinetics.model import default_dir

    return default_dir()


class Settings(BaseSettings):
    """Every setting, from the environment with the prefix ``HAR_CLASSIFIER_`` (e.g. ``HAR_CLASSIFIER_MAX_BATCH=128``)."""

    model_config = SettingsConfigDict(env_prefix="HAR_CLASSIFIER_")

    port: int = Field(8001, description="port scripts/up and the compose stack serve on (uvicorn's --port decides)")
    model_dir: Path = Field(PACKAGE_MODELS, description="folder with one sub-folder per trained model")
    default_model: str = Field(
        "tcn_mocap_short",
        description="model used when a request names none (the best on the real-video dev clips among the "
        "shipped models that know every class, still postures included: docs/benchmark.md)",
    )
    models: str | None = Field(None, description="comma-separated model names to load (default: every folder in model_dir)")
    engine: str = Field(
        "auto",
        description="auto: the engine each model's model.json names (measured when it was exported); "
        "tflite, onnx or tf forces that one for every model",
    )
    threads: int = Field(2, ge=1, description="inference threads per model")
    max_batch: int = Field(256, ge=1, description="most sequences in one /v1/classify request")
    max_frames: int = Field(3000, ge=1, description="most frames in one sequence")
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024, description="largest /v1 request body, chunked or not (more: 413)")
    max_inflight: int = Field(
        16, ge=1, description="concurrent /v1 requests; more get 503 with Retry-After (health endpoints always answer)"
    )
    kinetics_dir: Path = Field(
        default_factory=lambda: _kinetics_dir(),
        description="the Kinetics-400 clip model (scripts/setup kinetics writes it; default $HAR_CACHE/models/kinetics-i3d)",
    )
    kinetics_max_frames: int = Field(64, ge=9, description="most frames in one /v1/clips window")
    kinetics_max_windows: int = Field(8, ge=1, description="most windows in one /v1/clips request")
    api_key: str = Field("", description="when set, /v1 endpoints need it in the X-API-Key header; empty: off")
    cors_origins: list[str] = Field(["http://localhost:3000"], description="browser origins allowed by CORS (JSON list)")
    allowed_hosts: list[str] = Field(
        ["localhost", "127.0.0.1"],
        description='Host names this service answers to (the Host header; "*" any, "*.example.com" its subdomains; '
        "JSON list); others get 400 before any route, so a page on another name that resolves to this machine (DNS "
        "rebinding) cannot use it. Add the names or addresses clients use to reach the service.",
    )

    def model_names(self) -> set[str] | None:
        if not self.models:
            return None
        return {n.strip() for n in self.models.split(",") if n.strip()}
