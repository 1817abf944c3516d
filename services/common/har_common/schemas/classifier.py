"""The classifier service's contract: its models (``GET /v1/models``), a classification
(``POST /v1/classify``) and its health answers. The service answers with these models and every
caller (the pose services, ``har benchmark``, the web app through the OpenAPI) parses with them.

Example:
    >>> from har_common.schemas import WindowSpec
    >>> w = WindowSpec(length=32, fps=10.0, stride=8)
    >>> w.seconds, w.stride_seconds
    (3.2, 0.8)
    >>> WindowSpec.model_validate(w.model_dump()) == w     # ``seconds`` travels along, checked
    True
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, computed_field, model_validator

from .analysis import SCHEMA_VERSION, ActionPrediction, Contract, SkeletonSequence


class WindowSpec(Contract):
    """What one classifier input is: ``length`` frames at ``fps``. ``stride`` is the suggested hop
    (frames at ``fps``) between two windows of a live track; the rest says how a window is normalised."""

    model_config = Contract.model_config | {"frozen": True}

    length: int = Field(32, ge=1, le=10_000, description="frames per window, at `fps`")
    fps: float = Field(10.0, gt=0, le=1000)
    stride: int = Field(8, ge=1, description="suggested hop between live windows, in frames at `fps`")
    mask_threshold: float = Field(0.3, ge=0, le=1, description="keypoint score below which a joint counts as missing")
    center: Literal["sequence", "frame"] = Field("sequence", description="centre on the whole window's hips or each frame's")
    drop_face: bool = Field(True, description="the eyes and ears (keypoints 1-4) are zeroed; the nose is kept")

    @model_validator(mode="before")
    @classmethod
    def _seconds_is_derived(cls, data: Any) -> Any:
        # ``seconds`` is sent for readers' convenience; on the way in it must agree, then it is dropped
        if isinstance(data, dict) and "seconds" in data:
            data = dict(data)
            seconds = data.pop("seconds")
            expected = data.get("length", 32) / data.get("fps", 10.0)
            if not isinstance(seconds, (int, float)) or abs(seconds - expected) > 1e-3:
                raise ValueError(f"seconds must equal length / fps ({expected:.3f})")
        return data

    @computed_field(description="length / fps")
    @property
    def seconds(self) -> float:
        return round(self.length / self.fps, 6)

    @property
    def stride_seconds(self) -> float:
        return self.stride / self.fps


class ClassMetrics(Contract):
    precision: float
    recall: float
    f1: float
    support: int = Field(description="test windows of the class")


class FoldFigure(Contract):
    mean: float | None = None
    std: float | None = None
    values: list[float | None] = Field(default_factory=list, description="one per fold")


class KFoldSummary(Contract):
    """5-fold-by-subject figures: each fold trains a fresh model with the same command and settings."""

    folds: int = Field(ge=1, description="folds run")
    n_folds: int | None = Field(None, ge=1, description="folds of the protocol")
    protocol: list[str] = Field(default_factory=list, description="each fold's protocol name")
    figures: dict[str, FoldFigure] = Field(default_factory=dict, description="figure name -> mean, std, per-fold values")
    test_windows: list[int] = Field(default_factory=list)
    note: str | None = None


class ModelMetrics(Contract):
    """Evaluation figures from the model's report (test side of its protocol)."""

    protocol: str | None = None
    accuracy: float | None = None
    macro_f1: float | None = None
    utd_mhad_accuracy: float | None = Field(None, description="UTD-MHAD test trials of the mapped actions")
    utd_classes_accuracy: float | None = None
    utd_other_recall: float | None = Field(None, description="share of UTD-MHAD's unmapped actions answered `other`")
    test_windows: int | None = None
    confusion_matrix: list[list[int]] | None = Field(
        None, description="rows: true class, columns: predicted, both in `classes` order"
    )
    per_class: dict[str, ClassMetrics] | None = None
    calibration: dict[str, float | int | str | None] | None = Field(None, description="temperature, expected calibration error")
    kfold: KFoldSummary | None = Field(None, description="5-fold-by-subject summary, where run")


class RealVideoFigure(Contract):
    """The real-video benchmark's headline for a model (``har benchmark videos``, the model folder's
    ``real_video.json``): annotated spans of real clips, never trained on, named right."""

    spans: int = Field(ge=0)
    correct: int = Field(ge=0)
    accuracy: float = Field(ge=0, le=1, description="correct / spans")
    reading: str = Field(description="how a span counts as right (lag: the label may come up to lag_s late)")
    lag_s: float | None = None
    labels: Literal["centred", "causal"] = Field(
        "causal", description="the video jobs' label timing: `centred` (each frame from the windows around it) or `causal`"
    )


class DataLicence(Contract):
    """One data set a model was trained on, and its licence (which the weights inherit)."""

    name: str
    licence: str


class ModelDescription(Contract):
    """One model the classifier serves: what it tells apart and what one input window is."""

    name: str = Field(min_length=1, examples=["tcn_mocap"])
    architecture: str | None = None
    classes: list[str] = Field(min_length=1)
    layout: Literal["coco17"] = "coco17"
    window: WindowSpec
    engine: str = Field("tflite", description="the inference engine that runs it")
    parameters: int | None = None
    temperature: float = Field(1.0, gt=0, description="softmax temperature applied to the model's output (fitted on validation)")
    metrics: ModelMetrics = Field(default_factory=ModelMetrics)
    report_url: str | None = Field(None, description="the report folder: GET report_url + '/' + a file name of report_files")
    report_files: dict[str, str] = Field(default_factory=dict, description="report file name -> its URL path")
    real_video: RealVideoFigure | None = Field(None, description="the real-video benchmark's headline, where measured")
    windows_per_second: float | None = Field(
        None, ge=0, description="windows classified per second at batch 1 by the served engine, as measured at export"
    )
    size_bytes: int | None = Field(None, ge=0, description="size of the served model file")
    training_data: list[DataLicence] = Field(default_factory=list, description="the data sets it was trained on")


class ModelList(Contract):
    """``GET /v1/models``."""

    default_model: str
    max_batch: int = Field(ge=1)
    models: list[ModelDescription] = Field(min_length=1)

    def choose(self, name: str | None = None) -> ModelDescription:
        """The model called ``name``, or the default one.

        Raises:
            LookupError: no model of that name.
        """
        want = name or self.default_model
        for m in self.models:
            if m.name == want:
                return m
        raise LookupError(f"the classifier has no model {want!r} (it has {', '.join(m.name for m in self.models)})")


class ClassifyRequest(Contract):
    """``POST /v1/classify``: up to ``max_batch`` sequences, classified by one model."""

    model: str | None = Field(None, description="model name from GET /v1/models; the default model when omitted")
    sequences: list[SkeletonSequence] = Field(description="one person's skeleton sequence each (any length: resampled inside)")


class ClassifyResponse(Contract):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    model: str
    predictions: list[ActionPrediction] = Field(description="one per sequence, in the request's order")


class Liveness(Contract):
    status: Literal["ok"] = "ok"


class ClassifierReadiness(Contract):
    """``GET /readyz`` of the classifier: 200 when ready, 503 while loading or after a failed load."""

    status: Literal["ready", "loading", "error"]
    models: list[str] = Field(default_factory=list)
    default_model: str | None = None
    error: str | None = None


class Problem(Contract):
    """Every 4xx and 5xx answer."""

    detail: str | list[Any]
