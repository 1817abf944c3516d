"""UTD-MHAD skeletons: ``a{A}_s{S}_t{T}_skeleton.mat`` files, key ``d_skel``, ``[20, 3, T]`` metres.

The Kinect skeletons are projected to 2D pixels and mapped to COCO-17 by
:func:`har_common.convert.from_kinect20`. The subject (``s1`` .. ``s8``) is kept for cross-subject
splits. Because the source is 3D, each trial can also be seen from other viewpoints (``yaws``: the
subject turned about the vertical axis before the projection, :func:`har_common.convert.turn_kinect`);
those extra records carry ``meta["yaw"]`` and a ``#yaw=`` source suffix.

Example:
    >>> records = load_utd_mhad("../shared/data/skeletons/utd_mhad")        # doctest: +SKIP
    >>> len(records), records[0].label                                      # doctest: +SKIP
    (861, 'right_arm_swipe_left')
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..convert import from_kinect20, turn_kinect
from ..dataset import SequenceRecord

FPS = 30.0
FILE_PATTERN = re.compile(r"^a(\d+)_s(\d+)_t(\d+)_skeleton\.mat$")

# The 27 actions in the data set's own order (Chen, Jafari, Kehtarnavaz, ICIP 2015).
ACTIONS = {
    1: "right_arm_swipe_left",
    2: "right_arm_swipe_right",
    3: "right_hand_wave",
    4: "two_hand_front_clap",
    5: "right_arm_throw",
    6: "cross_arms_in_chest",
    7: "basketball_shoot",
    8: "right_hand_draw_x",
    9: "right_hand_draw_circle_cw",
    10: "right_hand_draw_circle_ccw",
    11: "draw_triangle",
    12: "bowling",
    13: "front_boxing",
    14: "baseball_swing",
    15: "tennis_forehand",
    16: "arm_curl",
    17: "tennis_serve",
    18: "two_hand_push",
    19: "knock_on_door",
    20: "catch_object",
    21: "pick_up_and_throw",
    22: "jogging_in_place",
    23: "walking_in_place",
    24: "sit_to_stand",
    25: "stand_to_sit",
    26: "forward_lunge",
    27: "squat",
}


SEATED_FRAMES = 10  # the seated stretch at the start of sit-to-stand and the end of stand-to-sit (0.33 s)
SQUAT_BOTTOM_M = 0.03  # a held squat: frames whose hips are at most this much above the lowest
HELD_SECONDS = 4.0  # how long a held seated posture lasts (longer than the classifier's window)


def _virtual_views(label: str, xyz: np.ndarray, views: int, rng, base: dict, subject: str, source: str) -> list:
    """``views`` records of one Kinect trial seen by random virtual cameras (meta ``view``: train side only)."""
    from ..cameras import virtual_views
    from ..layouts import KINECT20
    from .mocap import BODY, to_coco17_3d, upright

    if views <= 0 or not (np.isfinite(xyz).all() and (xyz[..., 2] > 1e-6).all()):
        return []  # an untracked joint would bend the turned skeleton: camera's view only
    body = to_coco17_3d(upright(xyz[:, [KINECT20.index(j) for j in BODY]]), head_drop_m=0.07)
    return virtual_views(label, body, rng, views, subject=subject, source=source, fps=FPS, meta=base)


def load_utd_mhad(
    folder: str | Path,
    label_map: dict[str, str] | None = None,
    yaws: tuple[float, ...] = (),
    views: int = 0,
    seed: int = 0,
    sitting_label: str | None = None,
    squat_label: str | None = None,
) -> list[SequenceRecord]:
    """Read every skeleton file of a UTD-MHAD folder, sorted by action, subject and trial.

    ``label_map`` renames source labels (``ACTIONS`` names or ``a3`` style ids) to class names;
    when given, actions it does not name are left out. ``yaws``: extra viewpoints in degrees; each
    trial then also comes as one record per angle, right after the camera's own view. ``views``: as
    many more seen by random virtual cameras (:func:`har_common.cameras.random_camera`; ``meta["view"]``).
    ``sitting_label``: also a still seated posture per sit-to-stand and stand-to-sit trial, its seated
    frames held for :data:`HELD_SECONDS` (:func:`har_common.postures.hold`; ``meta["derived"]``), in the
    camera's view and the virtual ones.
    ``squat_label``: also a held squat per squat trial, its lowest frames held the same way.
    """
    from scipy.io import loadmat  # the one scipy use in the package: kept out of the core's imports

    records = []
    rng = np.random.default_rng(seed)
    for (action, subject, trial), path in _trial_files(folder):
        name = ACTIONS.get(action, f"a{action}")
        label = name
        if label_map is not None:
            label = label_map.get(name, label_map.get(f"a{action}"))
            held = (sitting_label and name in ("sit_to_stand", "stand_to_sit")) or (squat_label and name == "squat")
            if label is None and not held:
                continue
        skel = loadmat(path)["d_skel"]
        if skel.ndim != 3 or skel.shape[:2] != (20, 3):
            raise ValueError(f"{path.name}: d_skel has shape {skel.shape}, expected (20, 3, T)")
        xyz = np.transpose(skel, (2, 0, 1))
        meta, subject_id, source = {"action": name, "trial": trial}, f"s{subject}", f"utd_mhad/{path.name}"
        if label is not None:
            records.append(SequenceRecord(label, from_kinect20(xyz), subject=subject_id, source=source, fps=FPS, meta=meta))
            records += _turned(label, xyz, yaws, subject_id, source, meta)
            records += _virtual_views(label, xyz, views, rng, meta, subject_id, source)
        if sitting_label and name in ("sit_to_stand", "stand_to_sit"):
            records += _held_seated(sitting_label, name, xyz, views, rng, meta, subject_id, path.name)
        if squat_label and name == "squat":
            records += _held_squat(squat_label, xyz, views, rng, meta, subject_id, path.name)
    return records


def _trial_files(folder: str | Path) -> list[tuple[tuple[int, int, int], Path]]:
    """``((action, subject, trial), path)`` of every skeleton file, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"UTD-MHAD folder not found: {folder}")
    found = [(tuple(int(g) for g in m.groups()), p) for p in folder.iterdir() if (m := FILE_PATTERN.match(p.name))]
    if not found:
        raise FileNotFoundError(f"no a*_s*_t*_skeleton.mat files in {folder}")
    return sorted(found)


