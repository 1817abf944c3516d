"""Draft tracking ground truth from YOLO11-pose detections, linked offline with hindsight.

    .venvs/pose-multi/bin/python services/pose-multi/tools/tracking_gt_draft.py CLIP_PATH PEOPLE OUT.txt

The draft is only a start: ``tracking_gt/README.md`` lists the clips, the people in each and the
corrections made by hand after looking at the frames. Linking (not the service's tracker, and
unlike it, told how many people there are):

* every detection scoring >= 0.1 (the service keeps >= 0.25), one box per person: of two boxes
  overlapping by IoU > 0.5 or one lying >= 80 % inside the other, the lower-scoring one goes;
* ``PEOPLE`` people, numbered 1.. in left-to-right order of the first frame; in each frame they are
  matched to the boxes (Hungarian) by the distance between the box centre and the centre of their
  last box, divided by its height (no motion model: a jittery box width ruins a velocity); a
  distance over 0.5 leaves them unmatched (not visible in that frame), and boxes left over are
  not people (duplicates, false alarms).

Output: MOTChallenge ``gt.txt`` rows ``frame,id,bb_left,bb_top,bb_width,bb_height,1,1,1`` (frames
from 1, pixels of the decoded frame).
"""

from __future__ import annotations

import sys

import av
import numpy as np
from scipy.optimize import linear_sum_assignment

from har_pose_multi.backend import YoloPoseBackend
from har_pose_multi.settings import YoloSettings

MIN_SCORE = 0.1
MAX_DIST = 0.5  # centre distance over person height


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """IoU and the share of the smaller box inside the other, for two xyxy boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area = [(x[2] - x[0]) * (x[3] - x[1]) for x in (a, b)]
    return inter / (sum(area) - inter), inter / min(area)


def one_box_per_person(boxes: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Boxes (N, 4) xyxy after dropping the lower-scoring of each duplicate pair."""
    keep: list[int] = []
    for i in np.argsort(-scores):
        overlaps = [_overlap(boxes[i], boxes[k]) for k in keep]
        if not any(iou > 0.5 or inside >= 0.8 for iou, inside in overlaps):
            keep.append(int(i))
    return boxes[sorted(keep)]


def link(frames: list[np.ndarray], people: int) -> list[dict[int, np.ndarray]]:
    """Per frame, {person id (from 1): xyxy box} from per-frame boxes (N, 4)."""
    first = frames[0][np.argsort(frames[0][:, 0])][:people]
    assert len(first) == people, f"the first frame shows {len(first)} people, not {people}"
    history = {p + 1: [(0, first[p])] for p in range(people)}  # id: [(frame, box)]
    out = [{p: h[0][1] for p, h in history.items()}]
    for t, boxes in enumerate(frames[1:], start=1):
        ids = list(history)
        pred = np.array([history[p][-1][1] for p in ids])
        cost = np.full((len(ids), len(boxes)), 1e6)
        for i, b in enumerate(pred):
            for j, d in enumerate(boxes):
                centre = np.hypot((b[0] + b[2] - d[0] - d[2]) / 2, (b[1] + b[3] - d[1] - d[3]) / 2)
                cost[i, j] = centre / (b[3] - b[1])
        found = {}
        for i, j in zip(*linear_sum_assignment(cost)) if len(boxes) else []:
            if cost[i, j] <= MAX_DIST:
                found[ids[i]] = boxes[j]
                history[ids[i]].append((t, boxes[j]))
        out.append(found)
    return out


def main(path: str, people: int, out_path: str) -> None:
    model = YoloPoseBackend(YoloSettings(conf=MIN_SCORE)).model
    frames = []
    with av.open(path) as c:
        for f in c.decode(video=0):
            tensor, lb = model.prepare(f.to_ndarray(format="rgb24"))
            poses = model.decode(model.run(tensor), lb)
            frames.append(one_box_per_person(poses.boxes, poses.scores))
    rows = []
    for t, found in enumerate(link(frames, people), start=1):
        for p, (x1, y1, x2, y2) in sorted(found.items()):
            rows.append(f"{t},{p},{x1:.1f},{y1:.1f},{x2 - x1:.1f},{y2 - y1:.1f},1,1,1")
    with open(out_path, "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
