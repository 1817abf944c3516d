#!/usr/bin/env python
"""Kinetics-400 clip model benchmark: prints figures (not a test).

1. The model alone (ONNX Runtime, 2 threads, as the classifier runs it): seconds per window of 16
   and 32 frames, wall and CPU, and the preparation of the pictures (a 640x480 frame to 224 x 224,
   whole and a person's crop); from them the cost per second of video of the whole-frame mode and
   of the per-person mode (one more window per person), at the services' sampling (16 frames at
   8 fps, a window every ``--hop`` seconds).
2. ``--int8 PATH``: the same for a dynamically quantised copy (``python -m
   har_classifier.kinetics.convert OUT --int8``), and whether it keeps the float model's top 1 on
   every clip of ``../shared/data/videos`` and ``../shared/data/videos/real``.
3. ``--job``: whole video jobs through the real services (the classifier and pose-single, started
   here on free loopback ports): ``ta_chi.mp4`` scaled to 640x480, one person, without and with
   ``kinetics=true``, alternately, ``--rounds`` times, for each window hop of ``--hops``; the job's
   real-time factor (video seconds per second of analysis; >= 1 is real time) and the CPU seconds
   both services spent per second of video, which a busy machine inflates far less than the wall
   time: the cores' seconds over it bound the real-time factor on a quiet machine.

Run: ``.venvs/pose-multi/bin/python benchmarks/kinetics_bench.py [--job] [--rounds 2]`` (or
``har bench kinetics``); needs ``scripts/setup kinetics``. Other processes on the machine share the
CPU: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
MODEL_DIR = Path(os.environ.get("HAR_CACHE") or ROOT / ".cache") / "models" / "kinetics-i3d"
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
CLIPS = {"ta_chi.mp4": "tai chi", "clean_and_jerk.mp4": "clean and jerk"}


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = 2, 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def time_window(sess, frames: int, repeats: int) -> tuple[float, float]:
    """Median wall seconds and mean CPU seconds of one window of ``frames`` frames."""
    x = np.random.default_rng(0).integers(0, 256, (1, frames, 224, 224, 3), dtype=np.uint8)
    sess.run(None, {"frames": x})  # warm-up
    walls, c0 = [], cpu_s()
    for _ in range(repeats):
        t0 = time.perf_counter()
        sess.run(None, {"frames": x})
        walls.append(time.perf_counter() - t0)
    return float(np.median(walls)), (cpu_s() - c0) / repeats


def preparation() -> tuple[float, float]:
    """Milliseconds to turn a 640x480 frame into the whole-frame picture, and into a person's crop."""
    from har_pose_service.scene import square_crop, whole_frame

    rgb = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    out = []
    for fn in (lambda: whole_frame(rgb), lambda: square_crop(rgb, (250, 60, 390, 460))):
        t0 = time.perf_counter()
        for _ in range(200):
            fn()
        out.append((time.perf_counter() - t0) / 200 * 1000)
    return out[0], out[1]


def clip_windows(path: Path) -> np.ndarray:
    import av

    from har_pose_service.scene import whole_frame

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        step = max(1, round(float(s.average_rate) / 8.0))
        pics = [whole_frame(f.to_ndarray(format="rgb24")) for i, f in enumerate(c.decode(s)) if i % step == 0]
    n = len(pics) // 16
    return np.stack(pics[: n * 16]).reshape(n, 16, 224, 224, 3) if n else np.zeros((0, 16, 224, 224, 3), np.uint8)


def top1(sess, windows: np.ndarray, labels: list[str]) -> tuple[str, float]:
    probs = np.mean([sess.run(None, {"frames": windows[i : i + 1]})[0][0] for i in range(len(windows))], axis=0)
    return labels[int(probs.argmax())], float(probs.max())


