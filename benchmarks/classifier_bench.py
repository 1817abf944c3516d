#!/usr/bin/env python
"""Classifier benchmark: prints figures (not a test).

1. In process, batches of 64 windows: windows/s of the preprocessing (vectorised, and one sequence
   at a time for comparison), of the model alone (each engine), and of the service's whole path
   (preprocessing + the auto-chosen engines + calibration: what a /v1/classify batch costs).
2. Over HTTP on loopback: starts ``uvicorn har_classifier.main:app`` itself, then p50/p99 latency of
   ``POST /v1/classify`` with one window, bounded loops.

Run: ``.venvs/classifier/bin/python benchmarks/classifier_bench.py [--model stgcn] [--requests 500]``
(or ``har bench classifier``). Other processes on the machine share the CPU: run it on a quiet
machine for figures to quote, and note the load average it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "services/classifier/models"


def fake_sequences(n: int, frames: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array([[320, 100], [326, 94], [314, 94], [334, 98], [306, 98], [350, 150], [290, 150], [360, 210], [280, 210],
                     [365, 260], [275, 260], [335, 270], [305, 270], [337, 350], [303, 350], [338, 430], [302, 430]], np.float32)
    out = []
    for _ in range(n):
        xy = base[None] + rng.normal(0, 4, (frames, 17, 2)).astype(np.float32)
        out.append(np.concatenate([xy, np.full((frames, 17, 1), 0.9, np.float32)], -1))
    return out


def rate(fn, n_items: int, seconds: float = 3.0, max_loops: int = 500) -> float:
    fn()
    loops, t0 = 0, time.perf_counter()
    while loops < max_loops and time.perf_counter() - t0 < seconds:
        fn()
        loops += 1
    return loops * n_items / (time.perf_counter() - t0)


def load() -> str:
    """The 1-minute load average, printed next to every figure (other processes share the CPU)."""
    return f"[load {os.getloadavg()[0]:.1f}]"


def in_process(model: str, batch: int) -> None:
    from har_classifier import data as D
    from har_classifier.inference import ModelRunner

    model_dir = MODELS / model
    seqs = None
    for engine, threads in [(e, t) for e in ModelRunner.available_engines(model_dir) for t in ((1, 2) if e != "tf" else (2,))]:
        runner = ModelRunner(model_dir, engine=engine, threads=threads)
        runner.warm_up()
        if seqs is None:
            seqs = [(s, 30.0) for s in fake_sequences(batch, int(runner.spec.seconds * 30))]  # 30 fps camera windows
            x = D.preprocess_batch(seqs, runner.spec)
            loop = rate(lambda: np.stack([D.preprocess(kp, fps, runner.spec) for kp, fps in seqs]), batch)
            vec = rate(lambda: D.preprocess_batch(seqs, runner.spec), batch)
            print(f"{model:9s} preprocessing, batches of {batch} (30 fps, {len(seqs[0][0])} frames): "
                  f"{vec:8.0f} windows/s vectorised, {loop:7.0f} windows/s one by one {load()}")
        model_only = rate(lambda: runner.predict(x), batch)
        single = rate(lambda: runner.predict(x[:1]), 1)
        print(f"{model:9s} {engine:6s} {threads} thread{'s' if threads > 1 else ' '}: batches of {batch}: {model_only:8.0f} windows/s (model); "
              f"single window {1000 / single:.2f} ms (model) {load()}")
    runner = ModelRunner(model_dir)  # auto: what the service runs
    runner.warm_up()
    full = rate(lambda: runner.classify(seqs), batch)
    single = rate(lambda: runner.classify(seqs[:1]), 1)
    print(f"{model:9s} auto   : batches of {batch}: {full:8.0f} windows/s (preprocessing + model + calibration); "
          f"single window {1000 / single:.2f} ms; engine {runner.engine_description()} {load()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(model: str, n_requests: int) -> None:
    import httpx

    port = free_port()
    env = {**os.environ, "HAR_CLASSIFIER_MODELS": model, "HAR_CLASSIFIER_DEFAULT_MODEL": model, "HAR_CLASSIFIER_API_KEY": ""}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "har_classifier.main:app", "--host", "127.0.0.1",
                               "--port", str(port), "--no-access-log", "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as client:
            deadline = time.time() + 120
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not become ready")
                time.sleep(0.2)
            info = client.get("/v1/models").json()["models"][0]
            length, fps = info["window"]["length"], info["window"]["fps"]
            seq = fake_sequences(1, length)[0]
            # The body is encoded once: the figure is the service's latency, not the client's JSON encoding.
            body = json.dumps({"sequences": [{"fps": fps, "keypoints": np.round(seq, 2).tolist()}]}).encode()
            headers = {"content-type": "application/json"}
            for _ in range(20):
                client.post("/v1/classify", content=body, headers=headers).raise_for_status()
            times = []
            for _ in range(n_requests):
                t = time.perf_counter()
                r = client.post("/v1/classify", content=body, headers=headers)
                times.append(time.perf_counter() - t)
                r.raise_for_status()
            ms = np.array(times) * 1000
            print(f"{model:9s} HTTP  : one window ({length} frames) per request, {n_requests} requests: "
                  f"p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms "
                  f"(engine {info['engine']}) {load()}")
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", action="append", help="model folder name under services/classifier/models (repeatable; default: all)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--no-http", action="store_true")
    p.add_argument("--no-in-process", action="store_true", help="only the HTTP latency")
    args = p.parse_args()
    names = args.model or sorted(d.parent.name for d in MODELS.glob("*/model.json"))
    print(f"CPU cores: {os.cpu_count()}, load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
          "(other processes share the CPU; each figure below has the 1-minute load average next to it)")
    for name in names:
        if not args.no_in_process:
            in_process(name, args.batch)
    if not args.no_http:
        for name in names:
            over_http(name, args.requests)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
