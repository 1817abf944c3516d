"""Still postures built from real 3D motion where no source records them (training data only).

No data set here records people lying on the floor or sitting still for seconds, or falling in 3D.
All three are built from
real 3D skeletons (metres, +y up, the floor at y = 0) and then seen by the same virtual cameras as
everything else (:mod:`har_common.cameras`):

- :func:`lie_down`: a standing idle motion turned to lie on the floor or a bed (on the back, the front
  or a side), keeping its small real movements (breathing, shifting weight);
- :func:`fall_over`: a stretch of a standing idle motion, then the body toppling to the floor as one
  rigid whole about its feet (faster and faster, as a falling body does), then lying there: the
  ``falling`` class's only 3D source (a crude fall: no knee buckles, no arm thrown out);
- :func:`hold`: a short seated stretch (the first or last frames of UTD-MHAD's sit-to-stand and
  stand-to-sit trials) held for seconds, replayed back and forth so it keeps its real micro-motion.

And motions no capture here records, built the same way (training data only, and cruder than real ones):

- :func:`clap`: a stretch of a standing idle motion with the arms clapping in front of the body (wrist
  targets, the elbows placed by :func:`two_bone` inverse kinematics);
- :func:`sit`: a stretch of it seated on a chair (:func:`seat`: pelvis back and down, knees bent
  forwards, feet kept, upper body leaning a little);
- :func:`sit_down`: standing, lowered onto a chair, seated (``rise=True``: standing up from it).

Example:
    >>> import numpy as np
    >>> person = np.zeros((10, 17, 3), np.float32); person[..., 1] = np.linspace(0.05, 1.6, 17)[::-1]
    >>> person[:, 1::2, 0], person[:, 2::2, 0] = 0.15, -0.15             # left joints at +x, right at -x
    >>> lying = lie_down(person, np.random.default_rng(0))
    >>> bool(np.ptp(lying[..., 1]) < 0.6), bool(lying[..., 1].min() >= 0)   # flat, on or above the floor
    (True, True)
    >>> fall = fall_over(np.repeat(person, 150, axis=0), np.random.default_rng(0), fps=30.0)
    >>> bool(np.ptp(fall[0, :, 1]) > 1.4), bool(np.ptp(fall[-1, :, 1]) < 0.3), bool(fall[..., 1].min() >= 0)
    (True, True, True)
    >>> hold(person[:3], 12).shape
    (12, 17, 3)
    >>> idle = np.repeat(person, 450, axis=0)                            # 15 s at 30 fps
    >>> seated = sit(idle, np.random.default_rng(0), fps=30.0)
    >>> bool(seated[:, 11, 1].max() < 0.75 * person[0, 11, 1])             # the hips down on a chair
    True
    >>> down = sit_down(idle, np.random.default_rng(0), fps=30.0)
    >>> bool(down[-1, 11, 1] < 0.75 * down[0, 11, 1])                      # from standing to seated
    True
"""

from __future__ import annotations

import numpy as np


def _rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    axis = axis / np.linalg.norm(axis)
    return Rotation.from_rotvec(np.radians(degrees) * axis).as_matrix()


