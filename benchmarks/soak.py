"""Soak test of the live stream: N WebSocket clients at F fps each for D seconds on loopback.

Starts the service itself (from its own environment, on a free 127.0.0.1 port, with the real
classifier behind it when one is available) or measures one already running (``--url`` and
``--pid``). Frames are real: JPEGs of shared/data/videos/ta_chi.mp4, sent on a timer whatever the
answers (like a camera), so the server's newest-frame-wins policy drops what it cannot keep up with.

Prints, per service: answered frames and their p50/p95/p99 latency (client side: send to answer;
and the server's own ``latency_ms``), the dropped-frame share (frames sent but never answered),
process memory (VmRSS from /proc/<pid>/status) after warm-up and at the end, open file
descriptors (/proc/<pid>/fd) over the run, and whether the process survived. Exit status 1 when
the process died, memory grew 5 % or more after warm-up, or the descriptors kept growing.

    .venvs/reliability/bin/python benchmarks/soak.py                 # both services, 60 s each
    .venvs/reliability/bin/python benchmarks/soak.py --service pose-single --clients 8 --fps 15 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENVS = Path(os.environ.get("HAR_VENVS", ROOT / ".venvs"))
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
APPS = {
    "classifier": "har_classifier.main:app",
    "pose-single": "har_pose_single.main:app",
    "pose-multi": "har_pose_multi.main:app",
}
DEFAULT_CLIENTS = {"pose-single": 8, "pose-multi": 2}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def start(kind: str, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    python = VENVS / kind / "bin/python"
    if not python.exists():
        sys.exit(f"no {kind} environment: run scripts/setup {kind}")
    proc = subprocess.Popen(
        [str(python), "-m", "uvicorn", APPS[kind], "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    t0 = time.time()
    while time.time() - t0 < 180:
        if proc.poll() is not None:
            sys.exit(f"{kind} exited at start-up; see {log}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    sys.exit(f"{kind} not ready after 180 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def jpegs(n: int, width: int | None) -> list[bytes]:
    sys.path.insert(0, str(ROOT))
    from tests.samples import jpeg_frames

    try:
        return jpeg_frames(SHARED / "data" / "videos" / "ta_chi.mp4", n, width)
    except FileNotFoundError as exc:
        sys.exit(str(exc))


class Client:
    def __init__(self, ident: int, url: str, frames: list[bytes], fps: float, until: float, warm_until: float):
        self.ident, self.url, self.frames, self.fps = ident, url, frames, fps
        self.until, self.warm_until = until, warm_until
        self.sent: dict[int, float] = {}
        self.latencies: list[float] = []  # client side, s, after warm-up
        self.server_ms: list[float] = []
        self.answered = 0
        self.counted_sent = 0  # sent after warm-up
        self.counted_answered = 0
        self.errors: list[str] = []
        self.classifier: dict[str, int] = {}
        self.server_dropped = 0

    async def run(self) -> None:
        import websockets

        try:
            async with websockets.connect(self.url, max_size=2**24, open_timeout=20) as ws:
                receiver = asyncio.create_task(self._receive(ws))
                period = 1.0 / self.fps
                nxt = time.perf_counter() + (self.ident * period / 8)  # spread the clients' phases
                seq = 0
                while time.time() < self.until:
                    now = time.perf_counter()
                    if nxt > now:
                        await asyncio.sleep(nxt - now)
                    nxt += period
                    self.sent[seq] = time.perf_counter()
                    if time.time() >= self.warm_until:
                        self.counted_sent += 1
                    await ws.send(seq.to_bytes(4, "big") + self.frames[(seq + self.ident * 37) % len(self.frames)])
                    seq += 1
                await asyncio.sleep(1.0)  # the last answers
                receiver.cancel()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"{type(exc).__name__}: {exc}")

    async def _receive(self, ws) -> None:
        async for text in ws:
            msg = json.loads(text)
            if msg.get("type") != "frame":
                self.errors.append(str(msg))
                continue
            t_sent = self.sent.pop(msg["seq"], None)
            self.answered += 1
            self.server_dropped = msg.get("dropped", 0)
            self.classifier[msg.get("classifier")] = self.classifier.get(msg.get("classifier"), 0) + 1
            if t_sent is not None and time.time() >= self.warm_until:
                self.latencies.append(time.perf_counter() - t_sent)
                self.server_ms.append(msg.get("latency_ms", 0.0))
                self.counted_answered += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def soak(
    url: str, pid: int, clients: int, fps: float, duration: float, warmup: float, frames: list[bytes], path: str
) -> dict:
    t0 = time.time()
    warm_until, until = t0 + warmup, t0 + warmup + duration
    ws_url = url.replace("http://", "ws://") + path
    cs = [Client(i, ws_url, frames, fps, until, warm_until) for i in range(clients)]
    samples: list[tuple[float, int, int]] = []

    async def sample():
        while time.time() < until + 1.0:
            if not alive(pid):
                return
            samples.append((time.time() - t0, rss_kib(pid), open_fds(pid)))
            await asyncio.sleep(1.0)

    await asyncio.gather(sample(), *(c.run() for c in cs))
    after = [(t, r, f) for t, r, f in samples if t >= warmup]
    lat = [x for c in cs for x in c.latencies]
    srv = [x for c in cs for x in c.server_ms]
    sent = sum(c.counted_sent for c in cs)
    answered = sum(c.counted_answered for c in cs)
    classifier: dict[str, int] = {}
    for c in cs:
        for k, v in c.classifier.items():
            classifier[k] = classifier.get(k, 0) + v
    fds = [f for _, _, f in after]
    return {
        "clients": clients,
        "fps_per_client": fps,
        "seconds": duration,
        "warmup_s": warmup,
        "sent": sent,
        "answered": answered,
        "answered_fps": round(answered / duration, 1),
        "dropped_share": round(1 - answered / sent, 3) if sent else None,
        "latency_ms": {
            "p50": round(pct(lat, 50) * 1000, 1),
            "p95": round(pct(lat, 95) * 1000, 1),
            "p99": round(pct(lat, 99) * 1000, 1),
            "max": round(max(lat, default=0) * 1000, 1),
        },
        "server_latency_ms": {"p50": round(pct(srv, 50), 1), "p95": round(pct(srv, 95), 1)},
        "rss_mib": {
            "start": round(samples[0][1] / 1024, 1) if samples else None,
            "after_warmup": round(after[0][1] / 1024, 1) if after else None,
            "end": round(after[-1][1] / 1024, 1) if after else None,
            "max": round(max(r for _, r, _ in after) / 1024, 1) if after else None,
        },
        "rss_growth_after_warmup": round(after[-1][1] / after[0][1] - 1, 4) if after else None,
        "fds": {
            "start": samples[0][2] if samples else None,
            "after_warmup": fds[0] if fds else None,
            "end": fds[-1] if fds else None,
            "min": min(fds, default=None),
            "max": max(fds, default=None),
        },
        "classifier_status": classifier,
        "client_errors": [e for c in cs for e in c.errors][:5],
        "alive": alive(pid),
    }


def verdict(r: dict) -> list[str]:
    bad = []
    if not r["alive"]:
        bad.append("the service died")
    if r["rss_growth_after_warmup"] is None or r["rss_growth_after_warmup"] >= 0.05:
        bad.append(f"memory grew {r['rss_growth_after_warmup']} after warm-up (limit 5 %)")
    if r["fds"]["end"] is None or r["fds"]["end"] > r["fds"]["after_warmup"] + 4:
        bad.append(f"file descriptors grew: {r['fds']}")
    if r["client_errors"]:
        bad.append(f"client errors: {r['client_errors']}")
    if not r["answered"]:
        bad.append("no frame answered")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--service", choices=["pose-single", "pose-multi", "both"], default="both")
    ap.add_argument("--clients", type=int, help="default: 8 (pose-single), 2 (pose-multi)")
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds, after the warm-up")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--width", type=int, default=None, help="resize the frames (default: ta_chi's 340x256)")
    ap.add_argument("--no-classifier", action="store_true", help="actions off (no classifier process)")
    ap.add_argument("--url", help="measure a running service instead (loopback), with --pid")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()

    frames = jpegs(150, args.width)
    kinds = ["pose-single", "pose-multi"] if args.service == "both" else [args.service]
    logs = ROOT / "artifacts" / "soak"
    logs.mkdir(parents=True, exist_ok=True)
    results, failed = {}, False
    clf = None
    try:
        if args.url:
            if not args.pid or len(kinds) != 1:
                sys.exit("--url needs --pid and one --service")
            targets = [(kinds[0], args.url, args.pid, None)]
        else:
            clf_url = ""
            if not args.no_classifier and (VENVS / "classifier/bin/python").exists():
                clf, clf_url = start("classifier", {"HAR_CLASSIFIER_THREADS": "1"}, logs / "classifier.log")
            targets = []
        for kind in kinds:
            proc = None
            if not args.url:
                prefix = "HAR_" + kind.upper().replace("-", "_") + "_"
                env = {
                    prefix + "DATA_DIR": str(logs / f"{kind}-data"),
                    prefix + "CLASSIFIER_URL": clf_url,
                    prefix + "MAX_STREAMS": "32",
                }
                proc, url = start(kind, env, logs / f"{kind}.log")
                pid = proc.pid
            else:
                _, url, pid, _ = targets[0]
            n = args.clients or DEFAULT_CLIENTS[kind]
            print(
                f"[soak] {kind}: {n} clients x {args.fps:g} fps, {args.warmup:g} s warm-up + {args.duration:g} s, "
                f"{len(frames)} real frames ({len(frames[0]) // 1024} KiB JPEG), pid {pid}, load "
                f"{os.getloadavg()[0]:.2f}",
                flush=True,
            )
            path = "/v1/stream" + ("?actions=false" if args.no_classifier else "")
            r = asyncio.run(soak(url, pid, n, args.fps, args.duration, args.warmup, frames, path))
            r["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
            r["cpus"] = os.cpu_count()
            bad = verdict(r)
            r["verdict"] = "ok" if not bad else "; ".join(bad)
            failed |= bool(bad)
            results[kind] = r
            print(json.dumps({kind: r}, indent=2), flush=True)
            if proc is not None:
                stop(proc)
    finally:
        if clf is not None:
            stop(clf)
    print("\n[soak] summary")
    for kind, r in results.items():
        print(
            f"  {kind}: {r['clients']} clients x {r['fps_per_client']:g} fps for {r['seconds']:g} s: "
            f"answered {r['answered_fps']} fps, dropped {r['dropped_share']:.1%}, latency p50 "
            f"{r['latency_ms']['p50']} ms p95 {r['latency_ms']['p95']} ms, RSS {r['rss_mib']['after_warmup']} -> "
            f"{r['rss_mib']['end']} MiB ({r['rss_growth_after_warmup']:+.1%}), fds {r['fds']['after_warmup']} -> "
            f"{r['fds']['end']} (max {r['fds']['max']}), alive {r['alive']}, load {r['load_avg_1m_end']} on "
            f"{r['cpus']} CPUs: {r['verdict']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
