"""Classes and data sources of the classifier: which source labels map to which class, and loading them.

UTD-MHAD actions and LZQ OpenPose labels are mapped onto the default classes (:data:`UTD_MAP`,
:data:`LZQ_MAP`); the 19 other UTD-MHAD actions (:data:`UTD_OTHER`) form the rejection class
``other``, with LZQ's ``operate``. Extra ``har-skeleton-dataset`` folders (``--dataset``; e.g. motion
capture seen by virtual cameras, made by ``har dataset import mocap``) join as they are.
Importers and the record type come from the shared package (:mod:`har_common.importers`,
:class:`har_common.dataset.SequenceRecord`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from har_common.dataset import SequenceRecord, SkeletonDataset
from har_common.importers.utd_mhad import ACTIONS as _UTD_ACTIONS

OTHER = "other"
SITTING = "sitting"
SQUATTING = "squatting"
DEFAULT_CLASSES = [
    "boxing",
    "handclapping",
    "handwaving",
    "jogging",
    "running",
    "walking",
    "standing",
    "sitting_down",
    "standing_up",
    "squatting",
    "falling",
    OTHER,
]
# The still postures: `sitting` from UTD-MHAD's seated frames, `lying` from motion capture (a --dataset
# made by `har dataset import mocap`), so they are asked for with --classes (the default model has them).
POSTURE_CLASSES = [SITTING, "lying"]
# UTD-MHAD action name (har_common.importers.utd_mhad.ACTIONS) -> class.
UTD_MAP = {
    "front_boxing": "boxing",
    "two_hand_front_clap": "handclapping",
    "right_hand_wave": "handwaving",
    "jogging_in_place": "jogging",
    "walking_in_place": "walking",
    "sit_to_stand": "standing_up",
    "stand_to_sit": "sitting_down",
    "squat": "squatting",
}
# Every other UTD-MHAD action (swipes, throw, cross arms, basketball shoot, drawing, bowling, baseball,
# tennis, arm curl, push, knock, catch, pick up and throw, lunge) -> the rejection class ``other``.
UTD_OTHER = sorted(set(_UTD_ACTIONS.values()) - set(UTD_MAP))
# LZQ OpenPose label -> class. "operate" (working at something, standing) joins the rejection class, so that
# ``other`` is not a UTD-MHAD-only (Kinect-looking) class: otherwise anything that looks like OpenPose/MediaPipe
# output and is none of the classes lands on an LZQ-only class (falling, running).
LZQ_MAP = {
    "stand": "standing",
    "walk": "walking",
    "run": "running",
    "fall_down": "falling",
    "squat": "squatting",
    "wave": "handwaving",
    "operate": OTHER,
}
LZQ_FILES = ("data_under_scene.csv", "data.csv")
UTD_CLASSES = [c for c in DEFAULT_CLASSES if c in UTD_MAP.values()]  # the target's classes (``other`` not among them)

DATASET_NAMES = {
    "utd_mhad": "UTD-MHAD",
    "lzq_openpose2d": "LZQ OpenPose 2D",
    "utd_mhad_seated": "UTD-MHAD seated, held",
    "utd_mhad_squat_held": "UTD-MHAD squat, held",
    "mocap/bandai_namco": "Bandai Namco mocap",
    "mocap/reactidle": "ReActIdle mocap",
    "mocap/cmu_subset": "CMU mocap",
}


def dataset_of(record: SequenceRecord) -> str:
    """The source data set's key: the first part of the record's ``source`` (``utd_mhad``, ``lzq_openpose2d``, ...)."""
    return record.source.split("/", 1)[0].split("#", 1)[0] or "unknown"


def load_sources(
    utd_dir: str | Path | None = None,
    lzq_dir: str | Path | None = None,
    datasets: Sequence[str | Path] = (),
    classes: Sequence[str] = DEFAULT_CLASSES,
    yaws: Sequence[float] = (),
    utd_views: int = 0,
    seed: int = 0,
    held_squats: bool = False,
) -> list[SequenceRecord]:
    """Read the raw data sets and keep the records whose (mapped) label is in ``classes``. ``yaws``: extra
    viewpoints of the 3D UTD-MHAD trials (degrees), ``utd_views``: as many random virtual cameras per trial
    (drawn with ``seed``); both for training only (:func:`split_records` keeps them there). With ``sitting``
    in ``classes``, UTD-MHAD's seated frames held still make that class (:func:`load_utd_mhad`); with
    ``held_squats``, the lowest frames of its squats held still join ``squatting``."""
    from har_common.importers.openpose_csv import load_openpose_csv
    from har_common.importers.utd_mhad import load_utd_mhad

    wanted = set(classes)
    for flag, folder in (("--utd", utd_dir), ("--lzq", lzq_dir), *(("--dataset", d) for d in datasets)):
        if folder and not Path(folder).is_dir():
            raise FileNotFoundError(
                f"{flag} {folder}: no such folder (relative paths start at the working directory "
                f"{Path.cwd()}; the defaults lie under HAR_SHARED_DIR, ../shared unless set; "
                f"{flag} '' leaves a source out)"
            )
    records: list[SequenceRecord] = []
    if utd_dir:
        utd_map = {k: v for k, v in UTD_MAP.items() if v in wanted}
        if OTHER in wanted:
            utd_map.update({a: OTHER for a in UTD_OTHER})
        records += load_utd_mhad(
            utd_dir,
            label_map=utd_map,
            yaws=tuple(yaws),
            views=utd_views,
            seed=seed,
            sitting_label=SITTING if SITTING in wanted else None,
            squat_label=SQUATTING if held_squats and SQUATTING in wanted else None,
        )
    if lzq_dir:
        files = [Path(lzq_dir) / f for f in LZQ_FILES if (Path(lzq_dir) / f).is_file()]
        if not files:
            raise FileNotFoundError(f"no LZQ CSV files ({', '.join(LZQ_FILES)}) in {lzq_dir}")
        records += load_openpose_csv(files, label_map={k: v for k, v in LZQ_MAP.items() if v in wanted})
    for folder in datasets:
        records += [r for r in SkeletonDataset.load(folder) if r.label in wanted]
    if not records:
        raise ValueError("no training data: give --utd, --lzq or --dataset")
    return records


def class_sources(records: Sequence[SequenceRecord], classes: Sequence[str]) -> dict[str, list[str]]:
    """For the model card: which data set(s) each class comes from, and which source labels."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in records:
        key = dataset_of(r)
        if key == "mocap":  # motion capture: one entry per source collection
            key = "/".join(r.source.split("/", 2)[:2])
        src = r.meta.get("action") or r.meta.get("source_label") or r.meta.get("mocap_text") or r.label
        if r.meta.get("derived") and key.startswith("mocap"):  # UTD-MHAD's held posture has its own source name
            src = f"{src} ({r.meta['derived']})"
        found[r.label].add(f"{DATASET_NAMES.get(key, key)}: {src}")
    return {c: sorted(found.get(c, ())) for c in classes}
