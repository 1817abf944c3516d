"""Multi-person tracking benchmark: MOTA, IDF1 and id switches (motmetrics) of the pose-multi
service's detector + tracker on real clips with hand-checked ground truth.

    .venvs/pose-multi/bin/python benchmarks/tracking_bench.py      (or: ./har bench tracking)

The clips are read from ../shared (HAR_SHARED_DIR), the ground truth from
``services/pose-multi/tracking_gt/`` (MOTChallenge ``gt.txt`` rows; its README says how it was made).
Each clip goes frame by frame through ``YoloPoseSession.process`` with the timestamp ``i / fps``,
so the settings are the service's own (``HAR_POSE_MULTI_*`` environment variables change them).
A person the service returns without a track id (not confirmed yet) is not a hypothesis.

A ground-truth box and a hypothesis match when their IoU is at least 0.5 (the MOTChallenge rule).
Printed per clip and over all: MOTA, IDF1, ID switches (IDs), fragmentations (Frag), false
positives (FP), misses (FN), and ``ids/person``: the distinct track ids given to each person.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import av
import motmetrics as mm
import numpy as np
import supervision as sv

from har_pose_multi.backend import YoloPoseBackend
from har_pose_multi.settings import YoloSettings

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
GT_DIR = ROOT / "services" / "pose-multi" / "tracking_gt"
# ground-truth file -> clip under ../shared
CLIPS = {
    "crossing.txt": "cases/crossing.mp4",
    "exercise.txt": "data/videos/real/exercise.avi",
    "apple_dance_2p.txt": "data/videos/real/apple_dance_2p.mp4",
}
METRICS = ["mota", "idf1", "num_switches", "num_fragmentations", "num_false_positives", "num_misses"]
NAMES = {"mota": "MOTA", "idf1": "IDF1", "num_switches": "IDs", "num_fragmentations": "Frag"}
NAMES |= {"num_false_positives": "FP", "num_misses": "FN"}


def load_gt(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{frame index from 0: (ids (N,), xyxy boxes (N, 4))} from MOTChallenge rows (frames from 1)."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    out = {}
    for t in np.unique(rows[:, 0]).astype(int):
        r = rows[rows[:, 0] == t]
        out[t - 1] = (r[:, 1].astype(int), np.c_[r[:, 2:4], r[:, 2:4] + r[:, 4:6]])
    return out


def run_service(path: Path, backend: YoloPoseBackend) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per frame: (track ids (M,), xyxy boxes (M, 4)) of the people the session gave an id."""
    out = []
    with av.open(str(path)) as container, backend.session() as session:
        fps = float(container.streams.video[0].average_rate or 30)
        for i, frame in enumerate(container.decode(video=0)):
            people = [p for p in session.process(frame.to_ndarray(format="rgb24"), i * 1000.0 / fps) if p.track_id is not None]
            out.append((np.array([p.track_id for p in people], int), np.array([p.bbox for p in people], float).reshape(-1, 4)))
    return out


def accumulate(gt: dict[int, tuple[np.ndarray, np.ndarray]], hyp: list[tuple[np.ndarray, np.ndarray]]) -> mm.MOTAccumulator:
    """motmetrics' accumulator; distance 1 - IoU, no match below IoU 0.5. (motmetrics' own
    ``iou_matrix`` calls ``np.asfarray``, gone in numpy 2: supervision computes the IoU here.)"""
    acc = mm.MOTAccumulator(auto_id=True)
    for t in range(max(len(hyp), max(gt) + 1)):
        g_ids, g_boxes = gt.get(t, (np.zeros(0, int), np.zeros((0, 4))))
        h_ids, h_boxes = hyp[t] if t < len(hyp) else (np.zeros(0, int), np.zeros((0, 4)))
        iou = sv.box_iou_batch(g_boxes, h_boxes) if len(g_boxes) and len(h_boxes) else np.zeros((len(g_boxes), len(h_boxes)))
        acc.update(g_ids, h_ids, np.where(iou >= 0.5, 1 - iou, np.nan))
    return acc


def ids_per_person(acc: mm.MOTAccumulator) -> dict[int, int]:
    """Distinct hypothesis ids matched to each ground-truth person."""
    ev = acc.mot_events
    matched = ev[ev.Type.isin(["MATCH", "SWITCH"])]
    return {int(o): int(g.HId.nunique()) for o, g in matched.groupby("OId")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.parse_args()
    backend = YoloPoseBackend(YoloSettings())
    s = backend.settings
    print(f"tracker: lost {s.track_lost_seconds} s, min frames {s.track_min_frames}")
    accs, names = [], []
    for gt_name, clip in CLIPS.items():
        path = SHARED / clip
        if not path.is_file():
            print(f"{clip} not found under {SHARED} (set HAR_SHARED_DIR)", file=sys.stderr)
            return 2
        acc = accumulate(load_gt(GT_DIR / gt_name), run_service(path, backend))
        accs.append(acc)
        names.append(clip)
        print(f"{clip}: ids/person {ids_per_person(acc)}", flush=True)
    mh = mm.metrics.create()
    table = mh.compute_many(accs, metrics=METRICS, names=names, generate_overall=True)
    print(mm.io.render_summary(table, formatters=mh.formatters, namemap=NAMES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
