"""The Kinetics-400 clip model's contract: the classifier service's ``GET /v1/clips/model`` and
``POST /v1/clips`` (windows of RGB frames in, the most probable of the 400 Kinetics classes out).
The pose services' video jobs call it and put the answers into the analysis (``scene``).

Example:
    >>> from har_common.schemas import ClipClassifyResponse
    >>> r = ClipClassifyResponse.model_validate({"model": "i3d-kinetics400", "frames": 16,
    ...     "predictions": [{"labels": [{"label": "tai chi", "probability": 0.99}]}]})
    >>> r.predictions[0].labels[0].label
    'tai chi'
"""

from __future__ import annotations

from pydantic import Field

from .analysis import SCHEMA_VERSION, ClassProbability, Contract, SchemaVersion


class ClipModelInfo(Contract):
    """``GET /v1/clips/model``: the clip model, what a window must be, and where it comes from."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    model: str = Field(examples=["i3d-kinetics400"])
    classes: list[str] = Field(description="the 400 Kinetics-400 class names, in the model's order")
    size: int = Field(224, description="frames are size x size pixels, RGB")
    min_frames: int = Field(description="fewest frames in a window")
    max_frames: int = Field(description="most frames in a window")
    max_windows: int = Field(description="most windows in one request")
    source: str = Field(description="where the weights come from, and their licences")


class ClipPrediction(Contract):
    """One window's most probable classes, most probable first."""

    labels: list[ClassProbability] = Field(min_length=1)


class ClipClassifyResponse(Contract):
    """``POST /v1/clips``: one prediction per window, in order."""

    schema_version: SchemaVersion = SCHEMA_VERSION
    model: str
    frames: int = Field(ge=1, description="frames per window")
    predictions: list[ClipPrediction]
    seconds: float | None = Field(None, ge=0, description="time the model took for the whole request")
