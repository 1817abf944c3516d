"""Faults: the classifier dies or hangs during a live stream, a restart interrupts jobs, the data
folder fills up or turns read-only. Each test starts its own services (it breaks them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import corpus
import httpx
import pytest
from harness import SHARED, Service, leftovers, ta_chi_jpegs, why_missing
from service_process import wait_for_job
from websockets.sync.client import connect


class _Streamer:
    """Sends real frames at ``fps`` over one socket and records every answer with its time."""

    def __init__(self, url: str, fps: float = 12.0):
        self.frames = ta_chi_jpegs(150)
        self.ws = connect(url, open_timeout=10, max_size=2**24)
        self.fps = fps
        self.log: list[tuple[float, dict]] = []
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._send, daemon=True), threading.Thread(target=self._recv, daemon=True)]
        for t in self.threads:
            t.start()

    def _send(self):
        seq = 0
        try:
            while not self.stop.is_set():
                self.ws.send(seq.to_bytes(4, "big") + self.frames[seq % len(self.frames)])
                seq += 1
                time.sleep(1.0 / self.fps)
        except BaseException as exc:  # noqa: BLE001
            if not self.stop.is_set():
                self.errors.append(exc)

    def _recv(self):
        try:
            while not self.stop.is_set():
                self.log.append((time.time(), json.loads(self.ws.recv(timeout=10))))
        except BaseException as exc:  # noqa: BLE001
            if not self.stop.is_set():
                self.errors.append(exc)

    def wait_status(self, status: str, timeout: float) -> float:
        t0 = time.time()
        while time.time() - t0 < timeout:
            assert not self.errors, self.errors
            if self.log and self.log[-1][1].get("classifier") == status:
                return time.time()
            time.sleep(0.1)
        raise AssertionError(f"classifier never {status!r}; last: {self.log[-1][1] if self.log else None}")

    def frames_between(self, t0: float, t1: float) -> list[dict]:
        return [m for t, m in self.log if t0 <= t <= t1 and m["type"] == "frame"]

    def max_gap(self, t0: float) -> float:
        times = [t for t, m in self.log if t >= t0 and m["type"] == "frame"]
        return max((b - a for a, b in zip(times, times[1:])), default=0.0)

    def close(self):
        self.stop.set()
        self.ws.close()


def test_classifier_down_or_hung_during_a_stream(logs, tmp_path):
    if why_missing("classifier"):
        pytest.skip(why_missing("classifier"))
    clf = Service("classifier", logs, threads=1)
    pose = Service("pose-single", logs, data_dir=tmp_path, classifier_url=clf.url, classifier_timeout_s=1.0)
    s = None
    try:
        s = _Streamer(pose.ws + "/v1/stream")
        t_ok = s.wait_status("ok", 30)
        assert any(m["frame"]["persons"] for m in s.frames_between(t_ok - 30, t_ok))

        # 1. killed: poses keep flowing, the stream says "unavailable"
        clf.kill()
        t_kill = time.time()
        t_down = s.wait_status("unavailable", 20)
        time.sleep(3)
        during = s.frames_between(t_kill, time.time())
        assert len(during) >= 10 and sum(bool(m["frame"]["persons"]) for m in during) >= 5
        # 2. back on the same port: recovers by itself (back-off at most 10 s)
        clf.start()
        t_back = time.time()
        s.wait_status("ok", 40)
        recovered = time.time() - t_back

        # 3. hung (stopped, its socket still open): calls time out, poses keep flowing, then recovery
        os.kill(clf.pid, signal.SIGSTOP)
        t_stop = time.time()
        s.wait_status("unavailable", 20)
        time.sleep(3)
        assert len(s.frames_between(t_stop, time.time())) >= 10
        os.kill(clf.pid, signal.SIGCONT)
        s.wait_status("ok", 40)

        assert s.max_gap(t_ok) < 3.0, "frames stalled while the classifier was away"
        assert not s.errors, s.errors
        print(f"unavailable {t_down - t_kill:.1f} s after the kill; ok {recovered:.1f} s after the restart began")
        s.close()
        s = None

        # 4. hung during a video job: the job finishes, and its result says which time went
        # unlabelled and why (stats.classifier alone reads "ok" again by the end)
        video = SHARED / "data" / "videos" / "ta_chi.mp4"
        with open(video, "rb") as fh:
            r = httpx.post(pose.url + "/v1/videos?render=false", files={"file": (video.name, fh, "video/mp4")}, timeout=60)
        job_id = r.json()["id"]
        t0 = time.time()
        while httpx.get(f"{pose.url}/v1/jobs/{job_id}", timeout=10).json()["frames_done"] < 100 and time.time() - t0 < 120:
            time.sleep(0.05)
        os.kill(clf.pid, signal.SIGSTOP)
        job = _wait_terminal(pose, job_id)
        os.kill(clf.pid, signal.SIGCONT)
        assert job["status"] == "done", job
        result = httpx.get(f"{pose.url}/v1/jobs/{job_id}/result", timeout=30).json()
        down = [u for u in result["unlabelled"] if u["reason"] == "classifier_unavailable"]
        assert down and down[-1]["end_ms"] == pytest.approx(result["frames"][-1]["timestamp_ms"]), result["unlabelled"]
        assert "classifier_unavailable" in {n["code"] for n in result["notices"]}
    finally:
        if s:
            s.close()
        try:
            os.kill(clf.pid, signal.SIGCONT)
        except (ProcessLookupError, TypeError):
            pass
        pose.stop()
        clf.stop()


def _wait_terminal(svc: Service, job_id: str, timeout: float = 240) -> dict:
    return wait_for_job(lambda path: httpx.get(svc.url + path, timeout=10).json(), job_id, timeout, poll=0.3)


def _upload(svc: Service, path: Path) -> str:
    with open(path, "rb") as fh:
        r = httpx.post(svc.url + "/v1/videos?actions=false", files={"file": (path.name, fh, "video/mp4")}, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _kill_while_running(svc: Service, job_id: str) -> None:
    t0 = time.time()
    while time.time() - t0 < 60:
        job = httpx.get(f"{svc.url}/v1/jobs/{job_id}", timeout=10).json()
        if job["status"] == "running" and job["frames_done"] > 0:
            svc.kill()
            return
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.05)
    raise AssertionError("the job never ran")


def test_jobs_interrupted_by_a_restart(logs, tmp_path):
    video = SHARED / "data" / "videos" / "openpose_street_walking.avi"
    if not video.exists():
        pytest.skip(f"shared data not found at {video}")
    data = tmp_path / "data"
    pose = Service("pose-single", logs, data_dir=data, classifier_url="", job_workers=1, job_pose_workers=1)
    try:
        # a running job and a queued one, then a crash (SIGKILL: no shutdown handler runs)
        a, b = _upload(pose, video), _upload(pose, video)
        _kill_while_running(pose, a)
        pose.start()  # resume_interrupted_jobs=true (the default)
        for job_id in (a, b):
            job = _wait_terminal(pose, job_id)
            assert job["status"] == "done", job
            assert httpx.get(f"{pose.url}/v1/jobs/{job_id}/result", timeout=30).json()["frames"]
        # again, now with resuming switched off: both marked failed with a reason, never "running"
        c, d = _upload(pose, video), _upload(pose, video)
        _kill_while_running(pose, c)
        pose.settings["resume_interrupted_jobs"] = "false"
        pose.start()
        for job_id in (c, d):
            job = httpx.get(f"{pose.url}/v1/jobs/{job_id}", timeout=10).json()
            assert job["status"] == "failed" and "restart" in job["error"], job
        assert leftovers(data) == []
    finally:
        pose.stop()


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs as the data folder (root only; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {p.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_and_read_only_data_folder(logs, small_disk, tmp_path):
    pose = Service("pose-single", logs, data_dir=small_disk, classifier_url="")
    try:
        before = httpx.get(pose.url + "/v1/jobs").json()["jobs"]
        # full: an upload larger than the free space
        r = httpx.post(pose.url + "/v1/videos", content=os.urandom(6_000_000), headers={"content-type": "video/mp4"}, timeout=60)
        assert r.status_code == 507, r.text
        assert "space" in r.json()["detail"].lower()
        assert leftovers(small_disk) == []
        assert httpx.get(pose.url + "/v1/jobs").json()["jobs"] == before
        # filled by something else while a job runs: the job fails with a reason, never stays running
        video = corpus.small_video(tmp_path / "v.mp4", n=300, w=320, h=240)
        job_id = _upload(pose, video)
        filler = small_disk / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
        job = _wait_terminal(pose, job_id, timeout=120)
        assert job["status"] in ("done", "failed"), job
        if job["status"] == "failed":
            assert "space" in (job["error"] or "").lower(), job
        filler.unlink()
        assert leftovers(small_disk) == []
        # read-only (the upload and job folders made read-only under the running service): uploads
        # refused with a clear error, reads and health still answer
        ro = [small_disk / "uploads", small_disk / "jobs"]
        for d in ro:
            subprocess.run(["mount", "--bind", str(d), str(d)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(d)], check=True)
        r = httpx.post(pose.url + "/v1/videos", content=video.read_bytes(), headers={"content-type": "video/mp4"}, timeout=60)
        assert r.status_code == 507, r.text
        assert "read-only" in r.json()["detail"].lower()
        assert httpx.get(pose.url + "/v1/jobs").status_code == 200
        assert httpx.get(pose.url + "/readyz").status_code == 200
        jpeg = ta_chi_jpegs(1)[0]
        assert httpx.post(pose.url + "/v1/frames", content=jpeg, headers={"content-type": "image/jpeg"}).status_code == 200
    finally:
        for d in (small_disk / "uploads", small_disk / "jobs"):
            subprocess.run(["umount", str(d)], capture_output=True)
        pose.stop()


def test_unwritable_data_folder_at_start(logs, tmp_path):
    """A data folder that cannot be written: the service says so and exits (no half-started state)."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data folder should be")
    svc = None
    with pytest.raises(RuntimeError) as e:
        svc = Service("pose-single", logs, data_dir=blocker / "data", classifier_url="", ready_timeout=60)
    if svc:
        svc.stop()
    assert "not writable" in str(e.value), e.value
