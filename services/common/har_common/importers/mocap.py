"""3D motion capture (BVH) as labelled COCO-17 sequences seen by random virtual cameras (extra ``datasets``).

Three skeletons are known, each by one mapping table from its joint names to the project's 3D body
joints (:data:`SKELETONS`); the face points COCO-17 wants (nose, eyes, ears) are placed from the head
joint and the direction the body faces, since no capture has them. Each clip is then turned upright
(the up axis is found from the data: head above ankles), scaled to a 1.5 m head-to-ankle height, and
seen through :func:`har_common.cameras.random_camera` views: every view is one
:class:`~har_common.dataset.SequenceRecord` in pixels of that camera's image, joints outside it missing.

Labels come from a small rule file (:func:`load_label_rules`): per source, the first regular expression
that matches the clip's text (Bandai Namco: its content, such as ``walk-turn-left``; ReActIdle:
``idle``; CMU: the index's motion description) gives the class; clips no rule matches are skipped.
Rules with a ``posture`` add records built from the clip, ``count`` of them a clip (:data:`POSTURES`,
all in :mod:`har_common.postures`: ``lie_down`` turns a standing idle clip to lie on the floor or a bed;
``fall_over`` topples a stretch of it to the floor; ``clap`` gives its arms clapping; ``sit`` seats it
on a chair; ``sit_down`` and ``stand_up`` lower a stretch of it onto a chair or raise it from one).
Every record is marked ``train_only``: synthetic views train, they never score a model.

Example:
    >>> rules = {"rules": [{"source": "cmu_subset", "match": "^walk$", "label": "walking"}]}
    >>> records = load_mocap("../shared/data/mocap", rules, views=2, seed=0)     # doctest: +SKIP
    >>> records[0].label, records[0].keypoints.shape[1:], records[0].meta["train_only"]  # doctest: +SKIP
    ('walking', (17, 3), True)
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import postures as built
from ..cameras import virtual_views
from ..dataset import SequenceRecord
from ..layouts import COCO17
from .bvh import read_bvh

# The project's 3D body joints: COCO-17 without the face, plus the head the face is placed from.
BODY = ("head", *COCO17.joints[5:])

# One table per skeleton: body joint -> BVH joint (``_end``: that joint's end site). A BVH joint's
# position is where it starts, so the upper arm gives the shoulder, the forearm the elbow, and so on.
SKELETONS: dict[str, dict[str, str]] = {
    "bandai_namco": {
        "head": "Head",
        "left_shoulder": "UpperArm_L",
        "right_shoulder": "UpperArm_R",
        "left_elbow": "LowerArm_L",
        "right_elbow": "LowerArm_R",
        "left_wrist": "Hand_L",
        "right_wrist": "Hand_R",
        "left_hip": "UpperLeg_L",
        "right_hip": "UpperLeg_R",
        "left_knee": "LowerLeg_L",
        "right_knee": "LowerLeg_R",
        "left_ankle": "Foot_L",
        "right_ankle": "Foot_R",
    },
    "reactidle": {  # Blender names; no hands: the wrist is the forearm's end site
        "head": "face",
        "left_shoulder": "upper_arm.L",
        "right_shoulder": "upper_arm.R",
        "left_elbow": "forearm.L",
        "right_elbow": "forearm.R",
        "left_wrist": "forearm.L_end",
        "right_wrist": "forearm.R_end",
        "left_hip": "thigh.L",
        "right_hip": "thigh.R",
        "left_knee": "shin.L",
        "right_knee": "shin.R",
        "left_ankle": "foot.L",
        "right_ankle": "foot.R",
    },
    "cmu_iclone": {  # iClone Character Creator names of the CMU conversion
        "head": "CC_Base_Head",
        "left_shoulder": "CC_Base_L_Upperarm",
        "right_shoulder": "CC_Base_R_Upperarm",
        "left_elbow": "CC_Base_L_Forearm",
        "right_elbow": "CC_Base_R_Forearm",
        "left_wrist": "CC_Base_L_Hand",
        "right_wrist": "CC_Base_R_Hand",
        "left_hip": "CC_Base_L_Thigh",
        "right_hip": "CC_Base_R_Thigh",
        "left_knee": "CC_Base_L_Calf",
        "right_knee": "CC_Base_R_Calf",
        "left_ankle": "CC_Base_L_Foot",
        "right_ankle": "CC_Base_R_Foot",
    },
}
# The folder each source lives in under ../shared/data/mocap, and its skeleton.
SOURCES = {"bandai_namco": "bandai_namco", "reactidle": "reactidle", "cmu_subset": "cmu_iclone"}

# Motions built from a clip that a rule's ``posture`` may ask for: name -> f(joints3d, rng, fps), each from
# har_common.postures; a ValueError means the clip is too short for it.
POSTURES = {
    "lie_down": lambda j, rng, fps: built.lie_down(j, rng),
    "fall_over": built.fall_over,
    "clap": built.clap,
    "sit": built.sit,
    "sit_down": built.sit_down,
    "stand_up": lambda j, rng, fps: built.sit_down(j, rng, fps, rise=True),
}
HEIGHT_M = 1.5  # head joint to the ankles' midpoint of an upright adult
# Face points from the head joint, in metres at that height: (forward, up, sideways to the left).
FACE = {
    "nose": (0.10, 0.06, 0.0),
    "left_eye": (0.085, 0.09, 0.032),
    "right_eye": (0.085, 0.09, -0.032),
    "left_ear": (0.0, 0.07, 0.075),
    "right_ear": (0.0, 0.07, -0.075),
}


def skeleton_of(names: list[str] | set[str]) -> str:
    """The :data:`SKELETONS` key whose joints a file has. Raises ValueError when none fits."""
    have = set(names)
    for key, table in SKELETONS.items():
        if all(v in have for v in table.values()):
            return key
    raise ValueError("an unknown skeleton (joints: " + ", ".join(sorted(have)[:12]) + ", ...)")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def upright(body: np.ndarray) -> np.ndarray:
    """``(T, 13, 3)`` body joints (:data:`BODY` order) turned so +y is up, scaled to :data:`HEIGHT_M`,
    the ankles' lowest point on y = 0. Up is the median direction from the ankles' midpoint to the head."""
    from scipy.spatial.transform import Rotation

    head, ankles = body[:, 0], body[:, -2:].mean(axis=1)
    up = _unit(np.median(_unit(head - ankles), axis=0))
    rot, _ = Rotation.align_vectors([[0.0, 1.0, 0.0]], [up])
    out = rot.apply(body.reshape(-1, 3)).reshape(body.shape)
    # the 90th percentile: upright frames set the scale even in clips that sit or bend
    height = np.percentile(np.linalg.norm(out[:, 0] - out[:, -2:].mean(axis=1), axis=-1), 90)
    out *= HEIGHT_M / max(height, 1e-6)
    out[..., 1] -= out[:, -2:, 1].min()
    return out.astype(np.float32)


def to_coco17_3d(body: np.ndarray, head_drop_m: float = 0.0) -> np.ndarray:
    """Upright ``(T, 13, 3)`` body joints -> ``(T, 17, 3)`` COCO-17 joints in metres, the face placed from
    the head: forward is perpendicular to the shoulders and up, towards where the chest faces.
    ``head_drop_m``: how far the face sits lower than :data:`FACE` assumes, for a head joint at the
    head's centre (Kinect, 0.07) rather than at the skull's base (the motion capture skeletons)."""
    up = np.array([0.0, 1.0, 0.0])
    left = body[:, BODY.index("left_shoulder")] - body[:, BODY.index("right_shoulder")]
    left = left + body[:, BODY.index("left_hip")] - body[:, BODY.index("right_hip")]
    left[:, 1] = 0.0
    left = _unit(left)
    forward = _unit(np.cross(left, up))
    out = np.zeros((len(body), len(COCO17), 3), dtype=np.float32)
    for i, name in enumerate(COCO17.joints):
        if name in FACE:
            f, u, s = FACE[name]
            out[:, i] = body[:, 0] + f * forward + (u - head_drop_m) * up + s * left
        else:
            out[:, i] = body[:, BODY.index(name)]
    return out


def load_label_rules(path: str | Path) -> dict:
    """Read a label rule file: ``{"rules": [{"source", "match" (regex, case-insensitive), "label"}]}``."""
    rules = json.loads(Path(path).read_text())
    for r in rules.get("rules", []):
        if not {"source", "match", "label"} <= set(r):
            raise ValueError(f"{path}: a rule needs source, match and label: {r}")
        if r.get("posture") and r["posture"] not in POSTURES:
            raise ValueError(f"{path}: unknown posture {r['posture']!r} (known: {', '.join(POSTURES)})")
        if not isinstance(r.get("count", 1), int) or r.get("count", 1) < 1:
            raise ValueError(f"{path}: a rule's count must be a whole number >= 1: {r}")
        re.compile(r["match"])
    return rules


def label_for(rules: Mapping, source: str, text: str) -> str | None:
    """The first matching rule's label (rules with a ``posture`` aside), or None."""
    for r in rules.get("rules", []):
        if r["source"] == source and not r.get("posture") and re.search(r["match"], text, re.IGNORECASE):
            return r["label"]
    return None


