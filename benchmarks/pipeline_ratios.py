"""The service against the pose model under it, on the same frames, in one run (a library for
``pose_single_bench.py --ratios`` and ``pose_multi_bench.py --ratios``; not a benchmark on its own).

The frames: ``ta_chi.mp4`` scaled to 640x480 and encoded once as H.264 (the video job's input); its
decoded RGB frames go to the raw model, and the same frames as JPEG q85 to the live socket and to
``POST /v1/frames``. Each round measures every path once, in turn, and the ratios are taken within
the round (a shared, noisy machine drifts between rounds); the medians over rounds are printed.

Rates are frames per second. A video job's rate is its frames over its whole wall time, upload,
probe and annotated video included; the job is followed as a client would, on one connection
polled every 0.1 s (polling harder only loads the service it measures). Beside each rate, the CPU
time per frame (ms, all threads) of the process doing the work: the benchmark's own for the raw
model, the service's for the other paths; on a shared machine it moves less than the rates do.
Memory: the service's resident set (MiB) 1 s after each job of ``--jobs`` in a row (between jobs)
and every 10 s of a ``--stream-s`` live stream.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import httpx
import numpy as np

W, H = 640, 480


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_video(source: Path, out: Path, fps: float = 30.0) -> list[np.ndarray]:
    """``source`` scaled to 640x480, written as H.264 to ``out``; returns its decoded RGB frames
    (what the job's decoder will see, compression included)."""
    with av.open(str(source)) as c:
        frames = [cv2.resize(f.to_ndarray(format="rgb24"), (W, H)) for f in c.decode(video=0)]
    with av.open(str(out), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "20", "preset": "veryfast"}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    with av.open(str(out)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def jpegs_of(frames: list[np.ndarray]) -> list[bytes]:
    return [cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for f in frames]


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system, all threads) used so far by process ``pid`` (None: this one)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_rate(session_factory: Callable, frames: list[np.ndarray], fps: float = 30.0) -> tuple[float, float]:
    """``session.process`` over ``frames`` in one session (after 5 warm-up frames): frames per second
    and this process's CPU ms per frame."""
    with session_factory() as s:
        for i, f in enumerate(frames[:5]):
            s.process(f, i * 1000.0 / fps)
    with session_factory() as s:
        t0, c0 = time.perf_counter(), cpu_s()
        for i, f in enumerate(frames):
            s.process(f, i * 1000.0 / fps)
        return len(frames) / (time.perf_counter() - t0), (cpu_s() - c0) * 1000.0 / len(frames)


def job(url: str, video: Path, render: bool) -> tuple[float, dict]:
    """A video job from upload to done: (frames per second of wall time, the job)."""
    with httpx.Client(timeout=120) as c:
        t0 = time.perf_counter()
        with open(video, "rb") as fh:
            r = c.post(f"{url}/v1/videos", params={"render": str(render).lower()}, files={"file": (video.name, fh, "video/mp4")})
        r.raise_for_status()
        job_id = r.json()["id"]
        while True:
            j = c.get(f"{url}/v1/jobs/{job_id}").json()
            if j["status"] in ("done", "failed", "cancelled"):
                break
            time.sleep(0.1)
        wall = time.perf_counter() - t0
    if j["status"] != "done":
        raise RuntimeError(j)
    return j["stats"]["frames"] / wall, j


def live_rate(ws_url: str, jpegs: list[bytes], n: int) -> float:
    """Closed loop (the next frame sent when the answer came): answered frames per second."""
    from websockets.sync.client import connect

    with connect(ws_url, open_timeout=30, max_size=2**24) as ws:
        for i in range(5):
            ws.send(i.to_bytes(4, "big") + jpegs[i])
            ws.recv(timeout=30)
        t0 = time.perf_counter()
        for i in range(n):
            ws.send((i + 5).to_bytes(4, "big") + jpegs[i % len(jpegs)])
            msg = json.loads(ws.recv(timeout=30))
            if msg["type"] != "frame":
                raise RuntimeError(msg)
        return n / (time.perf_counter() - t0)


def frames_rate(url: str, jpegs: list[bytes], n: int) -> float:
    """``POST /v1/frames`` one after another (one connection): frames per second."""
    with httpx.Client(timeout=30) as c:
        for j in jpegs[:3]:
            c.post(f"{url}/v1/frames", content=j, headers={"content-type": "image/jpeg"}).raise_for_status()
        t0 = time.perf_counter()
        for i in range(n):
            c.post(f"{url}/v1/frames", content=jpegs[i % len(jpegs)], headers={"content-type": "image/jpeg"}).raise_for_status()
        return n / (time.perf_counter() - t0)


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` (and none of its children), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _served(pid: int, n_frames: Callable[[object], int], fn: Callable[[], tuple[float, object]]) -> tuple[float, float]:
    """``fn()``'s rate and the CPU ms per frame that process ``pid`` spent meanwhile."""
    c0 = cpu_s(pid)
    rate, got = fn()
    return rate, (cpu_s(pid) - c0) * 1000.0 / n_frames(got)


def run_ratios(
    raw: dict[str, Callable[[list[np.ndarray]], tuple[float, float]]],
    url: str,
    pid: int,
    source: Path,
    rounds: int,
    every: int,
    against: dict[str, str],
) -> None:
    """Print every path's rate (and CPU per frame) per round, then the median of each path's rate
    and of its ratio to the raw rate named in ``against`` (path -> raw name; default the first raw
    entry). ``raw`` entries return (fps, CPU ms per frame), as :func:`raw_rate` does; ``pid`` is the
    service's process. The raw model, the job and the live socket see every frame; ``POST /v1/frames``
    every ``every``-th (the raw entry it is held against should too). No rounds: nothing (``--memory``
    alone)."""
    if rounds <= 0:
        return
    tmp = Path(tempfile.mkdtemp(prefix="ratios-"))
    video = tmp / "ta_chi_640x480.mp4"
    frames = make_video(source, video)
    jpegs = jpegs_of(frames)
    ws = url.replace("http", "ws", 1) + "/v1/stream"
    some = jpegs[::every]
    paths: dict[str, Callable[[], tuple[float, float]]] = {
        **{name: (lambda fn=fn: fn(frames)) for name, fn in raw.items()},
        "job, annotated video": lambda: _served(pid, lambda j: j["stats"]["frames"], lambda: job(url, video, True)),
        "job, no video": lambda: _served(pid, lambda j: j["stats"]["frames"], lambda: job(url, video, False)),
        "live socket 640x480": lambda: _served(pid, lambda _: len(jpegs) + 5, lambda: (live_rate(ws, jpegs, len(jpegs)), None)),
        "POST /v1/frames": lambda: _served(pid, lambda _: len(some) + 3, lambda: (frames_rate(url, some, len(some)), None)),
    }
    first = next(iter(raw))
    print(f"{len(frames)} frames 640x480 (ta_chi.mp4 scaled), {os.cpu_count()} CPUs, load average {load()} at start")
    table: dict[str, list[float]] = {k: [] for k in paths}
    cpu: dict[str, list[float]] = {k: [] for k in paths}
    ratios: dict[str, list[float]] = {k: [] for k in paths if k not in raw}
    for r in range(rounds):
        got = {}
        for name, fn in paths.items():
            got[name], ms = fn()
            table[name].append(got[name])
            cpu[name].append(ms)
        for name in ratios:
            ratios[name].append(got[name] / got[against.get(name, first)])
        print(
            f"round {r + 1}: "
            + "; ".join(f"{k} {v:.1f} fps ({cpu[k][-1]:.0f} ms CPU)" for k, v in got.items())
            + f" (load {load()})",
            flush=True,
        )
    print(f"{'path':24} {'median fps':>10} {'CPU ms/frame':>12}  median ratio (within rounds)")
    for name, v in table.items():
        ratio = ratios.get(name)
        tail = f"{statistics.median(ratio):.2f} of {against.get(name, first)}" if ratio else ""
        print(f"{name:24} {statistics.median(v):>10.1f} {statistics.median(cpu[name]):>12.1f}  {tail}")
    print(f"load average {load()} at the end")


def run_memory(url: str, pid: int, source: Path, jobs: int, stream_s: float) -> None:
    """The service's memory over ``jobs`` video jobs in a row, then over a ``stream_s`` live stream."""
    from websockets.sync.client import connect

    tmp = Path(tempfile.mkdtemp(prefix="memory-"))
    video = tmp / "ta_chi_640x480.mp4"
    jpegs = jpegs_of(make_video(source, video))
    marks = [rss_mib(pid)]
    for _ in range(jobs):
        job(url, video, True)
        time.sleep(1.0)  # between jobs: the worker hands the job's memory back once it is done
        marks.append(rss_mib(pid))
    print(f"service RSS over {jobs} jobs (MiB, before and after each): " + " ".join(f"{m:.0f}" for m in marks))
    marks, seq = [rss_mib(pid)], 0
    with connect(url.replace("http", "ws", 1) + "/v1/stream", open_timeout=30, max_size=2**24) as ws:
        t0 = next_mark = time.perf_counter()
        while time.perf_counter() - t0 < stream_s:
            ws.send(seq.to_bytes(4, "big") + jpegs[seq % len(jpegs)])
            ws.recv(timeout=30)
            seq += 1
            if time.perf_counter() >= next_mark + 10:
                next_mark += 10
                marks.append(rss_mib(pid))
    marks.append(rss_mib(pid))
    print(f"service RSS over a {stream_s:.0f} s stream ({seq} frames; MiB every 10 s): " + " ".join(f"{m:.0f}" for m in marks))
