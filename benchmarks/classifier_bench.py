#!/usr/bin/env python
"""Classifier benchmark: prints figures (not a test).

1. In process, batches of 64 windows: windows/s of the preprocessing (vectorised, and one sequence
   at a time for comparison), of the model alone (each engine), and of the service's whole path
   (preprocessing + the engine model.json names + calibration: what a /v1/classify batch costs).
2. Memory: the resident memory of a process that loads every shipped model for serving, the way the
   service does now (the one engine ``model.json`` names) and the way it did before the engine was
   chosen at export (TensorFlow, TFLite and ONNX loaded for every model and raced, the losers dropped),
   each in a fresh process (``--memory``; also ``--memory-only``).
3. Over HTTP on loopback: starts ``uvicorn har_classifier.main:app`` itself, then p50/p99 latency of
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
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "services/classifier/models"
sys.path.insert(0, str(ROOT))
from tests.samples import STANDING_COCO17  # noqa: E402 - the checkout's root is on the path only now


def fake_sequences(n: int, frames: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array(STANDING_COCO17, np.float32)
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


def _preprocessing(model: str, spec, seqs: list, batch: int) -> None:
    from har_classifier.preprocessing import preprocess, preprocess_batch

    loop = rate(lambda: np.stack([preprocess(kp, fps, spec) for kp, fps in seqs]), batch)
    vec = rate(lambda: preprocess_batch(seqs, spec), batch)
    print(
        f"{model:9s} preprocessing, batches of {batch} (30 fps, {len(seqs[0][0])} frames): "
        f"{vec:8.0f} windows/s batched, {loop:7.0f} windows/s one by one {load()}"
    )


def _engine(model: str, runner, x: np.ndarray, threads: int) -> None:
    model_only = rate(lambda: runner.predict(x), len(x))
    single = rate(lambda: runner.predict(x[:1]), 1)
    print(
        f"{model:9s} {runner.engine:6s} {threads} thread{'s' if threads > 1 else ' '}: batches of {len(x)}: "
        f"{model_only:8.0f} windows/s (model); single window {1000 / single:.2f} ms (model) {load()}"
    )


def in_process(model: str, batch: int) -> None:
    from har_classifier.inference import ModelRunner
    from har_classifier.preprocessing import preprocess_batch

    model_dir = MODELS / model
    runner = ModelRunner(model_dir)  # the engine model.json names: what the service runs
    runner.warm_up()
    seqs = [(s, 30.0) for s in fake_sequences(batch, int(runner.spec.seconds * 30))]  # 30 fps camera windows
    _preprocessing(model, runner.spec, seqs, batch)
    x = preprocess_batch(seqs, runner.spec)
    for engine in ModelRunner.available_engines(model_dir):
        for threads in (1, 2) if engine != "tf" else (2,):
            one = ModelRunner(model_dir, engine=engine, threads=threads)
            one.warm_up()
            _engine(model, one, x, threads)
    full = rate(lambda: runner.classify(seqs), batch)
    single = rate(lambda: runner.classify(seqs[:1]), 1)
    print(
        f"{model:9s} served ({runner.engine}): batches of {batch}: {full:8.0f} windows/s (preprocessing + model + "
        f"calibration); single window {1000 / single:.2f} ms {load()}"
    )


def _rss_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak (MiB), from /proc/self/status."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def memory_child(mode: str, names: list[str]) -> None:
    """Load ``names`` for serving (``new``: as the service does; ``old``: every engine per model, raced), print JSON."""
    import gc

    from har_classifier.engines import TFLiteEngine, available_engines, load_engine
    from har_classifier.inference import ModelRunner

    kept = []
    for name in names:
        runner = ModelRunner(MODELS / name)
        if mode == "old":  # before: TFLite through tf.lite, ONNX and tf.function loaded, warmed up, timed
            import tensorflow as tf

            engines = {
                e: (
                    TFLiteEngine(MODELS / name, runner.spec.length, 2, tf.lite.Interpreter)
                    if e == "tflite"
                    else load_engine(e, MODELS / name, runner.spec.length)
                )
                for e in available_engines(MODELS / name)
            }
            x = np.zeros((64, runner.spec.length, 17, 3), np.float32)
            for engine in engines.values():
                for n in (1, 8, 64):
                    engine(x[:n])
            kept.append(engines[runner.engine])  # the losers dropped (the old warm-up kept the fastest)
            del engines
        else:
            runner.warm_up()
            kept.append(runner)
    gc.collect()
    rss, peak = _rss_mb()
    print(
        json.dumps(
            {
                "mode": mode,
                "models": names,
                "rss_mb": round(rss, 1),
                "peak_mb": round(peak, 1),
                "tensorflow_imported": "tensorflow" in sys.modules,
            }
        )
    )


def memory(names: list[str]) -> None:
    for mode in ("old", "new"):
        out = (
            subprocess.run(
                [sys.executable, __file__, "--memory-child", mode, *sum((["--model", n] for n in names), [])],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        r = json.loads(out)
        what = "every engine per model loaded and raced (before)" if mode == "old" else "the engine model.json names (now)"
        print(
            f"memory {mode}: {len(names)} models, {what}: resident {r['rss_mb']:.0f} MiB, peak {r['peak_mb']:.0f} MiB, "
            f"TensorFlow imported: {r['tensorflow_imported']} {load()}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(model: str, n_requests: int) -> None:
    import httpx

    port = free_port()
    env = {**os.environ, "HAR_CLASSIFIER_MODELS": model, "HAR_CLASSIFIER_DEFAULT_MODEL": model, "HAR_CLASSIFIER_API_KEY": ""}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "har_classifier.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
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
            print(
                f"{model:9s} HTTP  : one window ({length} frames) per request, {n_requests} requests: "
                f"p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms "
                f"(engine {info['engine']}) {load()}"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--model", action="append", help="model folder name under services/classifier/models (repeatable; default: all)"
    )
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--no-http", action="store_true")
    p.add_argument("--no-in-process", action="store_true", help="only the HTTP latency")
    p.add_argument("--memory", action="store_true", help="also the serving process's resident memory, before and now")
    p.add_argument("--memory-only", action="store_true", help="only the resident memory")
    p.add_argument("--memory-child", choices=["old", "new"], help=argparse.SUPPRESS)
    args = p.parse_args()
    names = args.model or sorted(d.parent.name for d in MODELS.glob("*/model.json"))
    if args.memory_child:
        memory_child(args.memory_child, names)
        return 0
    if args.memory_only:
        memory(names)
        return 0
    print(
        f"CPU cores: {os.cpu_count()}, load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
        "(other processes share the CPU; each figure below has the 1-minute load average next to it)"
    )
    for name in names:
        if not args.no_in_process:
            in_process(name, args.batch)
    if args.memory:
        memory(names)
    if not args.no_http:
        for name in names:
            over_http(name, args.requests)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
