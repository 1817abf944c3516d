"""What a rescheduled pose pod does with its jobs, on the real service: Kubernetes stops the pod with
SIGTERM and starts a new one (another process, another address) on the same volume. The job that
was running is taken up again by the new process and ends done, with the same analysis as a job
that ran without the interruption, and the job that waited runs too. (A crash, SIGKILL, is
tests/reliability/test_faults.py::test_jobs_interrupted_by_a_restart.) The new process also exports
the series the autoscalers read."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from service_process import ROOT, VENVS, ServiceProcess, wait_for_job

SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))
GRACE_S = 60  # terminationGracePeriodSeconds of the pose StatefulSets (deploy/k8s/base)


def _pod(data: Path, log: Path) -> ServiceProcess:
    python = VENVS / "pose-single/bin/python"
    if not python.exists():
        pytest.skip("no pose-single environment (scripts/setup pose-single)")
    env = {
        "HAR_POSE_SINGLE_DATA_DIR": str(data),
        "HAR_POSE_SINGLE_CLASSIFIER_URL": "",
        "HAR_POSE_SINGLE_RENDER_VIDEO": "false",
        "HAR_POSE_SINGLE_JOB_POSE_WORKERS": "1",
    }
    return ServiceProcess(python, "har_pose_single.main:app", env, log, ready_timeout=120)


def _upload(pod: ServiceProcess, video: Path) -> str:
    with open(video, "rb") as fh:
        r = httpx.post(f"{pod.url}/v1/videos", files={"file": (video.name, fh)}, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _result(pod: ServiceProcess, job_id: str) -> dict:
    job = wait_for_job(lambda p: httpx.get(pod.url + p, timeout=10).json(), job_id, timeout=300, poll=0.5)
    assert job["status"] == "done", job
    return job, httpx.get(f"{pod.url}/v1/jobs/{job_id}/result", timeout=30).json()


def test_a_rescheduled_pod_resumes_its_jobs(tmp_path):
    video = SHARED / "data" / "videos" / "ta_chi.mp4"
    if not video.exists():
        pytest.skip(f"shared data not found at {video}")
    volume = tmp_path / "data-pose-single-0"
    first = _pod(volume, tmp_path / "pod-1.log")
    try:
        running, waiting = _upload(first, video), _upload(first, video)
        deadline = time.monotonic() + 120
        while httpx.get(f"{first.url}/v1/jobs/{running}", timeout=10).json()["frames_done"] < 10:
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.1)
        t0 = time.monotonic()
        first.proc.send_signal(signal.SIGTERM)  # what the kubelet sends a pod being deleted
        first.proc.wait(GRACE_S)
        assert time.monotonic() - t0 < GRACE_S / 2, "the service took most of its grace period to stop"
    finally:
        first.kill()
    second = _pod(volume, tmp_path / "pod-2.log")  # the rescheduled pod: a new process, a new address
    try:
        job, resumed = _result(second, running)
        assert job["stats"]["restarts"] == 1, job
        assert _result(second, waiting)[0]["status"] == "done"
        _, fresh = _result(second, _upload(second, video))
        assert len(resumed["frames"]) == resumed["source"]["frame_count"] == len(fresh["frames"])
        assert [len(f["persons"]) for f in resumed["frames"]] == [len(f["persons"]) for f in fresh["frames"]]
        metrics = httpx.get(f"{second.url}/metrics", timeout=10).text
        for series in ("har_jobs_running", "har_job_queue_depth", "har_streams_open"):
            assert f"\n{series} " in metrics, series
    finally:
        second.stop()
