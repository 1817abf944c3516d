"""The ground truth of the real-video benchmark: per clip, per person, labelled time spans.

The format (``../shared/data/videos/real/groundtruth.json``; its ``about`` field is the reference):
``{"vocabulary": [...], "videos": {name: {"file", "mode": "single"|"multi", "people",
"persons": [{"id": "main"|"all", "spans": [{"start", "end", "label"}]}]}}}``. Times are seconds
from the first frame. ``other`` means none of the product's actions (rejecting is right);
``no_person`` means nobody is in view. ``main`` is the person the clip is about, ``all`` says the
label holds for every person in view. Unknown extra fields are ignored, so annotators may add notes.

Example:
    >>> gt = GroundTruth.model_validate({"vocabulary": ["walking", "other"], "videos": {"a": {
    ...     "file": "a.mp4", "mode": "single", "people": 1,
    ...     "persons": [{"id": "main", "spans": [{"start": 0, "end": 2.5, "label": "walking"}]}]}}})
    >>> gt.videos["a"].persons[0].spans[0].duration_s
    2.5
    >>> try:
    ...     GroundTruth.model_validate({"vocabulary": ["walking"], "videos": {"a": {
    ...         "file": "a.mp4", "mode": "single", "people": 1,
    ...         "persons": [{"id": "main", "spans": [{"start": 0, "end": 1, "label": "flying"}]}]}}})
    ... except ValueError as exc:
    ...     print(str(exc).splitlines()[1].split(" (")[0].strip())
    Value error, clip 'a', person 'main': label 'flying' at 0.0-1.0 s is not in the vocabulary
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

NO_PERSON = "no_person"
OTHER = "other"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TruthSpan(_Lenient):
    """One labelled stretch of time, in seconds from the first frame."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    label: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> TruthSpan:
        if self.end <= self.start:
            raise ValueError(f"span {self.start}-{self.end} s: end must be after start")
        return self

    @property
    def duration_s(self) -> float:
        return self.end - self.start


class PersonTruth(_Lenient):
    """The spans of one person (``main``) or of everyone in view (``all``)."""

    id: Literal["main", "all"]
    spans: list[TruthSpan] = Field(min_length=1)


class VideoTruth(_Lenient):
    """One annotated clip."""

    file: str = Field(min_length=1)
    mode: Literal["single", "multi"]
    people: int = Field(ge=0, description="How many different people appear in the clip.")
    persons: list[PersonTruth] = Field(min_length=1)
    duration_s: float | None = Field(None, ge=0)
    notes: str | None = None


class GroundTruth(_Lenient):
    """A whole ground-truth file."""

    about: str | None = None
    vocabulary: list[str] = Field(min_length=1)
    videos: dict[str, VideoTruth] = Field(min_length=1)

    @model_validator(mode="after")
    def _labels_known(self) -> GroundTruth:
        known = [*self.vocabulary, NO_PERSON]
        for name, video in self.videos.items():
            for person in video.persons:
                for span in person.spans:
                    if span.label not in known:
                        raise ValueError(
                            f"clip {name!r}, person {person.id!r}: label {span.label!r} at "
                            f"{span.start}-{span.end} s is not in the vocabulary ({', '.join(known)})"
                        )
        return self

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        """Read and check a ground-truth file.

        Raises:
            FileNotFoundError: no such file.
            ValueError: not JSON, or not this format (the message names the clip, person and span).
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no ground-truth file at {path}")
        try:
            return cls.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ValueError(f"{path} is not a valid ground-truth file: {exc}") from None
