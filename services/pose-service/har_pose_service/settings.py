"""One settings class for a pose service; each service subclasses it with its own env prefix.

Example (the single-person service)::

    class Settings(PoseServiceSettings):
        model_config = SettingsConfigDict(env_prefix="HAR_POSE_SINGLE_")
        model_complexity: int = 1

Every field can be set from the environment, e.g. ``HAR_POSE_SINGLE_MAX_UPLOAD_BYTES=1000000``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PoseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAR_POSE_", extra="ignore")

    service_name: str = "pose"
    data_dir: Path = Field(Path("data/pose"), description="SQLite job database and job files live here.")

    # classifier
    classifier_url: str | None = Field("http://127.0.0.1:8001", description="Empty: actions off.")
    classifier_model: str | None = Field(None, description="Model name; empty: the classifier's default.")
    classifier_timeout_s: float = 2.0
    classifier_api_key: str | None = Field(
        None,
        description="Sent as X-API-Key to the classifier; unset: this "
        "service's own api_key (one key for the whole stack, as HAR_API_KEY sets).",
    )
    actions: bool = Field(True, description="Label actions at all (live streams can also switch per socket).")

    # the Kinetics-400 clip model (in the classifier service): video jobs only, never live streams
    kinetics: bool = Field(False, description="Video jobs run the Kinetics-400 clip model unless the upload says (kinetics=).")
    kinetics_sample_fps: float = Field(8.0, gt=0, le=30, description="Frames a second the clip model sees.")
    kinetics_window_frames: int = Field(16, ge=9, le=64, description="Frames per clip-model window (16 at 8 fps: 2 s).")
    kinetics_hop_s: float = Field(
        4.0,
        gt=0,
        le=60,
        description="Seconds between the starts of two windows (2: every moment seen; 4, the default, is estimated to "
        "keep a one-person 640x480 job at real time on 2 cores: docs/kinetics.md).",
    )
    kinetics_per_person: bool = Field(True, description="Multi-person jobs: also a window on a crop around each person.")
    kinetics_max_persons: int = Field(4, ge=0, le=32, description="At most this many people a frame get windows (the largest).")
    kinetics_timeout_s: float = Field(60.0, gt=0, description="How long one clip-model window may take.")

    # uploads and jobs
    max_upload_bytes: int = Field(500 * 1024 * 1024, gt=0)
    max_video_duration_s: float = Field(600.0, gt=0)
    max_video_pixels: int = Field(3840 * 2160, gt=0, description="Larger frames are refused (422).")
    job_frame_stride: int = Field(1, ge=1, description="Default: analyse every Nth frame of a video job.")
    job_workers: int = Field(1, ge=1)
    job_pose_workers: int = Field(
        2,
        ge=1,
        description="Sessions posing one job in parallel, in contiguous chunks "
        "(single-person back ends only; multi-person ones track, so run in one piece).",
    )
    max_queued_jobs: int = Field(16, ge=1, description="Past this many waiting jobs uploads get 503.")
    render_video: bool = Field(True, description="Write the annotated MP4 while a job runs.")
    keep_uploads: bool = Field(False, description="Keep the uploaded file after a job finished.")
    resume_interrupted_jobs: bool = Field(True, description="Restart jobs a restart interrupted (else failed).")
    job_classifier_wait_s: float = Field(
        90.0, ge=0, description="A job waits this long for a classifier that has not answered yet (starting); 0: not at all."
    )
    retention_days: float = Field(
        7.0,
        ge=0,
        description="Ended jobs (done, failed, cancelled) are deleted with their files this long after they ended; 0: kept.",
    )
    retention_max_gb: float = Field(
        20.0, ge=0, description="Past this much in job files the longest-ended jobs are deleted first; 0: no limit."
    )
    retention_interval_s: float = Field(600.0, gt=0, description="How often retention is applied (also at start).")

    # live and single frames
    max_inflight: int = Field(
        4,
        ge=1,
        description="Concurrent POST /v1/frames, and separately concurrent "
        "POST /v1/videos uploads; more get 503 + Retry-After at once (no queue).",
    )
    max_streams: int = Field(16, ge=1, description="Concurrent live sockets; more are closed with 1013.")
    max_streams_per_client: int = Field(
        4,
        ge=1,
        description="Concurrent live sockets from one client address; more are closed with 1013. Behind a proxy the "
        "address comes from X-Forwarded-For when uvicorn trusts the proxy (FORWARDED_ALLOW_IPS; 127.0.0.1 by default).",
    )
    stream_idle_timeout_s: float = Field(
        30.0, gt=0, description="A live socket that sends nothing for this long (with no frame in work) is closed (1000)."
    )
    max_message_bytes: int = Field(8 * 1024 * 1024, gt=0, description="Largest stream message / image upload.")
    max_image_pixels: int = Field(
        4096 * 4096,
        gt=0,
        description="Larger images (frames, stream messages) are refused from their header, before decoding (422).",
    )
    inference_threads: int = Field(2, ge=1, description="Threads running pose models.")
    allow_stream_urls: bool = Field(False, description="Enable WS /v1/stream/url (server reads a camera URL).")

    # access
    api_key: str | None = Field(
        None,
        description="When set: X-API-Key header (REST), api_key query or a first "
        'message {"type": "auth", "api_key": ...} (WebSockets). Health and /docs stay open.',
    )
    allowed_hosts: list[str] = Field(
        ["localhost", "127.0.0.1"],
        description='Host names this service answers to (the Host header; "*" any, "*.example.com" its subdomains; '
        "JSON list); others get 400 before any route, so a page on another name that resolves to this machine (DNS "
        "rebinding) cannot use it. Add the names or addresses clients use to reach the service.",
    )
    cors_origins: list[str] = Field(
        ["http://localhost:3000"],
        description="Browser origins allowed (CORS and the "
        "WebSocket Origin check; JSON list). Same-origin requests (Origin matching Host "
        "or X-Forwarded-Host, as through the frontend's proxy) are always allowed.",
    )
