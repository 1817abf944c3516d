"""The pose services' contract: video jobs, service information and health answers. The services
answer with these models (``response_model``); ``har analyze``, the benchmark and the web app
(through the generated OpenAPI) read them.

Example:
    >>> from har_common.schemas import Job
    >>> j = Job.model_validate({"id": "ab12", "status": "queued", "progress": 0, "created_at": 1.0,
    ...                         "updated_at": 1.0, "options": {"stride": 1, "raw": False, "actions": True,
    ...                         "render": True}})
    >>> j.status, j.links is None
    ('queued', True)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .analysis import Contract, Finite, LabelTiming, SourceInfo
from .classifier import ModelDescription

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
ClassifierStatus = Literal["ok", "unavailable", "off"]


class JobOptions(Contract):
    """How a job analyses its video (the upload's query, defaults filled in from the settings)."""

    stride: int = Field(1, ge=1, description="every Nth frame is analysed")
    raw: bool = Field(False, description="the estimator's raw landmarks are kept")
    actions: bool = Field(True, description="actions are labelled")
    render: bool = Field(True, description="the annotated MP4 is written")
    model: str | None = Field(None, description="the classifier model chosen for this job; the service's default when null")
    kinetics: bool = Field(False, description="the Kinetics-400 clip model labels the scene (and each person's crop)")
    labels: LabelTiming = Field(
        "centred",
        description="how each frame's action label is decided: `centred` from the windows around the frame, once the "
        "whole video is posed (no delay, steadier), or `causal` from the windows before it only, as on a live stream",
    )


class JobStats(Contract):
    """Figures of a finished (or restarted) job."""

    restarts: int | None = Field(None, ge=0, description="times the job was taken up again after the service stopped")
    frames: int | None = Field(None, ge=0, description="frames analysed")
    frames_lost: int | None = Field(None, ge=0, description="frames that could not be decoded (damaged data)")
    seconds: Finite | None = Field(None, ge=0, description="wall time of the analysis")
    realtime_factor: Finite | None = Field(None, description="video duration / analysis time")
    frame_stride: int | None = None
    pose_chunks: int | None = None
    classifier: ClassifierStatus | None = Field(None, description="the classifier's state at the end")
    segments: int | None = Field(None, ge=0)


class JobLinks(Contract):
    self: str
    events: str = Field(description="WebSocket of progress messages")
    result: str
    keypoints_csv: str
    video: str


class Job(Contract):
    """``GET /v1/jobs/{id}``; also the answer of an upload (202) and the items of the job list."""

    id: str
    status: JobStatus
    progress: float = Field(ge=0, le=100, description="percent")
    created_at: float = Field(description="seconds since the epoch")
    updated_at: float = Field(description="seconds since the epoch")
    filename: str | None = Field(None, description="the uploaded file's name, for display")
    error: str | None = None
    options: JobOptions
    source: SourceInfo | None = None
    frames_done: int = Field(0, ge=0)
    stats: JobStats = Field(default_factory=JobStats)
    result_url: str | None = Field(None, description="set once the job is done")
    links: JobLinks | None = Field(None, description="on the single-job answers, not in the list")


class JobList(Contract):
    """``GET /v1/jobs``: newest first."""

    jobs: list[Job]
    queue_depth: int = Field(ge=0, description="jobs waiting to run")


class JobEvent(Contract):
    """One message of ``WS /v1/jobs/{id}/events``."""

    type: Literal["progress", "error"]
    job: Job | None = None
    message: str | None = None


class PoseReadiness(Contract):
    """``GET /readyz`` of a pose service: 200 when ready, 503 while loading or after a failed load."""

    status: Literal["ready", "loading", "failed"]
    pose_model: str | None = None
    classifier: ClassifierStatus
    error: str | None = None


class ClassifierLink(Contract):
    url: str | None = Field(None, description="the classifier service this one calls")
    status: ClassifierStatus
    model: ModelDescription | None = Field(None, description="the default model, once the classifier answered")
    error: str | None = None


class ServiceLimits(Contract):
    max_upload_bytes: int
    max_video_duration_s: float
    max_message_bytes: int
    max_streams: int
    max_inflight: int


class ServiceInfo(Contract):
    """``GET /v1/info`` of a pose service."""

    service: str
    version: str
    ready: bool
    pose_model: str | None = None
    multi_person: bool | None = None
    backend: dict[str, Any] = Field(default_factory=dict, description="the pose estimator's own settings (free form)")
    classifier: ClassifierLink
    limits: ServiceLimits
    video_formats: list[str]
    job_frame_stride: int
    allow_stream_urls: bool
