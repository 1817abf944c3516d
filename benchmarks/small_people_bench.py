"""Small people: people found per frame and frames/s with and without the setting that finds them.

    .venvs/pose-multi/bin/python benchmarks/small_people_bench.py     # max_imgsz 640 vs 1280
    .venvs/pose-single/bin/python benchmarks/small_people_bench.py    # search_tile 0 vs 640

Runs whichever service's back end this environment has, over real clips from ../shared (or
HAR_SHARED_DIR): pose-multi on the 1280x720 street clip (people 40-150 px tall) and room_fall.mp4;
pose-single on cases/small_in_1080p.mp4 (a person 230 px tall in 1920x1080) and room_fall.mp4,
squat_hold.mp4 (where everyone is large: the setting should cost little). One video session per
clip and setting, frames in order, as a video job runs them. The machine's load average is printed:
above the CPU count, other work shared the CPUs and the frames/s are lower bounds.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))


def frames_of(path: Path) -> tuple[list, float]:
    cap = cv2.VideoCapture(str(path))
    fps, out = cap.get(cv2.CAP_PROP_FPS) or 30.0, []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if not out:
        sys.exit(f"{path} not found or unreadable (set HAR_SHARED_DIR)")
    return out, fps


def run(backend, frames: list, fps: float) -> tuple[float, float]:
    """(people per frame, frames/s) through one video session."""
    found, t0 = 0, time.perf_counter()
    with backend.session() as s:
        for i, f in enumerate(frames):
            found += len(s.process(f, i * 1000 / fps))
    return found / len(frames), len(frames) / (time.perf_counter() - t0)


def backends():
    """(setting name, [(value, backend)], clips) for this environment's service."""
    try:
        from har_pose_multi.backend import YoloPoseBackend
        from har_pose_multi.settings import YoloSettings

        make = [(v, YoloPoseBackend(YoloSettings(max_imgsz=v))) for v in (640, 1280)]
        return "max_imgsz", make, ["data/videos/openpose_street_walking.avi", "data/videos/real/room_fall.mp4"]
    except ImportError:
        from har_pose_single.backend import MediaPipeBackend

        make = [(v, MediaPipeBackend(1, search_tile=v)) for v in (0, 640)]
        clips = ["cases/small_in_1080p.mp4", "data/videos/real/room_fall.mp4", "data/videos/real/squat_hold.mp4"]
        return "search_tile", make, clips


def main() -> None:
    name, made, clips = backends()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'clip':32} {'size':>9} {name:>11} {'people/frame':>12} {'frames/s':>8}")
    for clip in clips:
        frames, fps = frames_of(SHARED / clip)
        size = f"{frames[0].shape[1]}x{frames[0].shape[0]}"
        for value, backend in made:
            per_frame, speed = run(backend, frames, fps)
            print(f"{Path(clip).name:32} {size:>9} {value:>11} {per_frame:>12.2f} {speed:>8.1f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
