"""Keypoint layouts: joint names, left/right pairs and bones of every skeleton the project reads.

The canonical layout is COCO-17, the order YOLO-pose emits. Every other layout is converted into it
(see :mod:`har_common.convert`) before anything crosses a service boundary.

Example:
    >>> from har_common.layouts import COCO17
    >>> COCO17.index("left_wrist")
    9
    >>> len(COCO17)
    17
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Layout:
    """A named, ordered list of joints, with the bones drawn between them."""

    name: str
    joints: tuple[str, ...]
    bones: tuple[tuple[int, int], ...] = ()
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(self.joints)})

    def __len__(self) -> int:
        return len(self.joints)

    def index(self, joint: str) -> int:
        return self._index[joint]

    @property
    def flip_permutation(self) -> tuple[int, ...]:
        """Index map that swaps every ``left_*`` joint with its ``right_*`` twin (others stay)."""
        perm = []
        for name in self.joints:
            if name.startswith("left_"):
                twin = "right_" + name[5:]
            elif name.startswith("right_"):
                twin = "left_" + name[6:]
            else:
                twin = name
            perm.append(self._index.get(twin, self._index[name]))
        return tuple(perm)


# The body joints COCO-17 and MediaPipe's 33 landmarks name alike and list in the same order.
_ARMS = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")
_LEGS = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")

COCO17 = Layout(
    "coco17",
    ("nose", "left_eye", "right_eye", "left_ear", "right_ear", *_ARMS, *_LEGS),
    bones=(
        (0, 1),
        (0, 2),
        (1, 3),
        (2, 4),
        (5, 6),
        (5, 7),
        (7, 9),
        (6, 8),
        (8, 10),
        (5, 11),
        (6, 12),
        (11, 12),
        (11, 13),
        (13, 15),
        (12, 14),
        (14, 16),
    ),
)

MEDIAPIPE33 = Layout(
    "mediapipe33",
    (
        "nose",
        "left_eye_inner",
        "left_eye",
        "left_eye_outer",
        "right_eye_inner",
        "right_eye",
        "right_eye_outer",
        "left_ear",
        "right_ear",
        "mouth_left",
        "mouth_right",
        *_ARMS,
        "left_pinky",
        "right_pinky",
        "left_index",
        "right_index",
        "left_thumb",
        "right_thumb",
        *_LEGS,
        "left_heel",
        "right_heel",
        "left_foot_index",
        "right_foot_index",
    ),
)

# OpenPose's COCO-18 ("BODY_18") order: COCO-17 plus a neck, in OpenPose's own order.
OPENPOSE18 = Layout(
    "openpose18",
    (
        "nose",
        "neck",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "right_hip",
        "right_knee",
        "right_ankle",
        "left_hip",
        "left_knee",
        "left_ankle",
        "right_eye",
        "left_eye",
        "right_ear",
        "left_ear",
    ),
)

# Kinect v1 20-joint skeleton in UTD-MHAD's order (Skeleton_joint_order.txt in the data set).
KINECT20 = Layout(
    "kinect20",
    (
        "head",
        "shoulder_center",
        "spine",
        "hip_center",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_hand",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "left_hip",
        "left_knee",
        "left_ankle",
        "left_foot",
        "right_hip",
        "right_knee",
        "right_ankle",
        "right_foot",
    ),
)

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (COCO17, MEDIAPIPE33, OPENPOSE18, KINECT20)}
