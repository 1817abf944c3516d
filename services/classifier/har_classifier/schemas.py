"""Request and response bodies of the classifier's HTTP API (the OpenAPI the frontend's types come from)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from har_common.schemas import SCHEMA_VERSION, ActionPrediction, SkeletonSequence


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="model name from GET /v1/models; the default model when omitted")
    sequences: list[SkeletonSequence] = Field(description="one person's skeleton sequence each (any length: resampled inside)")


class ClassifyResponse(BaseModel):
    schema_version: str = SCHEMA_VERSION
    model: str
    predictions: list[ActionPrediction]


class ClassMetrics(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int = Field(description="test windows of the class")


class ModelMetrics(BaseModel):
    """Evaluation figures from the model's report (test side of its protocol); more keys may follow."""

    model_config = ConfigDict(extra="allow")

    protocol: str | None = None
    accuracy: float | None = None
    macro_f1: float | None = None
    utd_mhad_accuracy: float | None = Field(None, description="UTD-MHAD test trials of the 8 mapped actions (the issue's target)")
    utd_classes_accuracy: float | None = None
    test_windows: int | None = None
    confusion_matrix: list[list[int]] | None = Field(None, description="rows: true class, columns: predicted, both in `classes` order")
    per_class: dict[str, ClassMetrics] | None = None
    calibration: dict[str, float | int | str | None] | None = Field(None, description="temperature, expected calibration error")
    kfold: dict | None = Field(None, description="5-fold-by-subject summary (mean and std), where run")


class WindowInfo(BaseModel):
    length: int
    fps: float
    stride: int = Field(description="suggested hop between live windows, in frames at `fps`")
    seconds: float


class ModelDescription(BaseModel):
    name: str
    architecture: str | None = None
    classes: list[str]
    layout: str = "coco17"
    window: WindowInfo
    engine: str
    parameters: int | None = None
    temperature: float = Field(1.0, description="softmax temperature applied to the model's output (fitted on validation)")
    metrics: ModelMetrics
    report_url: str | None = Field(None, description="the report folder: GET report_url + '/' + a file name of report_files")
    report_files: dict[str, str] = Field(default_factory=dict, description="report file name -> its URL path (confusion.png, curves.png, model_card.md)")


class ModelsResponse(BaseModel):
    default_model: str
    max_batch: int
    models: list[ModelDescription]


class Problem(BaseModel):
    detail: str | list
