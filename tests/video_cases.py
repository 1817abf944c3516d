"""The real-world video inputs of ../shared/cases through a running pose service's video jobs, with
the outcome each case's README promises. The same checks run against both pose services (their
suites call these with their own running service)."""

from __future__ import annotations

from pathlib import Path

import av
import httpx
import numpy as np
from service_process import wait_for_job

from har_common.schemas import VideoAnalysis


def run_job(url: str, path: Path, timeout: float = 300.0, **params) -> tuple[dict, VideoAnalysis, httpx.Client]:
    """Upload ``path``, wait for the job to end, and return it with its result (``done`` asserted)."""
    c = httpx.Client(base_url=url, timeout=60)
    query = "&".join(f"{k}={str(v).lower()}" for k, v in params.items())
    r = c.post(f"/v1/videos?{query}", files={"file": (path.name, path.read_bytes(), "application/octet-stream")})
    assert r.status_code == 202, r.text
    job = wait_for_job(lambda p: c.get(p).json(), r.json()["id"], timeout, poll=0.3)
    assert job["status"] == "done", job
    return job, VideoAnalysis.model_validate(c.get(f"/v1/jobs/{job['id']}/result").json()), c


def annotated_size(client: httpx.Client, job_id: str) -> tuple[tuple[int, int], int, int]:
    """The annotated MP4's (width, height), the rotation its frames carry, and its frame count."""
    import io

    r = client.get(f"/v1/jobs/{job_id}/video")
    assert r.status_code == 200, r.text
    with av.open(io.BytesIO(r.content)) as c:
        frames = list(c.decode(video=0))
    return (frames[0].width, frames[0].height), frames[0].rotation, len(frames)


def _first_person(result: VideoAnalysis) -> dict[int, np.ndarray]:
    return {f.frame_index: np.asarray(f.persons[0].keypoints) for f in result.frames if f.persons}


def check_phone_rotation(url: str, shared) -> None:
    """phone_rot90.mp4 (stored 256x192, display matrix "rotate 90") is analysed as its upright copy:
    sizes, keypoints, annotated MP4 and labels."""
    # causal labels: each frame's label from the windows up to it. Centred ones smooth each clip as a
    # whole, and these 4 s clips sit at the threshold for their whole length (YOLO: `lying` 0.44-0.56 in
    # the first windows), so re-encoding noise alone can put one on either side of it
    job, phone, client = run_job(url, shared("cases", "phone_rot90.mp4"), labels="causal")
    _, upright, _ = run_job(url, shared("cases", "upright_192x256.mp4"), labels="causal")
    assert (phone.source.width, phone.source.height, phone.source.rotation) == (192, 256, 90)
    assert all((f.width, f.height) == (192, 256) for f in phone.frames)
    a, b = _first_person(phone), _first_person(upright)
    both = sorted(set(a) & set(b))
    assert len(both) >= 0.9 * len(phone.frames), (len(a), len(b))
    # the same person in the same place: joints seen in both within a few pixels (re-encoding noise)
    gaps = []
    for i in both:
        seen = (a[i][:, 2] > 0.5) & (b[i][:, 2] > 0.5)
        gaps.append(np.median(np.linalg.norm(a[i][seen, :2] - b[i][seen, :2], axis=1)) if seen.any() else 0.0)
    assert np.median(gaps) < 4.0, np.median(gaps)
    labels = [s.label for s in phone.segments]
    assert labels == [s.label for s in upright.segments], (phone.segments, upright.segments)
    size, rotation, n = annotated_size(client, job["id"])
    assert size == (192, 256) and rotation == 0 and n == len(phone.frames)


def check_damaged_clip(url: str, shared) -> None:
    """garbage_1k.mp4 (1 KB damaged mid-file; FFmpeg decodes 56 of 60): the job finishes with every
    decodable frame and says how many were lost, and where."""
    job, result, client = run_job(url, shared("cases", "garbage_1k.mp4"))
    assert len(result.frames) == 56
    assert sum(r.count for r in result.lost_frames) == 4 and job["stats"]["frames_lost"] == 4
    assert [n.code for n in result.notices if n.code == "frames_lost"] == ["frames_lost"]
    indices = {f.frame_index for f in result.frames}
    for run in result.lost_frames:
        assert run.after_frame_index in indices and run.after_frame_index + 1 not in indices
    assert annotated_size(client, job["id"])[2] == 56


def check_size_change(url: str, shared) -> None:
    """odd_then_bigger.mkv (a test card, 341x255, then 640x480): a finished job, each frame in its own
    size (keypoints, if any, within it), an annotated video at one size; with and without the annotated
    video."""
    for render in (True, False):
        job, result, client = run_job(url, shared("cases", "odd_then_bigger.mkv"), render=render)
        sizes = [(f.width, f.height) for f in result.frames]
        assert len(sizes) == 10 and sizes[0] == (341, 255) and sizes[-1] == (640, 480), sizes
        assert "size_changed" in {n.code for n in result.notices}
        if not any(f.persons for f in result.frames):  # a test card: the notice says what to try
            advice = [n.message for n in result.notices if n.code == "nobody_found"]
            assert advice and "HAR_POSE_" in advice[0], result.notices
        for f in result.frames:
            for p in f.persons:
                k = np.asarray(p.keypoints)
                inside = k[k[:, 2] > 0.5, :2]
                assert (inside[:, 0] <= f.width * 1.05).all() and (inside[:, 1] <= f.height * 1.05).all()
        if render:
            size, _, n = annotated_size(client, job["id"])
            assert size == (342, 256) and n == 10


def check_small_person(url: str, shared) -> None:
    """small_in_1080p.mp4 (a person about 230 px tall at x 1200-1680 of a 1920x1080 frame): found,
    where they are, in nearly every frame."""
    _, result, _ = run_job(url, shared("cases", "small_in_1080p.mp4"), render=False)
    found = [f for f in result.frames if f.persons]
    assert len(found) >= 0.9 * len(result.frames), (len(found), len(result.frames))
    for f in found:
        k = np.asarray(f.persons[0].keypoints)
        seen = k[k[:, 2] > 0.5, :2]
        assert len(seen) and (seen[:, 0] > 1150).all() and (seen[:, 0] < 1730).all(), seen
    assert "nobody_found" not in {n.code for n in result.notices}
