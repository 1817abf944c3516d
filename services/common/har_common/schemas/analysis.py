"""Versioned JSON contracts for everything that crosses a service boundary.

All models forbid unknown fields and carry ``schema_version`` where they stand alone in a message,
so a client on an older or newer version fails loudly instead of silently dropping data. The video
analysis (:class:`VideoAnalysis`) is also the keypoints export users download and feed back into
training; ``docs/schemas.md`` documents it with a real example.

Example:
    >>> from har_common.schemas import PersonPose
    >>> p = PersonPose(track_id=1, keypoints=[[10, 20, 0.9]] * 17)
    >>> p.keypoints[0]
    (10.0, 20.0, 0.9)
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..layouts import COCO17

SCHEMA_VERSION = "1.0"
SchemaVersion = Literal["1.0"]
LayoutName = Literal["coco17"]
NUM_JOINTS = len(COCO17)


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number (no NaN or infinity)")
    return v


Finite = Annotated[float, AfterValidator(_finite)]
Score = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
# One keypoint: x and y in image pixels, score in [0, 1]; score 0 means the joint is missing.
Keypoint = tuple[Finite, Finite, Score]


def _seventeen(points: list[Keypoint]) -> list[Keypoint]:
    if len(points) != NUM_JOINTS:
        raise ValueError(f"expected {NUM_JOINTS} keypoints in COCO-17 order, got {len(points)}")
    return points


Skeleton = Annotated[list[Keypoint], AfterValidator(_seventeen)]


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


LabelTiming = Literal["centred", "causal"]  # how a video's per-frame labels are decided (see VideoAnalysis.labels)
UnlabelledReason = Literal["window_filling", "classifier_unavailable", "few_visible_joints", "low_confidence"]


class ClassProbability(Contract):
    """One class of the model and its smoothed probability for a person."""

    label: str = Field(min_length=1, examples=["walking"])
    probability: Score


class ActionLabel(Contract):
    """The current action of one person, after smoothing."""

    label: str = Field(min_length=1, examples=["walking"])
    confidence: Score
    top_k: list[ClassProbability] | None = Field(
        None,
        max_length=3,
        description="The model's three most likely classes for this person, most likely first (smoothed "
        "probabilities); null while no fresh classifier answer is there (window filling, classifier down).",
    )
    reason: UnlabelledReason | None = Field(
        None, description="Why the label is ``uncertain`` (the same reasons as ``unlabelled``); null for a label."
    )


class PersonPose(Contract):
    """One person's keypoints in one frame."""

    track_id: int | None = Field(None, ge=0, description="Stable id across frames; null when untracked.")
    keypoints: Skeleton = Field(description="17 COCO keypoints, each [x_px, y_px, score].")
    score: Score = Field(1.0, description="Detection confidence of the person.")
    bbox: tuple[Finite, Finite, Finite, Finite] | None = Field(None, description="[x1, y1, x2, y2] in pixels.")
    raw_keypoints: list[tuple[Finite, Finite, Finite, Score]] | None = Field(
        None, description="The estimator's own landmarks (MediaPipe: 33 x [x_px, y_px, z, visibility]), on request."
    )
    action: ActionLabel | None = Field(None, description="Smoothed action label of this track at this frame.")


class FrameResult(Contract):
    """Every person found in one frame."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    frame_index: int = Field(ge=0)
    timestamp_ms: Finite = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    persons: list[PersonPose] = Field(default_factory=list)
    persons_left_out: int = Field(
        0, ge=0, description="People found in this frame but not returned: past the service's limit of people per frame."
    )


class SkeletonSequence(Contract):
    """A sequence of one person's skeletons to classify; any length, resampled by the classifier."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    layout: LayoutName = "coco17"
    fps: Finite = Field(30.0, gt=0, le=1000)
    track_id: int | None = Field(None, ge=0)
    keypoints: list[Skeleton] = Field(min_length=1, description="T frames x 17 x [x_px, y_px, score].")


