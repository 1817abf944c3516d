import json
import math

import pytest
from pydantic import ValidationError

from har_common.schemas import (
    SCHEMA_VERSION,
    ActionLabel,
    ActionPrediction,
    ActionSegment,
    FrameResult,
    ModelInfo,
    PersonPose,
    SkeletonSequence,
    SourceInfo,
    VideoAnalysis,
)

SKELETON = [[10.0 + i, 20.0 + i, 0.9] for i in range(17)]


def test_person_requires_seventeen_keypoints():
    with pytest.raises(ValidationError, match="expected 17 keypoints"):
        PersonPose(keypoints=SKELETON[:16])


@pytest.mark.parametrize("bad", [[math.nan, 1, 0.5], [1, math.inf, 0.5], [1, 1, 1.5], [1, 1, -0.1]])
def test_keypoint_values_validated(bad):
    with pytest.raises(ValidationError):
        PersonPose(keypoints=[bad] + SKELETON[1:])


def test_extra_fields_forbidden_and_version_checked():
    with pytest.raises(ValidationError, match="Extra inputs"):
        PersonPose(keypoints=SKELETON, colour="red")
    with pytest.raises(ValidationError):
        FrameResult(schema_version="0.9", frame_index=0, timestamp_ms=0, width=1, height=1)


def test_sequence_rejects_empty():
    with pytest.raises(ValidationError):
        SkeletonSequence(keypoints=[])
    seq = SkeletonSequence(keypoints=[SKELETON] * 3, fps=15)
    assert seq.schema_version == SCHEMA_VERSION and len(seq.keypoints) == 3


def test_segment_duration_filled_and_checked():
    seg = ActionSegment(track_id=1, label="walking", start_ms=1000, end_ms=2500, mean_confidence=0.8)
    assert seg.duration_ms == 1500
    assert ActionSegment.model_validate_json(seg.model_dump_json()) == seg
    with pytest.raises(ValidationError, match="end_ms"):
        ActionSegment(label="x", start_ms=5, end_ms=4, mean_confidence=0.5)
    with pytest.raises(ValidationError, match="duration_ms"):
        ActionSegment(label="x", start_ms=0, end_ms=4, duration_ms=3, mean_confidence=0.5)


def test_prediction_probabilities_are_scores():
    with pytest.raises(ValidationError):
        ActionPrediction(model="m", label="a", confidence=0.5, probabilities={"a": 1.2})


def test_video_analysis_round_trips_through_json():
    frame = FrameResult(
        frame_index=0,
        timestamp_ms=0.0,
        width=640,
        height=480,
        persons=[
            PersonPose(track_id=0, keypoints=SKELETON, bbox=(1, 2, 3, 4), action=ActionLabel(label="waving", confidence=0.7)),
        ],
    )
    analysis = VideoAnalysis(
        source=SourceInfo(filename="clip.mp4", width=640, height=480, fps=30, frame_count=1, duration_ms=33.3),
        models=ModelInfo(pose="mediapipe-pose-full", classifier="stgcn"),
        frames=[frame],
        segments=[ActionSegment(track_id=0, label="waving", start_ms=0, end_ms=33.3, mean_confidence=0.7)],
    )
    text = analysis.model_dump_json()
    again = VideoAnalysis.model_validate_json(text)
    assert again == analysis
    assert json.loads(text)["frames"][0]["persons"][0]["keypoints"][0] == [10.0, 20.0, 0.9]


def test_documented_example_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "analysis.json"
    VideoAnalysis.model_validate_json(example.read_bytes())