def postures_for(rules: Mapping, source: str, text: str) -> list[tuple[str, str]]:
    """``(label, posture)`` of every matching rule with a ``posture`` (:data:`POSTURES`), once per ``count``
    (default 1): extra records built from the clip, such as ``lying`` from a standing idle clip turned to lie
    down."""
    return [
        (r["label"], r["posture"])
        for r in rules.get("rules", [])
        for _ in range(r.get("count", 1))
        if r["source"] == source and r.get("posture") and re.search(r["match"], text, re.IGNORECASE)
    ]


@dataclass
class Clip:
    path: Path
    source: str  # SOURCES key
    text: str  # what the label rules read
    subject: str


def find_clips(root: str | Path) -> list[Clip]:
    """Every BVH clip under ``root`` (``../shared/data/mocap``) with its source, text and subject."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no motion capture folder at {root}")
    clips: list[Clip] = []
    index: dict[tuple[int, int], str] = {}
    cmu_csv = root / "cmu_subset" / "cmu_index.csv"
    if cmu_csv.is_file():
        with cmu_csv.open(newline="") as fh:
            for row in csv.DictReader(fh):
                index[(int(row["Subject"]), int(row["Trial #"]))] = row["Motion Description"].strip()
    for path in sorted(root.rglob("*.bvh")):
        source = path.relative_to(root).parts[0]
        if source not in SOURCES:
            continue
        stem = path.stem
        if source == "bandai_namco":  # dataset-N_{content}_{style}_{id}
            parts = stem.split("_")
            text, subject = parts[1], f"bandai-{parts[2]}"
        elif source == "reactidle":  # NNN_{acted|genuine}: NNN is the person
            text, subject = "idle", f"reactidle-{stem.split('_')[0]}"
        else:  # SSS_TT: CMU subject and trial
            s, t = (int(x) for x in stem.split("_")[:2])
            text, subject = index.get((s, t), ""), f"cmu-{s:03d}"
        clips.append(Clip(path, source, text, subject))
    return clips


def load_mocap(
    root: str | Path, rules: Mapping | str | Path, views: int = 4, seed: int = 0, fps: float = 30.0, log=None
) -> list[SequenceRecord]:
    """Every labelled clip under ``root``, each seen by ``views`` random cameras (deterministic for a ``seed``).

    Raises:
        FileNotFoundError: no such folder.  ValueError: a bad rule file.
    """
    log = log or sys.stderr
    if not isinstance(rules, Mapping):
        rules = load_label_rules(rules)
    if views < 1:
        raise ValueError("views must be >= 1")
    rng = np.random.default_rng(seed)
    records: list[SequenceRecord] = []
    skipped: list[str] = []
    short: list[str] = []  # clips too short for a built posture
    for clip in find_clips(root):
        label = label_for(rules, clip.source, clip.text)
        derived = postures_for(rules, clip.source, clip.text)
        if label is None and not derived:
            skipped.append(f"{clip.path.name} ({clip.text!r})")
            continue
        table = SKELETONS[SOURCES[clip.source]]
        motion = read_bvh(clip.path, [table[j] for j in BODY], max_fps=fps)
        if len(motion.positions) < 2:
            continue
        joints3d = to_coco17_3d(upright(motion.positions))
        rel = clip.path.relative_to(Path(root)).as_posix()
        versions = [(label, joints3d, "", None)] if label is not None else []  # (label, joints, tag, posture)
        for i, (lab, posture) in enumerate(derived):
            tag = f"&{posture}" + (f"-{i}" if i else "")
            try:
                versions.append((lab, POSTURES[posture](joints3d, rng, motion.fps), tag, posture))
            except ValueError as e:
                short.append(f"{clip.path.name} ({e})")
        for lab, points, tag, posture in versions:
            meta = {"train_only": True, "mocap_text": clip.text, **({"derived": posture} if posture else {})}
            records += virtual_views(
                lab, points, rng, views, subject=clip.subject, source=f"mocap/{rel}", fps=round(motion.fps, 3), meta=meta, tag=tag
            )
    if skipped:
        print(
            f"mocap: {len(skipped)} clip(s) match no label rule and were skipped: {', '.join(skipped[:8])}"
            + (" ..." if len(skipped) > 8 else ""),
            file=log,
        )
    if short:
        print(f"mocap: {len(short)} built posture(s) left out: {', '.join(short[:4])}", file=log)
    return records
