"""Multi-person pose benchmark: frames per second and latency at 640x480, 1 and 5 people, CPU.

    .venvs/pose-multi/bin/python benchmarks/pose_multi_bench.py [--frames 150] [--provider cpu]

Frames are composed from a real photo, ../shared/data/photos/bus.jpg: "1 person" is its man on
the right in a 640x480 frame; "5 people" puts its two people on the left, the man on the right and
the two again mirrored side by side (the "found" column says how many YOLO found). A clip is made by
panning a few pixels per frame, so consecutive frames differ the way video does and the tracker has
real work.

Printed per scene:
* ``sequential``: ``session.process`` frame after frame (what one live socket does): fps and
  p50/p95 latency per frame (letterbox + model + decode + NMS + ByteTrack).
* ``model only``: onnxruntime's run alone, for comparison.
* ``cpu/frame``: process CPU seconds per frame. The machine is shared with other work (other
  agents, CI jobs); wall-clock fps drops with them, CPU seconds per frame much less, so both are
  printed with the load average at the start and the end.

Actions (the classifier) are not included: that is a separate service over HTTP, called off the
frame path by the shared pipeline. No GPU figures here unless ``--provider cuda`` runs on a GPU.

``--ratios`` measures instead the service against the raw model (letterbox + run + NMS, no tracker)
on the same frames, path by path, in alternating rounds (:mod:`pipeline_ratios`); ``--memory`` adds
the service's memory over 10 jobs in a row and a 60 s stream.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from har_pose_multi.backend import YoloPoseBackend
from har_pose_multi.settings import YoloSettings

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
W, H = 640, 480


def _rgb(name: str) -> np.ndarray:
    bgr = cv2.imread(str(SHARED / "data" / "photos" / name))
    if bgr is None:
        sys.exit(f"{name} not found under {SHARED}/data/photos (set HAR_SHARED_DIR)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _fit(img: np.ndarray, w: int, h: int) -> np.ndarray:
    r = min(w / img.shape[1], h / img.shape[0])
    small = cv2.resize(img, (round(img.shape[1] * r), round(img.shape[0] * r)), interpolation=cv2.INTER_AREA)
    out = np.full((h, w, 3), 114, np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def scenes() -> dict[str, np.ndarray]:
    """640x480 frames holding 1 and 5 people, cut from bus.jpg (its people are 400-500 px tall)."""
    bus = _rgb("bus.jpg")
    pair = bus[380:930, 60:350]  # two people (left and middle)
    single = bus[380:930, 650:810]  # the man on the right
    one = _fit(single, W, H)
    five = _fit(np.concatenate([pair, single, pair[:, ::-1]], axis=1), W, H)
    return {"1 person": one, "5 people": five}


def clip(canvas: np.ndarray, n: int) -> list[np.ndarray]:
    pad = 40
    wide = cv2.copyMakeBorder(canvas, 0, 0, pad, pad, cv2.BORDER_REFLECT)
    frames = []
    for i in range(n):
        x = int(pad + pad * np.sin(i / 15.0))  # pan back and forth, up to 40 px
        window = wide[:, x : x + canvas.shape[1]]
        frames.append(np.ascontiguousarray(cv2.resize(window, (W, H)) if window.shape[1] != W else window))
    return frames


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def bench(backend: YoloPoseBackend, frames: list[np.ndarray]) -> dict:
    fps_in = 30.0
    out: dict = {}
    with backend.session() as s:  # warm-up (and the people count)
        for i, f in enumerate(frames[:5]):
            people = len(s.process(f, i * 1000 / fps_in))
    out["people"] = people

    lat = []
    c0, t0 = cpu_s(), time.perf_counter()
    with backend.session() as s:
        for i, f in enumerate(frames):
            a = time.perf_counter()
            s.process(f, i * 1000 / fps_in)
            lat.append((time.perf_counter() - a) * 1000)
    wall = time.perf_counter() - t0
    out["seq_fps"] = len(frames) / wall
    out["p50"], out["p95"] = statistics.median(lat), float(np.percentile(lat, 95))
    out["seq_cpu_ms"] = (cpu_s() - c0) / len(frames) * 1000

    model = backend.model
    tensor, _ = model.prepare(frames[0])
    t0 = time.perf_counter()
    k = max(10, len(frames) // 3)
    for _ in range(k):
        model.run(tensor)
    out["model_ms"] = (time.perf_counter() - t0) / k * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--provider", default=None, help="cpu, cuda or auto (default: HAR_POSE_MULTI_PROVIDER or cpu)")
    ap.add_argument("--model", default=None, help="yolo11n-pose (default) or another exported size")
    ap.add_argument("--ratios", action="store_true", help="service / raw model, path by path (classifier off)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --ratios (0 with --memory: the memory only)")
    ap.add_argument("--memory", action="store_true", help="with --ratios: memory over 10 jobs and a 60 s stream")
    args = ap.parse_args()
    if args.ratios:
        return ratios(args)
    kw = {k: v for k, v in {"provider": args.provider, "model": args.model}.items() if v}
    backend = YoloPoseBackend(YoloSettings(**kw))
    load0 = os.getloadavg()
    print(
        f"model {backend.name} ({Path(backend.model.path).name}), providers {backend.model.providers}, "
        f"input 640x480 -> {backend.model.prepare(np.zeros((H, W, 3), np.uint8))[0].shape[2:]}, "
        f"{os.cpu_count()} CPUs, load average {load0[0]:.2f} at start"
    )
    print(f"{'scene':10} {'found':>5} {'seq fps':>8} {'p50 ms':>7} {'p95 ms':>7} {'cpu ms/f':>8} {'model ms':>8}")
    for name, canvas in scenes().items():
        r = bench(backend, clip(canvas, args.frames))
        print(
            f"{name:10} {r['people']:>5} {r['seq_fps']:>8.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
            f"{r['seq_cpu_ms']:>8.1f} {r['model_ms']:>8.1f}"
        )
    load1 = os.getloadavg()
    print(
        f"load average {load1[0]:.2f} at the end (>{os.cpu_count()} means other work shared the CPUs: "
        f"wall-clock figures are then lower bounds)"
    )
    backend.close()


class _RawModel:
    """The model without the tracker, as a session: letterbox, run, decode with NMS."""

    def __init__(self, model):
        self.model = model

    def process(self, image: np.ndarray, timestamp_ms: float):
        return self.model.predict(image)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def ratios(args: argparse.Namespace) -> None:
    import tempfile

    sys.path.insert(0, str(ROOT))
    from benchmarks import pipeline_ratios as pr
    from tests.service_process import ServiceProcess

    backend = YoloPoseBackend(YoloSettings())
    raw = {"yolo (letterbox+run+nms)": lambda frames: pr.raw_rate(lambda: _RawModel(backend.model), frames)}
    tmp = Path(tempfile.mkdtemp(prefix="pose-bench-"))
    env = {"HAR_POSE_MULTI_DATA_DIR": str(tmp / "data"), "HAR_POSE_MULTI_CLASSIFIER_URL": ""}
    svc = ServiceProcess(Path(sys.executable), "har_pose_multi.main:app", env, tmp / "pose.log", 120)
    try:
        video = SHARED / "data/videos/ta_chi.mp4"
        pr.run_ratios(raw, svc.url, svc.pid, video, args.rounds, 1, {})
        if args.memory:
            pr.run_memory(svc.url, svc.pid, video, 10, 60.0)
    finally:
        svc.stop()
        backend.close()


if __name__ == "__main__":
    main()
