"""The training options: one typed model (:class:`TrainOptions`) that ``har train`` builds its flags from,
that ``model.json`` records (``training``) and that the model card reads back.

Every field carries its help text (``description``); :func:`add_arguments` turns fields into
argparse flags (``--batch-size`` for ``batch_size``, unless ``flag`` says otherwise), so the CLI,
the record and the card cannot drift apart. The window's flags (``--window``, ``--fps``,
``--stride``) set fields of the nested :class:`~har_common.schemas.WindowSpec`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from har_common.schemas import WindowSpec

from .sources import DEFAULT_CLASSES, OTHER

SHARED = Path(os.environ.get("HAR_SHARED_DIR", "../shared"))  # relative to the working directory unless set
DEFAULT_UTD = str(SHARED / "data/skeletons/utd_mhad")
DEFAULT_LZQ = str(SHARED / "data/skeletons/lzq_openpose2d")
SEED_DEFAULT = 7
ARCHITECTURES = ("tcn", "stgcn", "resnet3d", "cnn_lstm")
ENSEMBLE_RULES = ("mean", "consensus")  # how an ensemble joins its members (models.build_ensemble)
NOT_RECORDED = {"out", "threads"}  # how and where a run went, not what the model is


def _cli(flag: str | None = None, parse=None, metavar: str | None = None, append: bool = False) -> dict:
    return {"cli": {k: v for k, v in {"flag": flag, "parse": parse, "metavar": metavar, "append": append}.items() if v}}


def _comma_list(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _angles(text: str) -> list[float]:
    try:
        angles = [float(a) for a in text.split(",") if a.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected angles in degrees separated by commas, got {text!r}") from None
    if not angles or any(not -90 <= a <= 90 or a == 0 for a in angles):
        raise argparse.ArgumentTypeError(f"angles must be non-zero and within -90..90 degrees, got {text!r}")
    return angles


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(a) for a in _comma_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integer seeds separated by commas, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("expected at least one seed")
    return seeds


class TrainOptions(BaseModel):
    """Everything a training run is given. Field order is the order of ``har train --help``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, protected_namespaces=())

    model: Literal["tcn", "stgcn", "resnet3d", "cnn_lstm"] = Field("stgcn", description="architecture")
    out: str | None = Field(
        None, description="model folder (default: HAR_CLASSIFIER_MODEL_DIR/<model>, the served models folder)"
    )
    utd: str | None = Field(
        DEFAULT_UTD, description="UTD-MHAD skeleton folder ('' to leave out; under HAR_SHARED_DIR, ../shared unless set)"
    )
    lzq: str | None = Field(DEFAULT_LZQ, description="LZQ OpenPose CSV folder ('' to leave out)")
    datasets: list[str] = Field(
        [], description="extra har-skeleton-dataset folder (repeatable)", json_schema_extra=_cli(flag="--dataset", append=True)
    )
    classes: list[str] = Field(
        list(DEFAULT_CLASSES),
        description="comma-separated class list",
        json_schema_extra=_cli(parse=_comma_list, metavar="CLASS[,CLASS...]"),
    )
    protocol: Literal["cross-subject", "kfold", "inner"] = Field(
        "cross-subject", description="split protocol; inner: odd subject --fold tests inside the train half (tools/inner_cv.py)"
    )
    fold: int = Field(0, ge=0, description="fold for --protocol kfold (0-based); the odd test subject for inner")
    n_folds: int = Field(5, ge=2, description="folds of --protocol kfold")
    val: Literal["subject", "trial"] = Field(
        "trial", description="validation from the train side: a held-out train subject or each train subject's last trial"
    )
    val_subject: int | None = Field(
        None, description="with --val subject: the number of the train subject that validates (default: the last)"
    )
    epochs: int = Field(60, ge=1, description="most epochs")
    patience: int = Field(12, ge=1, description="early stopping patience in epochs")
    batch_size: int = Field(32, ge=1, description="training batch size")
    learning_rate: float = Field(2e-3, gt=0, description="Adam's learning rate")
    repeats: int = Field(6, ge=1, description="augmented copies of each training sample per epoch")
    label_smoothing: float = Field(0.1, ge=0, lt=1, description="label smoothing of the loss")
    other_ratio: float = Field(
        2.0, gt=0, description="windows of the rejection class 'other' per epoch, as a multiple of the mean class's"
    )
    other_weight: float = Field(
        1.0,
        gt=0,
        description="prior weight of 'other' when the model is used: its probability is "
        "multiplied by this and all renormalised (the default model's comes from tools/inner_cv.py "
        "--other-weights)",
    )
    limb_scale: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="augmentation: upper arms, forearms, thighs and shins each scaled within 1 +- LIMB_SCALE (0: off)",
    )
    yaws: list[float] = Field(
        [],
        description="augmentation: UTD-MHAD's 3D trials also train as seen from these viewpoints, "
        "the subject turned about the vertical axis by each angle (degrees, e.g. -30,30; default: the "
        "camera's own view only)",
        json_schema_extra=_cli(flag="--yaw", parse=_angles, metavar="DEG[,DEG...]"),
    )
    utd_views: int = Field(
        0,
        ge=0,
        description="augmentation: each UTD-MHAD training trial also seen by this many random "
        "virtual cameras (any azimuth, eye level to 60 degrees down)",
    )
    held_squats: bool = Field(
        False,
        description="data: the lowest frames of each UTD-MHAD squat trial held still for 4 s also train "
        "'squatting' (in the camera's view and the --utd-views virtual ones), as the seated frames make 'sitting'",
    )
    stretch: float = Field(0.0, ge=0, lt=1, description="augmentation: x and y scaled apart within 1 +- STRETCH (0: off)")
    estimator_noise: float = Field(
        0.0,
        ge=0,
        description="augmentation: MediaPipe's and YOLO's errors measured on real video (har_classifier/pose_noise.json: "
        "offsets, wander, jitter, left/right swaps, dropout) put on the synthetic sequences, times this (1: as "
        "measured; 0: off)",
    )
    init: str | None = Field(
        None,
        description="start from the weights of this model folder (same architecture, classes and window) "
        "instead of random ones: fine-tuning (none: from scratch)",
    )
    seed: int = Field(SEED_DEFAULT, description="random seed (data order, augmentation, weights)")
    members: int = Field(1, ge=1, description="train this many models (seeds SEED, SEED+1, ...) and ship their average as one")
    member_seeds: list[int] = Field(
        [],
        description="the members' seeds, one per member (sets --members, and --seed to the first; default: SEED, "
        "SEED+1, ...). Each trained network's model.json gives its validation figures "
        "(calibration.val_other_recall), to choose them by",
        json_schema_extra=_cli(parse=_seeds, metavar="SEED[,SEED...]"),
    )
    ensemble: Literal[ENSEMBLE_RULES] = Field(
        "mean",
        description="how an ensemble joins its members: 'mean' averages their probabilities; 'consensus' gives each "
        "class the least probability any member gives it and the rest to 'other' (what the members disagree on is "
        "rejected; needs 'other' among the classes)",
    )
    window: WindowSpec = Field(
        default_factory=WindowSpec,
        description="the model's input window",
        json_schema_extra={
            "cli": {
                "nested": {
                    "window": ("length", "window length in frames"),
                    "fps": ("fps", "window frame rate"),
                    "stride": ("stride", "suggested hop between live windows, in window frames"),
                }
            }
        },
    )
    limit: int | None = Field(None, ge=1, description="at most this many training windows per class (smoke tests)")
    threads: int = Field(2, ge=1, description="TensorFlow threads")

    @field_validator("utd", "lzq", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v == "" else (str(v) if isinstance(v, Path) else v)

    @field_validator("yaws")
    @classmethod
    def _yaws_in_range(cls, v: list[float]) -> list[float]:
        if any(not -90 <= a <= 90 or a == 0 for a in v):
            raise ValueError(f"yaw angles must be non-zero and within -90..90 degrees, got {v}")
        return v

    @field_validator("window")
    @classmethod
    def _window_has_motion(cls, v: WindowSpec) -> WindowSpec:
        if v.length < 2:
            raise ValueError(f"a window needs at least 2 frames (every model reads the motion between frames), got {v.length}")
        return v

    @model_validator(mode="before")
    @classmethod
    def _members_match_seeds(cls, data: Any) -> Any:
        seeds = data.get("member_seeds") if isinstance(data, dict) else None
        if seeds:
            seeds = list(seeds)
            if len(set(seeds)) != len(seeds):
                raise ValueError(f"member seeds must differ, got {seeds}")
            if data.get("members", 1) not in (1, len(seeds)):
                raise ValueError(f"--members {data['members']} disagrees with {len(seeds)} member seeds")
            # the record names the first member's seed, as --members does
            data = {**data, "members": len(seeds), "seed": seeds[0]}
        return data

    @model_validator(mode="after")
    def _consensus_needs_other(self) -> TrainOptions:
        if self.ensemble == "consensus" and OTHER not in self.classes:
            raise ValueError("--ensemble consensus gives what the members disagree on to 'other': add 'other' to --classes")
        return self

    def seeds(self) -> list[int]:
        """The members' seeds: ``member_seeds``, else ``seed``, ``seed + 1``, ... (``members`` of them).

        >>> TrainOptions(seed=7, members=2).seeds(), TrainOptions(member_seeds=[7, 9]).seeds()
        ([7, 8], [7, 9])
        """
        return list(self.member_seeds) or [self.seed + k for k in range(self.members)]

    def out_dir(self) -> Path:
        """Where the model goes: ``out``, else the served models folder's ``<model>``."""
        if self.out:
            return Path(self.out)
        from .settings import Settings

        return Path(Settings().model_dir) / self.model

    def record(self) -> dict:
        """What ``model.json`` keeps under ``training``."""
        return self.model_dump(mode="json", exclude={**dict.fromkeys(NOT_RECORDED, True), "window": {"seconds"}})

    @classmethod
    def from_record(cls, record: dict) -> TrainOptions:
        """The options a ``model.json`` recorded (older records may lack newer fields: their defaults stand in)."""
        known = {k: v for k, v in record.items() if k in cls.model_fields}
        return cls.model_validate(known)


def _flag(name: str, extra: dict) -> str:
    return extra.get("flag") or "--" + name.replace("_", "-")


def _argument(parser: argparse.ArgumentParser, name: str, field, default_text: str) -> None:
    extra = (field.json_schema_extra or {}).get("cli", {})
    text = field.description if "default" in field.description else f"{field.description} (default: {default_text})"
    kwargs: dict[str, Any] = {"dest": name, "default": None, "help": text}
    choices = getattr(field.annotation, "__args__", None) if getattr(field.annotation, "__origin__", None) is Literal else None
    if field.annotation is bool:
        kwargs["action"] = "store_true"
    elif choices:
        kwargs["choices"] = list(choices)
    elif extra.get("parse"):
        kwargs["type"] = extra["parse"]
    elif field.annotation in (int, float) or field.annotation in (int | None, float | None):
        kwargs["type"] = int if field.annotation in (int, int | None) else float
    if extra.get("append"):
        kwargs["action"] = "append"
    if extra.get("metavar"):
        kwargs["metavar"] = extra["metavar"]
    parser.add_argument(_flag(name, extra), **kwargs)


def _default_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def add_arguments(parser: argparse.ArgumentParser, names: list[str] | None = None) -> None:
    """Add a flag for each of ``names`` (default: every field) of :class:`TrainOptions`; unset flags stay ``None``."""
    for name, field in TrainOptions.model_fields.items():
        if names is not None and name not in names:
            continue
        nested = (field.json_schema_extra or {}).get("cli", {}).get("nested")
        if not nested:
            _argument(parser, name, field, _default_text(field.get_default(call_default_factory=True)))
            continue
        for flag, (sub, text) in nested.items():
            sub_field = WindowSpec.model_fields[sub]
            parser.add_argument(
                f"--{flag}",
                dest=f"{name}.{sub}",
                type=sub_field.annotation,
                default=None,
                metavar=flag.upper(),
                help=f"{text} (default: {sub_field.default:g})",
            )


def from_args(args: argparse.Namespace) -> TrainOptions:
    """The options the parsed flags give (flags not given keep the defaults)."""
    given: dict[str, Any] = {}
    for key, value in vars(args).items():
        if value is None:
            continue
        name, _, sub = key.partition(".")
        if name not in TrainOptions.model_fields:
            continue
        if sub:
            given.setdefault(name, WindowSpec().model_dump(exclude={"seconds"}))[sub] = value
        else:
            given[name] = value
    return TrainOptions(**given)
