"""Benchmark of the single-person pose service (prints figures; not a timed test).

Run from the repository root, in the pose-single environment:

    .venvs/pose-single/bin/python benchmarks/pose_single_bench.py            # starts its own services
    .venvs/pose-single/bin/python benchmarks/pose_single_bench.py --url http://127.0.0.1:8002

It starts the real classifier service (when its environment and shipped model are there) and the
pose service, then measures:

* MediaPipe alone, in this process: ms per 640x480 frame (the floor everything else adds to);
* live, closed loop: one 640x480 JPEG over ``WS /v1/stream`` at a time, the next sent when the
  answer arrives: sustained frames per second and latency per frame (client round trip and the
  server's own ``latency_ms``), actions on;
* live, paced at 30 fps (open loop): frames answered per second, share dropped (newest frame wins),
  latency;
* offline: ``ta_chi.mp4`` (340x256, 30 fps, 10 s) as a video job at frame stride 1, 2 and 3:
  speed as a multiple of real time (analysis, from the job's stats, and the whole job wall time
  including the annotated video).

Other processes on the machine skew every figure: the load average is printed with them.

``--ratios`` measures instead the service against MediaPipe alone on the same frames, path by path
(video job with and without the annotated video, live socket, ``POST /v1/frames``), in alternating
rounds, with the classifier off (:mod:`pipeline_ratios`); ``--memory`` adds the service's memory
over 10 jobs in a row and a 60 s stream.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))


def pct(values, q):
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def frames_640(video: Path, n: int) -> list[np.ndarray]:
    out = []
    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            out.append(cv2.resize(frame.to_ndarray(format="bgr24"), (640, 480), interpolation=cv2.INTER_LINEAR))
            if len(out) >= n:
                break
    return out


def mediapipe_alone(frames: list[np.ndarray]) -> float:
    from har_pose_single.backend import MediaPipeBackend

    with MediaPipeBackend(1).session() as s:
        for i, f in enumerate(frames[:10]):
            s.process(cv2.cvtColor(f, cv2.COLOR_BGR2RGB), i * 33.3)
        t0 = time.perf_counter()
        for i, f in enumerate(frames):
            s.process(cv2.cvtColor(f, cv2.COLOR_BGR2RGB), (i + 10) * 33.3)
        return (time.perf_counter() - t0) / len(frames) * 1000


def live(ws_url: str, jpegs: list[bytes], paced_fps: float | None, seconds: float) -> dict:
    from websockets.sync.client import connect

    rtt, server, sent_at = [], [], {}
    answered = 0
    statuses = set()
    labels = 0
    with connect(ws_url, open_timeout=30, max_size=2**24) as ws:
        # warm-up
        for i in range(10):
            ws.send(i.to_bytes(4, "big") + jpegs[i % len(jpegs)])
            json.loads(ws.recv(timeout=30))
        t_start = time.perf_counter()
        seq = 100
        if paced_fps is None:
            while time.perf_counter() - t_start < seconds:
                sent_at[seq] = time.perf_counter()
                ws.send(seq.to_bytes(4, "big") + jpegs[seq % len(jpegs)])
                msg = json.loads(ws.recv(timeout=30))
                if msg["type"] != "frame":
                    continue
                rtt.append((time.perf_counter() - sent_at.pop(msg["seq"])) * 1000)
                server.append(msg["latency_ms"])
                answered += 1
                statuses.add(msg["classifier"])
                labels += any(p.get("action") and p["action"]["label"] != "uncertain" for p in msg["frame"]["persons"])
                seq += 1
        else:
            period = 1.0 / paced_fps
            next_t = t_start
            n_sent = 0
            while True:
                now = time.perf_counter()
                if now - t_start >= seconds:
                    break
                if now >= next_t:
                    sent_at[seq] = now
                    ws.send(seq.to_bytes(4, "big") + jpegs[seq % len(jpegs)])
                    seq += 1
                    n_sent += 1
                    next_t += period
                try:
                    msg = json.loads(ws.recv(timeout=max(0.0, next_t - time.perf_counter())))
                except TimeoutError:
                    continue
                if msg["type"] != "frame":
                    continue
                rtt.append((time.perf_counter() - sent_at[msg["seq"]]) * 1000)
                server.append(msg["latency_ms"])
                answered += 1
                statuses.add(msg["classifier"])
        elapsed = time.perf_counter() - t_start
    out = {
        "answered": answered,
        "fps": answered / elapsed,
        "rtt_p50_ms": pct(rtt, 50),
        "rtt_p95_ms": pct(rtt, 95),
        "server_p50_ms": pct(server, 50),
        "server_p95_ms": pct(server, 95),
        "classifier": sorted(statuses),
        "frames_with_label": labels,
    }
    if paced_fps is not None:
        out["sent"] = seq - 100
        out["dropped_share"] = 1 - answered / max(1, seq - 100)
    return out


def offline(url: str, video: Path, stride: int) -> dict:
    t0 = time.perf_counter()
    with open(video, "rb") as fh:
        r = httpx.post(f"{url}/v1/videos?stride={stride}", files={"file": (video.name, fh, "video/mp4")}, timeout=120)
    r.raise_for_status()
    job_id = r.json()["id"]
    while True:
        job = httpx.get(f"{url}/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if job["status"] != "done":
        raise RuntimeError(job)
    dur = job["source"]["duration_ms"] / 1000
    return {
        "stride": stride,
        "frames": job["stats"]["frames"],
        "analysis_x_realtime": job["stats"]["realtime_factor"],
        "job_wall_s": round(wall, 2),
        "job_x_realtime": round(dur / wall, 2),
        "classifier": job["stats"]["classifier"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="an already running pose-single service (default: start one)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each live run")
    ap.add_argument("--no-classifier", action="store_true", help="do not start the classifier service")
    ap.add_argument("--only", choices=("live", "offline"), help="run one half only")
    ap.add_argument("--ratios", action="store_true", help="service / MediaPipe alone, path by path (classifier off)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --ratios (0 with --memory: the memory only)")
    ap.add_argument("--memory", action="store_true", help="with --ratios: memory over 10 jobs and a 60 s stream")
    args = ap.parse_args()
    if args.ratios:
        return ratios(args)

    video = SHARED / "data/videos/ta_chi.mp4"
    frames = frames_640(video, 150)
    jpegs = [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in frames]
    print(f"cpu cores: {os.cpu_count()}, load average before: {load()}")
    print(
        f"input: {len(jpegs)} frames of ta_chi.mp4 resized to 640x480, JPEG q85, "
        f"mean {np.mean([len(j) for j in jpegs]) / 1024:.1f} KiB"
    )
    print(f"mediapipe alone (complexity 1, video mode, in process): {mediapipe_alone(frames):.1f} ms/frame")

    services = []
    try:
        url = args.url
        if url is None:
            from tests.service_process import VENVS
            from tests.service_process import ServiceProcess as Service
            from tests.service_process import classifier_missing as classifier_available

            tmp = Path(tempfile.mkdtemp(prefix="pose-bench-"))
            why = "switched off" if args.no_classifier else classifier_available()
            clf = None
            if why is None:
                clf = Service(VENVS / "classifier/bin/python", "har_classifier.main:app", {}, tmp / "classifier.log", 180)
                services.append(clf)
            else:
                print(f"classifier: not started ({why}); actions are 'off'")
            env = {"HAR_POSE_SINGLE_DATA_DIR": str(tmp / "data"), "HAR_POSE_SINGLE_CLASSIFIER_URL": clf.url if clf else ""}
            svc = Service(Path(sys.executable), "har_pose_single.main:app", env, tmp / "pose.log", 120)
            services.append(svc)
            url = svc.url
        ws = url.replace("http", "ws", 1) + "/v1/stream"

        if args.only != "offline":
            run_live(ws, jpegs, args.seconds)
        if args.only != "live":
            run_offline(url, video)
        print(f"load average after: {load()}")
    finally:
        for s in reversed(services):
            s.stop()
    return 0


def ratios(args: argparse.Namespace) -> int:
    from benchmarks import pipeline_ratios as pr
    from har_pose_single.backend import MediaPipeBackend
    from tests.service_process import ServiceProcess

    mp = MediaPipeBackend(1)
    raw = {
        "mediapipe (video mode)": lambda frames: pr.raw_rate(lambda: mp.session(), frames),
        "mediapipe (static)": lambda frames: pr.raw_rate(lambda: mp.session(static=True), frames[::3]),
    }
    tmp = Path(tempfile.mkdtemp(prefix="pose-bench-"))
    env = {"HAR_POSE_SINGLE_DATA_DIR": str(tmp / "data"), "HAR_POSE_SINGLE_CLASSIFIER_URL": ""}
    svc = ServiceProcess(Path(sys.executable), "har_pose_single.main:app", env, tmp / "pose.log", 120)
    try:
        video = SHARED / "data/videos/ta_chi.mp4"
        pr.run_ratios(raw, svc.url, svc.pid, video, args.rounds, 3, {"POST /v1/frames": "mediapipe (static)"})
        if args.memory:
            pr.run_memory(svc.url, svc.pid, video, 10, 60.0)
    finally:
        svc.stop()
    return 0


def run_live(ws: str, jpegs: list[bytes], seconds: float) -> None:
    r = live(ws, jpegs, None, seconds)
    print(
        f"live closed loop ({seconds:.0f} s, actions on): {r['fps']:.1f} fps sustained; "
        f"round trip p50 {r['rtt_p50_ms']:.1f} ms, p95 {r['rtt_p95_ms']:.1f} ms; "
        f"server latency p50 {r['server_p50_ms']:.1f} ms, p95 {r['server_p95_ms']:.1f} ms; "
        f"classifier {r['classifier']}, frames with a label {r['frames_with_label']}/{r['answered']}"
    )
    r = live(ws, jpegs, 30.0, seconds)
    print(
        f"live paced at 30 fps ({seconds:.0f} s): {r['fps']:.1f} fps answered, "
        f"{r['dropped_share']:.0%} of {r['sent']} dropped; "
        f"round trip p50 {r['rtt_p50_ms']:.1f} ms, p95 {r['rtt_p95_ms']:.1f} ms; "
        f"server latency p50 {r['server_p50_ms']:.1f} ms, p95 {r['server_p95_ms']:.1f} ms"
    )


def run_offline(url: str, video: Path) -> None:
    for stride in (1, 2, 3):
        o = offline(url, video, stride)
        print(
            f"offline ta_chi.mp4 stride {stride}: {o['frames']} frames, analysis {o['analysis_x_realtime']:.2f}x real time, "
            f"whole job {o['job_wall_s']:.2f} s = {o['job_x_realtime']:.2f}x real time (annotated video included); "
            f"classifier {o['classifier']}"
        )


if __name__ == "__main__":
    sys.exit(main())