class ActionPrediction(Contract):
    """The classifier's answer for one sequence."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    model: str
    label: str
    confidence: Score
    probabilities: dict[str, Score] = Field(description="Every class of the model with its probability.")


class ActionSegment(Contract):
    """A stretch of time in which one track did one action."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    track_id: int | None = Field(None, ge=0)
    label: str = Field(min_length=1)
    start_ms: Finite = Field(ge=0)
    end_ms: Finite = Field(ge=0)
    duration_ms: Finite | None = Field(None, description="end_ms - start_ms; filled in when omitted.")
    mean_confidence: Score
    kinetics: ClassProbability | None = Field(
        None,
        description="On ``other`` segments of a job run with kinetics=true: what the Kinetics-400 clip model saw "
        "meanwhile (the person's crop, else the whole frame), its mean probability over the overlapping windows.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> ActionSegment:
        if self.end_ms < self.start_ms:
            raise ValueError("end_ms must not be before start_ms")
        duration = self.end_ms - self.start_ms
        if self.duration_ms is None:
            self.duration_ms = duration
        elif abs(self.duration_ms - duration) > 1e-3:
            raise ValueError(f"duration_ms must equal end_ms - start_ms ({duration})")
        return self


class UnlabelledSpan(Contract):
    """A time range in which a tracked person's frames say ``uncertain``, and why:
    ``window_filling`` (the person's first window, or a new one after a gap, is not full yet),
    ``classifier_unavailable`` (the classifier did not answer: down, slow or starting),
    ``few_visible_joints`` (too little of the person is seen), ``low_confidence`` (the model
    abstained: no class was likely enough)."""

    track_id: int | None = Field(None, ge=0)
    start_ms: Finite = Field(ge=0)
    end_ms: Finite = Field(ge=0)
    reason: UnlabelledReason
    kinetics: ClassProbability | None = Field(
        None, description="As on segments: what the Kinetics-400 clip model saw meanwhile (jobs run with kinetics=true)."
    )


class SceneWindow(Contract):
    """The Kinetics-400 clip model's answer for one window of a video job (run with kinetics=true):
    the whole frame (``track_id`` null), or a square crop around one tracked person."""

    track_id: int | None = Field(None, ge=0, description="null: the whole frame; else the person's crop")
    start_ms: Finite = Field(ge=0, description="the window's first frame")
    end_ms: Finite = Field(ge=0, description="the window's last frame")
    labels: list[ClassProbability] = Field(
        min_length=1, max_length=20, description="the most probable Kinetics-400 classes, most probable first (5)"
    )


class SourceInfo(Contract):
    """What was analysed. ``filename`` is the name the user gave, kept for display only."""

    filename: str | None = None
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: Finite = Field(gt=0)
    frame_count: int = Field(ge=0)
    duration_ms: Finite = Field(ge=0)
    rotation: Literal[0, 90, 180, 270] = Field(
        0,
        description=(
            "Counter-clockwise turn, in degrees, of the video's display matrix (as FFmpeg reports it; a phone "
            "held upright records 90): frames were turned (and mirrored, see ``mirrored``) to how a player shows "
            "them; ``width``/``height`` and keypoints are in that orientation."
        ),
    )
    mirrored: bool = Field(False, description="The display matrix mirrors the picture; frames were mirrored to match.")


class LostFrames(Contract):
    """A run of frames the decoder could not read (damaged data); they have no poses and no labels."""

    after_frame_index: int | None = Field(
        ge=0, description="The last frame decoded before the run (null: the run is at the start of the video)."
    )
    start_ms: Finite = Field(ge=0, description="Where the run starts, in the video's time.")
    count: int = Field(ge=1, description="How many frames of the video were lost, or packets where frames are unknown.")


class Notice(Contract):
    """Something the user should know about a result: frames lost, nobody found, people left out."""

    code: Literal[
        "frames_lost", "nobody_found", "people_left_out", "size_changed", "classifier_unavailable", "kinetics_unavailable"
    ]
    message: str = Field(min_length=1, description="What happened and what to do, for a person to read.")


class ModelInfo(Contract):
    """Which models produced an analysis."""

    pose: str = Field(examples=["mediapipe-pose-full"])
    classifier: str | None = Field(None, examples=["stgcn"])
    kinetics: str | None = Field(None, description="the clip model of ``scene``; null when not run", examples=["i3d-kinetics400"])


class VideoAnalysis(Contract):
    """A whole video's analysis: the result JSON and the keypoints export."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    layout: LayoutName = "coco17"
    source: SourceInfo
    models: ModelInfo
    labels: LabelTiming | None = Field(
        None,
        description="How the per-frame labels were decided: `centred` from the windows around each frame, `causal` from "
        "the windows before it (as live); null without labels.",
    )
    frames: list[FrameResult] = Field(description="Per-frame persons; each person's ``action`` is its per-frame label.")
    segments: list[ActionSegment] = Field(default_factory=list)
    lost_frames: list[LostFrames] = Field(
        default_factory=list, description="Runs of frames that could not be decoded (damaged data), in video order."
    )
    unlabelled: list[UnlabelledSpan] = Field(
        default_factory=list, description="Where tracked people went without an action label, and why, per track in time order."
    )
    notices: list[Notice] = Field(default_factory=list)
    scene: list[SceneWindow] = Field(
        default_factory=list,
        description="The Kinetics-400 clip model's labels per window (kinetics=true): whole frame and, in multi-person "
        "jobs, each tracked person's crop; in time order.",
    )