def model_figures(args) -> None:
    sess = session(MODEL_DIR / "i3d_kinetics400.onnx")
    print(f"== the model alone, ONNX Runtime, 2 threads ({load()})")
    fp, fp_cpu = {}, {}
    for frames in (16, 32):
        wall, cpu = time_window(sess, frames, args.repeats)
        fp[frames], fp_cpu[frames] = wall, cpu
        print(f"  {frames} frames a window: {wall:.3f} s wall (median of {args.repeats}), {cpu:.3f} s CPU")
    whole_ms, crop_ms = preparation()
    print(f"  preparing a 640x480 frame: whole frame {whole_ms:.2f} ms, a person's crop {crop_ms:.2f} ms")
    prep_s = 8.0 * whole_ms / 1000  # 8 pictures a second
    for hop in sorted({args.hop, 1.0, 2.0, 4.0}):
        print(
            f"  cost per second of video, 16 frames at 8 fps, a window every {hop:g} s: whole frame "
            f"{fp[16] / hop + prep_s:.3f} s wall, {fp_cpu[16] / hop + prep_s:.3f} s CPU; as much again for each person"
        )
    print(f"  ({load()})")
    labels = (MODEL_DIR / "kinetics400_label_map.txt").read_text().splitlines()
    clips = {name: clip_windows(SHARED / "data/videos" / name) for name in CLIPS if (SHARED / "data/videos" / name).is_file()}
    for name, windows in clips.items():
        label, p = top1(sess, windows, labels)
        print(f"  {name}: top 1 over {len(windows)} windows: {label} {p:.3f} (expected {CLIPS[name]})")
    if args.int8:
        q = session(Path(args.int8))
        print(f"== int8 dynamic quantisation: {args.int8} ({Path(args.int8).stat().st_size / 1e6:.1f} MB) ({load()})")
        wall, cpu = time_window(q, 16, args.repeats)
        print(f"  16 frames a window: {wall:.3f} s wall, {cpu:.3f} s CPU: {wall / fp[16]:.2f}x the float model's time")
        videos = sorted((SHARED / "data/videos").glob("*.*")) + sorted((SHARED / "data/videos/real").glob("*.*"))
        agree = 0
        for path in [v for v in videos if v.suffix in (".mp4", ".avi")]:
            windows = clip_windows(path)
            if len(windows) == 0:
                continue
            (fl, fp_), (ql, qp) = top1(sess, windows, labels), top1(q, windows, labels)
            agree += fl == ql
            print(f"  {path.name} ({len(windows)} windows): float {fl} {fp_:.3f}, int8 {ql} {qp:.3f}")
        print(f"  the same top 1 on {agree} of the clips ({load()})")


