"""Measure how the pose services' keypoints differ from clean ones on real clips, and write the profile the
training augmentation ``--estimator-noise`` reproduces (:mod:`har_common.keypoint_noise`).

Input: two folders of analyses of the same clips (``<clip>.analysis.json``, as ``./har analyze`` and
``./har benchmark videos`` write them), one made by pose-single (MediaPipe), one by pose-multi (YOLO).
Each estimator's jitter, dropout, left/right swaps and scores are measured on its own tracks; their
disagreement on the same frames gives each one's constant displacement and slow wander. ``--clips``
picks the clips (file stems) the profiles are fitted on: the output holds one profile per estimator and
clip (the augmentation draws one per sequence, so people large and small in the frame, still and
moving, are all represented); the table printed pools the clips. ``--report`` adds a second set
measured the same way (e.g. the benchmark's dev clips) for comparison only.

    .venvs/classifier/bin/python services/classifier/tools/pose_noise.py \\
        --mediapipe /tmp/poses/mediapipe --yolo /tmp/poses/yolo \\
        --clips ta_chi,clean_and_jerk,openpose_street_walking,ntu_sample_hugging_2persons \\
        --out services/classifier/har_classifier/pose_noise.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from har_common.keypoint_noise import PAIRS, EstimatorProfile, disagreement, measure
from har_common.layouts import COCO17
from har_common.schemas import VideoAnalysis


def _load(folder: Path, clips: list[str]) -> dict[str, VideoAnalysis]:
    out = {}
    for clip in clips:
        path = folder / f"{clip}.analysis.json"
        if not path.is_file():
            raise FileNotFoundError(f"no analysis {path}")
        out[clip] = VideoAnalysis.model_validate_json(path.read_bytes())
    return out


def profiles(mediapipe: Path, yolo: Path, clips: list[str], threshold: float = 0.3) -> list[EstimatorProfile]:
    """One :class:`EstimatorProfile` per estimator, measured on ``clips`` (file stems in both folders)."""
    mp, yo = _load(mediapipe, clips), _load(yolo, clips)
    out = []
    own = [measure(x.values(), threshold).profile(next(iter(x.values())).models.pose, clips, threshold) for x in (mp, yo)]
    both = np.hypot(own[0].jitter, own[1].jitter)
    for prof, (mine, theirs) in zip(own, ((mp, yo), (yo, mp))):
        d = disagreement(((mine[c], theirs[c]) for c in clips), threshold, jitter=both)
        prof.disagreement = [round(float(v), 4) for v in np.nan_to_num(d.median)]
        prof.offset = [round(float(v), 4) for v in np.nan_to_num(d.offset)]
        prof.wander = [round(float(v), 4) for v in np.nan_to_num(d.wander)]
        prof.wander_s = round(d.wander_s, 3)
        out.append(prof)
    return out


def summary(p: EstimatorProfile) -> str:
    """One line: a profile's figures averaged over the joints (lengths in % of the torso)."""
    mean = lambda v: 100 * float(np.mean(v)) if v else 0.0  # noqa: E731
    return (
        f"{p.estimator} on {', '.join(p.clips)} ({p.person_frames} person-frames): jitter {mean(p.jitter):.1f}, "
        f"wander {mean(p.wander):.1f} (half-life {p.wander_s:.2f} s), offset {mean(p.offset):.1f}, "
        f"distance {mean(p.disagreement):.1f}, dropout {mean(p.dropout):.1f}%, "
        f"swaps {sum(p.swaps_per_min.values()):.1f}/min"
    )


def table(profs: list[EstimatorProfile], title: str) -> str:
    """A Markdown table of the profiles' per-joint figures (percent for shares, torso lengths x 100 for lengths)."""
    head = " | ".join(f"{p.estimator}: jitter, wander, offset, MP-YOLO distance, dropout, gap s, median score" for p in profs)
    lines = [f"{title}", "", f"| joint | {head} |", "|---" * (1 + len(profs)) + "|"]
    for j, name in enumerate(COCO17.joints):
        cells = [
            f"{100 * p.jitter[j]:.1f}, {100 * (p.wander or [0] * 17)[j]:.1f}, {100 * (p.offset or [0] * 17)[j]:.1f}, "
            f"{100 * (p.disagreement or [0] * 17)[j]:.1f}, "
            f"{100 * p.dropout[j]:.1f}%, {p.dropout_run_s[j]:.2f}, {p.score_quantiles[j][2]:.2f}"
            for p in profs
        ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    for p in profs:
        swaps = ", ".join(f"{k} {p.swaps_per_min[k]:.2f}" for k in PAIRS)
        lines.append(
            f"\n{p.estimator}: {p.person_frames} person-frames of {', '.join(p.clips)}; left/right swaps per minute: "
            f"{swaps}; undone after {p.swap_run_s:.2f} s on average; wander half-life {p.wander_s:.2f} s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mediapipe", type=Path, required=True, help="folder of pose-single analyses")
    ap.add_argument("--yolo", type=Path, required=True, help="folder of pose-multi analyses of the same clips")
    ap.add_argument("--clips", required=True, help="comma-separated clip names (file stems) to fit the profile on")
    ap.add_argument("--report", default="", help="comma-separated clips measured for comparison only")
    ap.add_argument("--threshold", type=float, default=0.3, help="mask threshold: a joint scored under it is missing")
    ap.add_argument("--out", type=Path, help="write the profiles here (JSON)")
    args = ap.parse_args(argv)
    clips = [c for c in args.clips.split(",") if c]
    print(table(profiles(args.mediapipe, args.yolo, clips, args.threshold), "Fitted on: " + ", ".join(clips)) + "\n")
    fitted = [p for c in clips for p in profiles(args.mediapipe, args.yolo, [c], args.threshold) if p.person_frames]
    print("\n".join(f"- {summary(p)}" for p in fitted))
    if args.report:
        other = [c for c in args.report.split(",") if c]
        print("\n" + table(profiles(args.mediapipe, args.yolo, other, args.threshold), "For comparison: " + ", ".join(other)))
        print("\n".join(f"- {summary(p)}" for c in other for p in profiles(args.mediapipe, args.yolo, [c], args.threshold)))
    if args.out:
        doc = {
            "about": "Pose-estimator errors measured on real clips by services/classifier/tools/pose_noise.py "
            "(har_common.keypoint_noise); lengths in torso lengths, times in seconds, shares of a person's frames.",
            "profiles": [p.model_dump() for p in fitted],
        }
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
