"""Memory and CPU of each service process, idle and at work: the figures deploy/k8s's resource
requests and limits are set from.

Per service: resident memory (RSS) once ready, then its peak and the CPU it used (cores: CPU seconds
per wall second) during work: the classifier answering batches of 64 windows from two clients for
``--seconds``; each pose service running video jobs on ``ta_chi.mp4`` back to back (with the
annotated video, as the service does by default) while a classifier labels them. Run from the
common environment on ports 8130-8133:

    .venvs/common/bin/python benchmarks/service_resources.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from service_process import VENVS, ServiceProcess, wait_for_job  # noqa: E402

SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
TICK = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


class Sampler(threading.Thread):
    """Peak RSS every 0.2 s and CPU over the time it ran."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.t0, self.c0 = time.perf_counter(), cpu_s(pid)

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.2)

    def result(self) -> dict:
        self.stop.set()
        self.join()
        wall = time.perf_counter() - self.t0
        return {"peak_mib": round(self.peak), "cores": round((cpu_s(self.pid) - self.c0) / wall, 2), "seconds": round(wall, 1)}


def classify_load(url: str, seconds: float) -> None:
    window = [[[320.0 + (j % 5), 100.0 + 10 * j, 0.9] for j in range(17)] for _ in range(30)]
    # encoded once: the clients must not be the bottleneck
    body = json.dumps({"sequences": [{"fps": 30, "keypoints": window}] * 64}).encode()
    deadline = time.monotonic() + seconds

    def client():
        with httpx.Client(timeout=30, headers={"Content-Type": "application/json"}) as c:
            while time.monotonic() < deadline:
                c.post(f"{url}/v1/classify", content=body).raise_for_status()

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def job_load(url: str, video: Path, seconds: float) -> int:
    deadline, n = time.monotonic() + seconds, 0
    while n == 0 or time.monotonic() < deadline:
        with open(video, "rb") as fh:
            r = httpx.post(f"{url}/v1/videos", files={"file": (video.name, fh)}, timeout=60)
        r.raise_for_status()
        job = wait_for_job(lambda p: httpx.get(url + p, timeout=10).json(), r.json()["id"], timeout=600, poll=0.5)
        assert job["status"] == "done", job
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="of work per service")
    args = ap.parse_args()
    video = SHARED / "data" / "videos" / "ta_chi.mp4"
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "har-resources"
    logs.mkdir(exist_ok=True)
    figures = {}
    print(f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
    clf = ServiceProcess(VENVS / "classifier/bin/python", "har_classifier.main:app", {}, logs / "classifier.log", port=8130)
    try:
        time.sleep(2)
        idle = rss_mib(clf.pid)
        s = Sampler(clf.pid)
        s.start()
        classify_load(clf.url, args.seconds)
        figures["classifier"] = {"idle_mib": round(idle), **s.result()}
        print("classifier", figures["classifier"], flush=True)
        for name, port in (("pose-single", 8131), ("pose-multi", 8132)):
            prefix = f"HAR_{name.upper().replace('-', '_')}_"
            env = {prefix + "DATA_DIR": str(logs / f"{name}-data"), prefix + "CLASSIFIER_URL": clf.url}
            svc = ServiceProcess(
                VENVS / name / "bin/python", f"har_{name.replace('-', '_')}.main:app", env, logs / f"{name}.log", port=port
            )
            try:
                time.sleep(2)
                idle = rss_mib(svc.pid)
                s = Sampler(svc.pid)
                s.start()
                jobs = job_load(svc.url, video, args.seconds)
                figures[name] = {"idle_mib": round(idle), **s.result(), "jobs": jobs}
                print(name, figures[name], flush=True)
            finally:
                svc.stop()
    finally:
        clf.stop()
    print(json.dumps(figures, indent=2))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
