"""``har batch`` against the single-process video job on the same clips, in one run.

Prints clips per minute and frames per second of: the pose-single service's video job (one job at a
time, as the service runs them: each job poses on the cores its settings give it), then ``har batch``
on a local Ray cluster with 1 and with 2 pose workers, and the ratio of each to the video job. The
batch figures are over the Ray Data stage (actors' start, model loads included: what a user waits
for); the job's over the uploads' wall time. The same settings for both (the service's defaults,
classifier on, no annotated video). Run in the batch-single environment:

    .venvs/batch-single/bin/python benchmarks/batch_bench.py [--clips N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from service_process import VENVS, ServiceProcess, wait_for_job  # noqa: E402

SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
CLIPS = (
    "videos/ta_chi.mp4",
    "videos/clean_and_jerk.mp4",
    "videos/real/kth_style_boxing.avi",
    "videos/real/kth_style_handclapping.avi",
    "videos/real/kth_style_walking.avi",
    "videos/ntu_sample_hugging_2persons.avi",
)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def service_jobs(svc: ServiceProcess, clips: list[Path]) -> tuple[float, int]:
    """Wall seconds and frames of the clips sent one after another as video jobs."""
    frames, t0 = 0, time.perf_counter()
    for clip in clips:
        with open(clip, "rb") as fh:
            r = httpx.post(f"{svc.url}/v1/videos", params={"render": "false"}, files={"file": (clip.name, fh)}, timeout=60)
        r.raise_for_status()
        job = wait_for_job(lambda p: httpx.get(svc.url + p, timeout=10).json(), r.json()["id"], timeout=600, poll=0.2)
        assert job["status"] == "done", job
        frames += job["stats"]["frames"]
    return time.perf_counter() - t0, frames


def batch(folder: Path, workers: int, classifier_url: str) -> tuple[float, int, float]:
    from har_batch.run import BatchOptions, run_batch

    out = Path(tempfile.mkdtemp(prefix="har-batch-bench-"))
    try:
        s = run_batch(BatchOptions(str(folder), str(out), workers=workers, classifier_url=classifier_url), say=lambda m: None)
        assert s["analysed"] == len(list(folder.iterdir())) and not s["failed"], s
        return s["seconds"], s["frames"], s["worker_seconds"] / workers
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=int, default=len(CLIPS), help=f"how many of the {len(CLIPS)} clips")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of (job, 1 worker, 2 workers)")
    args = ap.parse_args()
    clips = [SHARED / "data" / c for c in CLIPS[: args.clips]]
    missing = [c for c in clips if not c.exists()]
    if missing:
        raise SystemExit(f"shared data not found: {missing[0]} (set HAR_SHARED_DIR)")
    import ray

    work = Path(tempfile.mkdtemp(prefix="har-batch-bench-"))
    folder = work / "clips"
    folder.mkdir()
    for c in clips:
        (folder / c.name).symlink_to(c)
    logs = work / "logs"
    logs.mkdir()
    clf = ServiceProcess(VENVS / "classifier/bin/python", "har_classifier.main:app", {}, logs / "classifier.log", port=8130)
    env = {"HAR_POSE_SINGLE_DATA_DIR": str(work / "data"), "HAR_POSE_SINGLE_CLASSIFIER_URL": clf.url}
    svc = ServiceProcess(Path(sys.executable), "har_pose_single.main:app", env, logs / "pose.log", port=8131)
    temp = tempfile.mkdtemp(prefix="ray-batch-")
    ray.init(num_cpus=2, _temp_dir=temp, include_dashboard=False, object_store_memory=256 * 1024 * 1024)
    print(f"{len(clips)} clips; this machine: {os.cpu_count()} CPUs; load average at start {load()}", flush=True)
    try:
        rows = []
        for r in range(args.rounds):
            job_s, job_frames = service_jobs(svc, clips)
            print(f"round {r + 1}: video jobs {job_s:.1f} s ({load()})", flush=True)
            row = {"job": (job_s, job_frames, job_s)}
            for w in (1, 2):
                row[w] = batch(folder, w, clf.url)
                print(f"round {r + 1}: batch, {w} worker(s) {row[w][0]:.1f} s ({load()})", flush=True)
            rows.append(row)
        # "busy": the workers' time on the videos only (per worker), without the cluster's and the
        # models' start, which a long archive pays once
        print(f"\n{'what':<28}{'clips/min':>10}{'frames/s':>10}{'x job':>8}{'busy fps':>10}{'x job':>8}")
        job = sorted(r["job"][0] for r in rows)[len(rows) // 2]
        for key, label in (("job", "video jobs, one at a time"), (1, "har batch, 1 worker"), (2, "har batch, 2 workers")):
            secs = sorted(r[key][0] for r in rows)[len(rows) // 2]
            busy = sorted(r[key][2] for r in rows)[len(rows) // 2]
            frames = rows[0][key][1]
            print(
                f"{label:<28}{60 * len(clips) / secs:>10.2f}{frames / secs:>10.1f}{job / secs:>8.2f}"
                f"{frames / busy:>10.1f}{job / busy:>8.2f}"
            )
        print(f"load average at the end {load()}")
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        svc.stop()
        clf.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