def _rotations(axis: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """``(n,)`` angles about one axis -> ``(n, 3, 3)`` rotation matrices."""
    from scipy.spatial.transform import Rotation

    axis = axis / np.linalg.norm(axis)
    return Rotation.from_rotvec(np.radians(degrees)[:, None] * axis).as_matrix()


def lie_down(joints3d: np.ndarray, rng: np.random.Generator, bed_probability: float = 0.3) -> np.ndarray:
    """``(T, 17, 3)`` upright motion -> the same motion lying flat: on the back, the front or either side
    (equally likely), turned to a random heading, on the floor or (``bed_probability``) on a 0.5 m bed."""
    hips = joints3d[:, 11:13].mean(axis=1)
    centre = np.median(hips, axis=0)
    left = np.median(joints3d[:, 11] - joints3d[:, 12], axis=0)
    left[1] = 0.0
    left /= max(np.linalg.norm(left), 1e-9)
    forward = np.cross(left, [0.0, 1.0, 0.0])
    way = rng.integers(4)
    # on the back / front: tip over the left-right axis; on a side: over the front-back axis
    rot = _rotation(left, (90.0, -90.0)[way]) if way < 2 else _rotation(forward, (90.0, -90.0)[way - 2])
    out = (joints3d - centre) @ rot.T
    out = out @ _rotation(np.array([0.0, 1.0, 0.0]), rng.uniform(0.0, 360.0)).T
    out[..., 1] -= out[..., 1].min()
    if rng.random() < bed_probability:
        out[..., 1] += 0.5
    out[..., 0] += centre[0]
    out[..., 2] += centre[2]
    return out.astype(np.float32)


# How long each part of a built fall lasts, in seconds (drawn uniformly): upright before it, the fall itself
# (a body toppling from standing reaches the floor in about 0.6-1 s), and lying after it. Together they are
# at most about a 3.2 s window, so any window cut from a fall shows the fall.
FALL_PHASES_S = {"before": (0.5, 1.2), "fall": (0.5, 1.0), "after": (0.8, 1.4)}


def fall_over(joints3d: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    """``(T, 17, 3)`` upright motion (metres, +y up, the floor at y = 0) at ``fps`` -> ``(n, 17, 3)``: a stretch of
    it upright, then the whole body turning about the midpoint of its feet by an angle growing with the square of
    the time (a toppling body's fall speeds up) until it lies on the floor (80-95 degrees), then lying while the
    motion's small movements go on. Direction forwards, backwards or to either side (equally likely); the
    stretch and the phase lengths (:data:`FALL_PHASES_S`) are drawn from ``rng``.

    Raises:
        ValueError: the motion is shorter than the three phases drawn.
    """
    n_before, n_fall, n_after = (max(1, round(rng.uniform(*FALL_PHASES_S[k]) * fps)) for k in ("before", "fall", "after"))
    n = n_before + n_fall + n_after
    if len(joints3d) < n:
        raise ValueError(f"a fall needs {n} frames of motion, the clip has {len(joints3d)}")
    start = int(rng.integers(0, len(joints3d) - n + 1))
    seg = np.asarray(joints3d[start : start + n], np.float64)
    pivot = seg[n_before, 15:17].mean(axis=0)
    pivot[1] = 0.0
    left = seg[n_before, 11] - seg[n_before, 12]
    left[1] = 0.0
    left /= max(np.linalg.norm(left), 1e-9)
    forward = np.cross(left, [0.0, 1.0, 0.0])
    way = rng.integers(4)
    axis = (left, -left, forward, -forward)[way]
    final = rng.uniform(80.0, 95.0)
    s = np.clip((np.arange(n) - n_before) / n_fall, 0.0, 1.0)
    out = np.einsum("nij,nkj->nki", _rotations(axis, final * s**2), seg - pivot) + pivot
    out[..., 1] -= np.minimum(out[..., 1].min(axis=1, keepdims=True), 0.0)  # nothing under the floor
    return out.astype(np.float32)


def hold(frames: np.ndarray, length: int) -> np.ndarray:
    """``(n, J, 3)`` frames of a still posture -> ``(length, J, 3)``: played forward, then backward, and so on
    (a ping-pong loop keeps the real small movements and never jumps)."""
    n = len(frames)
    if n == 0 or length < 1:
        raise ValueError("hold needs at least one frame and a length >= 1")
    if n == 1:
        return np.repeat(frames, length, axis=0)
    cycle = np.concatenate([np.arange(n), np.arange(n - 2, 0, -1)])
    return frames[cycle[np.arange(length) % len(cycle)]]


def _body_axes(joints3d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 17, 3)`` -> ``(T, 3)`` unit vectors to the body's left and forward (horizontal), from hips and shoulders."""
    left = joints3d[:, 5] - joints3d[:, 6] + joints3d[:, 11] - joints3d[:, 12]
    left[:, 1] = 0.0
    left /= np.maximum(np.linalg.norm(left, axis=-1, keepdims=True), 1e-9)
    return left, np.cross(left, [0.0, 1.0, 0.0])


def two_bone(root: np.ndarray, end: np.ndarray, upper: float, lower: float, pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Analytic two-bone inverse kinematics (a shoulder-elbow-wrist or hip-knee-ankle chain).

    Args:
        root, end: ``(T, 3)`` where the chain starts and where its end should be (metres).
        upper, lower: the two bones' lengths (metres).
        pole: ``(T, 3)`` the direction the middle joint bends towards (any length).
    Returns:
        ``(middle, end)``, each ``(T, 3)``: ``end`` pulled towards ``root`` where it was out of reach.
    """
    d = end - root
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    u = d / np.maximum(dist, 1e-9)
    dist = np.clip(dist, abs(upper - lower) + 1e-3, (upper + lower) * 0.999)
    end = root + u * dist
    along = (upper**2 - lower**2 + dist**2) / (2 * dist)  # law of cosines: the middle joint's foot on root->end
    side = pole - np.sum(pole * u, axis=-1, keepdims=True) * u
    side /= np.maximum(np.linalg.norm(side, axis=-1, keepdims=True), 1e-9)
    return root + along * u + np.sqrt(np.maximum(upper**2 - along**2, 0.0)) * side, end


def _bone(joints3d: np.ndarray, a: int, b: int) -> float:
    return float(np.median(np.linalg.norm(joints3d[:, a] - joints3d[:, b], axis=-1)))


# How much of a standing clip a built clap or seated stretch uses, in seconds (drawn uniformly): several short
# stretches with their own rhythm or seat give more variety than one long one, and keep the class's share sane.
STRETCH_S = (6.0, 15.0)


def _stretch(joints3d: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    n = min(len(joints3d), max(2, round(rng.uniform(*STRETCH_S) * fps)))
    start = int(rng.integers(0, len(joints3d) - n + 1))
    return np.asarray(joints3d[start : start + n], np.float64)


def clap(joints3d: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    """``(T, 17, 3)`` standing motion at ``fps`` -> ``(n, 17, 3)``, a stretch of it (:data:`STRETCH_S`) clapping:
    both wrists meet in front of the body and open again, 1-3 claps a second, opening 0.2-1.1 m (small claps in
    front of the chest to arms thrown wide), between the hips and the shoulders, 0.2-0.45 m in front; the
    elbows placed by :func:`two_bone` with the clip's own arm lengths. The legs, torso and head keep the
    captured motion. A built motion: no capture here records clapping, and real claps vary more (rhythm,
    hands above the head)."""
    j = _stretch(joints3d, rng, fps).copy()
    t = np.arange(len(j)) / fps
    left, forward = _body_axes(j)
    up = np.array([0.0, 1.0, 0.0])
    hips, shoulders = j[:, 11:13].mean(axis=1), j[:, 5:7].mean(axis=1)
    rate, width = rng.uniform(1.0, 3.0), rng.uniform(0.2, 1.1)
    height, reach = rng.uniform(0.3, 0.9), rng.uniform(0.2, 0.45)
    drift = 1.0 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 2 * np.pi))  # claps vary in size
    opening = (0.5 - 0.5 * np.cos(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))) * drift  # 0: the hands meet
    centre = hips + height * (shoulders - hips) + (reach * (1.0 - 0.3 * opening))[:, None] * forward
    half = (0.03 + (width - 0.03) * opening)[:, None] / 2
    for shoulder, elbow, wrist, sign in ((5, 7, 9, 1.0), (6, 8, 10, -1.0)):
        pole = -up + sign * 0.6 * left - 0.3 * forward  # elbows down, out and a little back
        target = centre + sign * half * left
        j[:, elbow], j[:, wrist] = two_bone(j[:, shoulder], target, _bone(j, shoulder, elbow), _bone(j, elbow, wrist), pole)
    return j.astype(np.float32)


def seat(joints3d: np.ndarray, rng: np.random.Generator, depth: np.ndarray) -> np.ndarray:
    """``(T, 17, 3)`` standing motion -> the same motion lowered onto a chair by ``depth`` ``(T,)`` (0: standing as
    captured, 1: seated). The feet stay; the pelvis moves back by 0.6-0.9 thigh lengths and down to a seat that
    puts the hips at 55-72 % of their standing height; the knees come from :func:`two_bone` (bending forwards);
    the upper body keeps its captured motion, leaning forwards 0-15 degrees when seated and 20-40 degrees more
    halfway down or up (people lean over their feet to sit or rise)."""
    j = np.asarray(joints3d, np.float64).copy()
    depth = np.clip(np.asarray(depth, np.float64), 0.0, 1.0)
    left, forward = _body_axes(j)
    pelvis = j[:, 11:13].mean(axis=1)
    thigh, shin = (_bone(j, 11, 13) + _bone(j, 12, 14)) / 2, (_bone(j, 13, 15) + _bone(j, 14, 16)) / 2
    back, seat_height = rng.uniform(0.6, 0.9) * thigh, rng.uniform(0.55, 0.72) * float(np.median(pelvis[:, 1]))
    lean = np.radians(rng.uniform(0.0, 15.0) * depth + rng.uniform(20.0, 40.0) * np.sin(np.pi * depth))
    new_pelvis = pelvis - (back * depth)[:, None] * forward
    new_pelvis[:, 1] = pelvis[:, 1] + depth * (seat_height - pelvis[:, 1])
    from scipy.spatial.transform import Rotation

    upper = list(range(11))  # the upper body: turned about the pelvis by the lean, then moved with it
    rot = Rotation.from_rotvec(lean[:, None] * left).as_matrix()  # (T, 3, 3)
    j[:, upper] = np.einsum("tij,tkj->tki", rot, j[:, upper] - pelvis[:, None]) + new_pelvis[:, None]
    j[:, 11:13] += (new_pelvis - pelvis)[:, None]
    for hip, knee, ankle in ((11, 13, 15), (12, 14, 16)):
        j[:, knee], j[:, ankle] = two_bone(j[:, hip], j[:, ankle], thigh, shin, forward + 0.2 * np.array([0.0, 1.0, 0.0]))
    return j.astype(np.float32)


# How long each part of a built sitting down or standing up lasts, in seconds (drawn uniformly): still before it,
# the movement, still after it. Short still parts: a 1.6 s window cut from it shows mostly the movement.
TRANSITION_PHASES_S = {"before": (0.2, 0.5), "move": (1.0, 1.8), "after": (0.2, 0.5)}


def sit_down(joints3d: np.ndarray, rng: np.random.Generator, fps: float, rise: bool = False) -> np.ndarray:
    """``(T, 17, 3)`` standing motion at ``fps`` -> ``(n, 17, 3)``: a stretch of it standing, then lowered onto a
    chair (:func:`seat`, eased in and out), then seated; ``rise``: the same played as standing up. Phases from
    :data:`TRANSITION_PHASES_S`.

    Raises:
        ValueError: the motion is shorter than the phases drawn.
    """
    n_before, n_move, n_after = (max(1, round(rng.uniform(*TRANSITION_PHASES_S[k]) * fps)) for k in ("before", "move", "after"))
    n = n_before + n_move + n_after
    if len(joints3d) < n:
        raise ValueError(f"a transition needs {n} frames of motion, the clip has {len(joints3d)}")
    start = int(rng.integers(0, len(joints3d) - n + 1))
    s = np.clip((np.arange(n) - n_before) / n_move, 0.0, 1.0)
    depth = s * s * (3 - 2 * s)  # smoothstep: starts and ends at rest
    return seat(joints3d[start : start + n], rng, depth[::-1] if rise else depth)


def sit(joints3d: np.ndarray, rng: np.random.Generator, fps: float) -> np.ndarray:
    """``(T, 17, 3)`` standing motion at ``fps`` -> ``(n, 17, 3)``, a stretch of it (:data:`STRETCH_S`) seated on a
    chair throughout (:func:`seat` at depth 1)."""
    j = _stretch(joints3d, rng, fps)
    return seat(j, rng, np.ones(len(j)))