def scaled_copy(src: Path, dst: Path, width: int, height: int) -> None:
    """``src`` re-encoded at ``width`` x ``height`` (the frame rate and length kept)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s = inp.streams.video[0]
        o = out.add_stream("libx264", rate=s.average_rate)
        o.width, o.height, o.pix_fmt = width, height, "yuv420p"
        for f in inp.decode(s):
            for p in o.encode(f.reformat(width=width, height=height, format="yuv420p")):
                out.mux(p)
        for p in o.encode():
            out.mux(p)


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def job_figures(args) -> None:
    import httpx
    from service_process import VENVS, ServiceProcess, wait_for_job

    tmp = Path(tempfile.mkdtemp(prefix="kinetics-bench-"))
    video = tmp / "ta_chi_640x480.mp4"
    scaled_copy(SHARED / "data/videos/ta_chi.mp4", video, 640, 480)
    seconds = 10.01
    clf = ServiceProcess(
        VENVS / "classifier/bin/python",
        "har_classifier.main:app",
        {"HAR_CLASSIFIER_KINETICS_DIR": str(MODEL_DIR), "HAR_CLASSIFIER_MODELS": "tcn_mocap_short"},
        tmp / "classifier.log",
    )
    try:
        for hop in [float(h) for h in args.hops.split(",")]:
            env = {
                "HAR_POSE_SINGLE_DATA_DIR": str(tmp / f"data-{hop:g}"),
                "HAR_POSE_SINGLE_CLASSIFIER_URL": clf.url,
                "HAR_POSE_SINGLE_KINETICS_HOP_S": str(hop),
            }
            pose = ServiceProcess(VENVS / "pose-single/bin/python", "har_pose_single.main:app", env, tmp / f"pose-{hop:g}.log")
            print(
                f"== video jobs, pose-single, ta_chi.mp4 at 640x480 (10 s, 30 fps, one person), annotated video on, "
                f"16 frames at 8 fps a window, a window every {hop:g} s ({load()})"
            )
            try:
                with httpx.Client(base_url=pose.url, timeout=600) as c:
                    for kinetics in ("true", "false"):  # a first job of each warms both services up
                        _job(c, video, kinetics, wait_for_job)
                    rt: dict[str, list[float]] = {"false": [], "true": []}
                    cpu: dict[str, list[tuple[float, float]]] = {"false": [], "true": []}
                    for r in range(args.rounds):
                        for kinetics in ("false", "true"):
                            p0, c0 = proc_cpu_s(pose.proc.pid), proc_cpu_s(clf.proc.pid)
                            job = _job(c, video, kinetics, wait_for_job)
                            p1, c1 = proc_cpu_s(pose.proc.pid), proc_cpu_s(clf.proc.pid)
                            rt[kinetics].append(job["stats"]["realtime_factor"])
                            cpu[kinetics].append(((p1 - p0) / seconds, (c1 - c0) / seconds))
                            print(
                                f"  round {r + 1}, kinetics={kinetics}: {rt[kinetics][-1]:.2f}x real time, CPU per second of "
                                f"video: pose service {cpu[kinetics][-1][0]:.2f} s, classifier {cpu[kinetics][-1][1]:.2f} s, "
                                f"{len(job['scene'])} windows ({load()})"
                            )
                    for k in ("false", "true"):
                        pose_cpu = np.median([x[0] for x in cpu[k]])
                        clf_cpu = np.median([x[1] for x in cpu[k]])
                        cores = os.cpu_count() or 1
                        print(
                            f"  median, kinetics={k}: {np.median(rt[k]):.2f}x real time; CPU per second of video "
                            f"{pose_cpu + clf_cpu:.2f} s (pose {pose_cpu:.2f}, classifier {clf_cpu:.2f}): on {cores} "
                            f"cores at most {cores / (pose_cpu + clf_cpu):.2f}x real time with the machine to itself"
                        )
            finally:
                pose.stop()
    finally:
        clf.stop()


def _job(c, video: Path, kinetics: str, wait_for_job) -> dict:
    r = c.post("/v1/videos", params={"kinetics": kinetics}, files={"file": (video.name, video.read_bytes(), "video/mp4")})
    r.raise_for_status()
    job = wait_for_job(lambda p: c.get(p).json(), r.json()["id"], timeout=900, poll=0.5)
    if job["status"] != "done":
        raise RuntimeError(f"job failed: {job}")
    job["scene"] = c.get(job["result_url"]).json()["scene"]
    return job


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="windows timed per figure")
    ap.add_argument("--hop", type=float, default=2.0, help="seconds between windows (the services' kinetics_hop_s)")
    ap.add_argument("--int8", help="also time this int8 copy of the model")
    ap.add_argument("--job", action="store_true", help="also whole video jobs through the real services")
    ap.add_argument("--rounds", type=int, default=2, help="job rounds (each: one job without, one with the model)")
    ap.add_argument("--hops", default="2,4", help="--job: the window hops to compare, comma-separated seconds")
    args = ap.parse_args()
    if not (MODEL_DIR / "i3d_kinetics400.onnx").is_file():
        print(f"the Kinetics-400 clip model is not set up in {MODEL_DIR}: run scripts/setup kinetics", file=sys.stderr)
        return 1
    model_figures(args)
    if args.job:
        job_figures(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
