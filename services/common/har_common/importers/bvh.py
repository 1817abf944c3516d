"""World-space joint positions from BVH motion capture, by forward kinematics in ``bvhio`` (extra ``datasets``).

BVH end sites (a limb's tip with no joint of its own, such as the wrist of a skeleton without hands)
are returned as ``<joint>_end``.

Example:
    >>> motion = read_bvh("../shared/data/mocap/cmu_subset/002_01.bvh", ["CC_Base_L_Hand"])  # doctest: +SKIP
    >>> motion.positions.shape, motion.fps                                                    # doctest: +SKIP
    ((T, 1, 3), 30.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

END = "_end"


@dataclass
class Motion:
    """``positions`` float32 ``(T, J, 3)`` in the file's units and axes, joint ``names`` in that order."""

    names: list[str]
    positions: np.ndarray
    fps: float
    source: str = ""

    def joint(self, name: str) -> np.ndarray:
        """``(T, 3)`` positions of one joint. Raises KeyError naming the joints there are."""
        try:
            return self.positions[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"{self.source}: no joint {name!r} (has {', '.join(self.names)})") from None


def joint_names(path: str | Path) -> list[str]:
    """Every joint of a BVH file, in file order, end sites as ``<joint>_end``."""
    import bvhio

    out: list[str] = []

    def walk(j) -> None:
        out.append(j.Name)
        if not j.Children and j.EndSite is not None:
            out.append(j.Name + END)
        for c in j.Children:
            walk(c)

    walk(bvhio.readAsBvh(str(path)).Root)
    return out


def read_bvh(path: str | Path, joints: Iterable[str] | None = None, max_fps: float = 30.0) -> Motion:
    """Read ``joints`` (default: all) of a BVH file as world positions, thinned to at most ``max_fps``.

    Raises:
        FileNotFoundError: no such file.  KeyError: a joint the file lacks.  ValueError: an unreadable file.
    """
    import bvhio

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no BVH file at {path}")
    try:
        bvh = bvhio.readAsBvh(str(path))
        root = bvhio.readAsHierarchy(str(path))
    except Exception as exc:
        raise ValueError(f"{path} is not a readable BVH file ({exc})") from exc
    names = list(joints) if joints is not None else joint_names(path)
    end_offsets = {}

    def walk(j) -> None:
        if j.EndSite is not None:
            end_offsets[j.Name] = np.array(j.EndSite, dtype=float)
        for c in j.Children:
            walk(c)

    walk(bvh.Root)
    nodes, local_tips = [], {}
    root.loadRestPose()
    for name in names:
        base = name.removesuffix(END)
        found = root.filter(base)
        if not found:
            raise KeyError(f"{path.name}: no joint {base!r}")
        node = found[0]
        nodes.append(node)
        if name.endswith(END):
            if base not in end_offsets:
                raise KeyError(f"{path.name}: joint {base!r} has no end site")
            # the rest pose of a BVH has no rotations, so the tip lies at the joint plus its offset;
            # kept in the joint's own space, it then follows the joint's rotation in every frame
            tip = np.array(node.PositionWorld, dtype=float) + end_offsets[base]
            local_tips[len(nodes) - 1] = node.pointToLocal(tuple(tip))
    fps = 1.0 / float(bvh.FrameTime) if bvh.FrameTime else 30.0
    step = max(1, round(fps / max_fps))
    frames = range(0, int(bvh.FrameCount), step)
    out = np.zeros((len(frames), len(names), 3), dtype=np.float32)
    for i, f in enumerate(frames):
        root.loadPose(f)
        for k, node in enumerate(nodes):
            p = node.pointToWorld(local_tips[k]) if k in local_tips else node.PositionWorld
            out[i, k] = (p.x, p.y, p.z)
    return Motion(names, out, fps / step, str(path))