def _turned(label: str, xyz: np.ndarray, yaws, subject: str, source: str, meta: dict) -> list[SequenceRecord]:
    """The trial turned by each of ``yaws`` degrees about the vertical axis (0 skipped)."""
    return [
        SequenceRecord(
            label,
            from_kinect20(turn_kinect(xyz, yaw)),
            subject=subject,
            source=f"{source}#yaw={yaw:g}",
            fps=FPS,
            meta={**meta, "yaw": float(yaw)},
        )
        for yaw in yaws
        if yaw
    ]


def _held_seated(label: str, name: str, xyz: np.ndarray, views: int, rng, meta: dict, subject: str, file: str) -> list:
    """The seated frames of a sit-to-stand or stand-to-sit trial held still for :data:`HELD_SECONDS`,
    in the camera's view and the virtual ones."""
    seated = xyz[:SEATED_FRAMES] if name == "sit_to_stand" else xyz[-SEATED_FRAMES:]
    return _held(label, seated, f"seated frames of {name}", f"utd_mhad_seated/{file}", views, rng, meta, subject)


def _held_squat(label: str, xyz: np.ndarray, views: int, rng, meta: dict, subject: str, file: str) -> list:
    """The bottom of a squat trial (the frames around the one with the hip centre nearest the feet, Kinect's y
    up, while it stays within :data:`SQUAT_BOTTOM_M` of that) held still for :data:`HELD_SECONDS`, in the
    camera's view and the virtual ones: a person holding a squat."""
    from ..layouts import KINECT20

    hip, feet = KINECT20.index("hip_center"), [KINECT20.index("left_ankle"), KINECT20.index("right_ankle")]
    height = xyz[:, hip, 1] - xyz[:, feet, 1].mean(axis=1)
    low = int(np.argmin(height))
    a, b = low, low + 1
    while a > 0 and b - a < SEATED_FRAMES and height[a - 1] <= height[low] + SQUAT_BOTTOM_M:
        a -= 1
    while b < len(xyz) and b - a < SEATED_FRAMES and height[b] <= height[low] + SQUAT_BOTTOM_M:
        b += 1
    return _held(label, xyz[a:b], "lowest frames of squat", f"utd_mhad_squat_held/{file}", views, rng, meta, subject)


def _held(label: str, frames: np.ndarray, what: str, source: str, views: int, rng, meta: dict, subject: str) -> list:
    """``frames`` held still for :data:`HELD_SECONDS` (:func:`har_common.postures.hold`), in the camera's view and
    ``views`` virtual ones; ``meta["derived"]`` says what was held."""
    from ..postures import hold

    held = hold(frames, int(HELD_SECONDS * FPS))
    meta = {**meta, "derived": f"{what} held {HELD_SECONDS:g} s"}
    return [
        SequenceRecord(label, from_kinect20(held), subject=subject, source=source, fps=FPS, meta=meta),
        *_virtual_views(label, held, views, rng, meta, subject, source),
    ]
