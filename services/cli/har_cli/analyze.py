"""``har analyze VIDEO``: send a video to the running stack, follow the job, save what it made.

Writes ``<name>.analysis.json``, ``<name>.keypoints.csv`` and ``<name>.annotated.mp4`` into
``--out`` and prints the action segments as a table.

Example:
    har analyze ../shared/data/videos/ta_chi.mp4 --out results/
    har analyze street.avi --multi --out results/
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from har_common.schemas import Job, VideoAnalysis

DEFAULT_URLS = {
    False: os.environ.get("HAR_POSE_SINGLE_URL", "http://127.0.0.1:8002"),
    True: os.environ.get("HAR_POSE_MULTI_URL", "http://127.0.0.1:8003"),
}


class Progress:
    """A one-line text progress bar on stderr (redrawn in place on a terminal)."""

    def __init__(self, label: str, stream=sys.stderr):
        self.label, self.stream, self._last = label, stream, -1
        self._tty = stream.isatty()

    def update(self, percent: float) -> None:
        p = max(0, min(100, int(percent)))
        if p == self._last or (not self._tty and p < 100 and p - self._last < 10):
            return
        self._last = p
        bar = "#" * (p // 4) + "-" * (25 - p // 4)
        end = "\r" if self._tty and p < 100 else "\n"
        self.stream.write(f"{self.label:<10} [{bar}] {p:3d}%{end}")
        self.stream.flush()


def _upload_chunks(path: Path, progress: Progress, chunk: int = 1 << 20):
    size = max(path.stat().st_size, 1)
    sent = 0
    with path.open("rb") as f:
        while data := f.read(chunk):
            sent += len(data)
            progress.update(100 * sent / size)
            yield data


def _error_text(response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = response.text
    return f"{response.status_code}: {detail}"


def _multipart(path: Path, progress: Progress, boundary: str):
    name = path.name.replace('"', "%22").replace("\r", "").replace("\n", "")
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    yield head
    yield from _upload_chunks(path, progress)
    yield f"\r\n--{boundary}--\r\n".encode()


def analyze(
    video: Path,
    out: Path,
    multi: bool,
    url: str | None,
    poll_s: float = 0.5,
    timeout_s: float = 3600,
    *,
    model: str | None = None,
    render: bool | None = None,
    downloads: bool = True,
    kinetics: bool | None = None,
    labels: str | None = None,
) -> VideoAnalysis:
    """Send ``video`` to the pose service, follow the job, save ``<stem>.analysis.json`` into ``out``
    (and, with ``downloads``, the keypoints CSV and the annotated MP4).

    ``model`` picks the classifier model for this job and ``render`` switches the annotated video on
    or off, ``kinetics`` the Kinetics-400 clip model's scene labels (default: the service's settings);
    ``labels`` is ``centred`` (the service's default: each frame from the windows around it) or
    ``causal`` (from the windows before it, as a live stream).

    Raises:
        FileNotFoundError: no such video.
        ConnectionError: no service at the URL.
        ValueError: the service rejected the upload (its message is included).
        RuntimeError: the job failed.  TimeoutError: it did not finish within ``timeout_s``.
    """
    import httpx

    base = (url or DEFAULT_URLS[multi]).rstrip("/")
    if not video.is_file():
        raise FileNotFoundError(f"no such video: {video}")
    headers = {}
    if key := os.environ.get("HAR_API_KEY"):
        headers["X-API-Key"] = key
    params: dict[str, str] = {}
    if model:
        params["model"] = model
    if render is not None:
        params["render"] = "true" if render else "false"
    if kinetics is not None:
        params["kinetics"] = "true" if kinetics else "false"
    if labels is not None:
        params["labels"] = labels
    with httpx.Client(base_url=base, timeout=httpx.Timeout(60.0, connect=5.0), headers=headers) as client:
        job_id = _upload(client, video, params)
        _wait_for(client, job_id, poll_s, timeout_s)
        out.mkdir(parents=True, exist_ok=True)
        result = client.get(f"/v1/jobs/{job_id}/result")
        result.raise_for_status()
        analysis = VideoAnalysis.model_validate_json(result.content)
        (out / f"{video.stem}.analysis.json").write_bytes(result.content)
        for suffix, route in ((".keypoints.csv", "keypoints.csv"), (".annotated.mp4", "video")) if downloads else ():
            with client.stream("GET", f"/v1/jobs/{job_id}/{route}") as r:
                r.raise_for_status()
                with (out / f"{video.stem}{suffix}").open("wb") as f:
                    for data in r.iter_bytes():
                        f.write(data)
    return analysis


def _upload(client, video: Path, params: dict[str, str]) -> str:
    """POST the video as a streamed multipart body (with a progress bar); the new job's id."""
    import httpx

    boundary = f"har{os.urandom(8).hex()}"
    try:
        response = client.post(
            "/v1/videos",
            content=_multipart(video, Progress("upload"), boundary),
            params=params,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    except httpx.ConnectError as exc:
        raise ConnectionError(f"no pose service at {client.base_url} ({exc}); start the stack with scripts/up") from exc
    if response.status_code >= 400:
        raise ValueError(f"the service rejected {video.name}: {_error_text(response)}")
    return Job.model_validate_json(response.content).id


def _wait_for(client, job_id: str, poll_s: float, timeout_s: float) -> Job:
    """Poll the job, showing its progress, until it is done; raises when it fails, is cancelled or
    deleted, or outlasts ``timeout_s``."""
    progress, deadline = Progress("analysis"), time.monotonic() + timeout_s
    while True:
        r = client.get(f"/v1/jobs/{job_id}")
        if r.status_code == 404:
            raise RuntimeError(f"job {job_id} is gone: it was deleted while it ran")
        if r.status_code >= 400:
            raise RuntimeError(f"job {job_id}: the service answered {_error_text(r)}")
        job = Job.model_validate_json(r.content)
        progress.update(job.progress)
        if job.status == "done":
            progress.update(100)
            return job
        if job.status in ("failed", "cancelled"):
            raise RuntimeError(f"job {job_id} {job.status}" + (f": {job.error}" if job.error else ""))
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.status} after {timeout_s:.0f} s")
        time.sleep(poll_s)


def count_tracks(analysis: VideoAnalysis) -> int:
    """Distinct real track ids; untracked detections (``track_id`` null, e.g. a person's first frame
    in the multi-person service) are not a track.

    Example:
        >>> from har_common.schemas import FrameResult, ModelInfo, PersonPose, SourceInfo
        >>> kp = [[1, 1, 1.0]] * 17
        >>> frames = [FrameResult(frame_index=0, timestamp_ms=0, width=9, height=9,
        ...                       persons=[PersonPose(track_id=None, keypoints=kp), PersonPose(track_id=4, keypoints=kp)])]
        >>> count_tracks(VideoAnalysis(source=SourceInfo(width=9, height=9, fps=1, frame_count=1, duration_ms=0),
        ...                            models=ModelInfo(pose="x"), frames=frames))
        1
    """
    return len({p.track_id for f in analysis.frames for p in f.persons if p.track_id is not None})


def format_segments(analysis: VideoAnalysis) -> str:
    rows = [("track", "action", "start s", "end s", "duration s", "confidence")]
    for s in sorted(analysis.segments, key=lambda s: (s.track_id if s.track_id is not None else -1, s.start_ms)):
        rows.append(
            (
                str(s.track_id if s.track_id is not None else "-"),
                s.label + (f": {s.kinetics.label} {s.kinetics.probability:.2f}" if s.kinetics else ""),
                f"{s.start_ms / 1000:.2f}",
                f"{s.end_ms / 1000:.2f}",
                f"{(s.duration_ms or 0) / 1000:.2f}",
                f"{s.mean_confidence:.2f}",
            )
        )
    if len(rows) == 1:
        return "no action segments"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows)


def format_scene(analysis: VideoAnalysis) -> str:
    """The Kinetics-400 clip model's windows (a job run with kinetics): whole frame, then each person.

    Example:
        >>> from har_common.schemas import ModelInfo, SceneWindow, SourceInfo
        >>> a = VideoAnalysis(source=SourceInfo(width=9, height=9, fps=30, frame_count=60, duration_ms=2000),
        ...                   models=ModelInfo(pose="x", kinetics="i3d-kinetics400"), frames=[],
        ...                   scene=[SceneWindow(start_ms=0, end_ms=2000, labels=[{"label": "tai chi", "probability": 0.97},
        ...                                                                    {"label": "yoga", "probability": 0.01}])])
        >>> print(format_scene(a))
        scene (i3d-kinetics400, Kinetics-400)
        who    start s  end s  top labels
        scene     0.00   2.00  tai chi 0.97, yoga 0.01
    """
    if not analysis.scene:
        return "no scene labels (run with --kinetics)" if analysis.models.kinetics is None else "no scene labels"
    rows = [("who", "start s", "end s", "top labels")]
    for w in analysis.scene:
        who = "scene" if w.track_id is None else f"track {w.track_id}"
        top = ", ".join(f"{c.label} {c.probability:.2f}" for c in w.labels)
        rows.append((who, f"{w.start_ms / 1000:.2f}", f"{w.end_ms / 1000:.2f}", top))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"scene ({analysis.models.kinetics}, Kinetics-400)"]
    lines += ["  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2]), r[3]]) for r in rows]
    return "\n".join(lines)


def describe_source(analysis: VideoAnalysis) -> str:
    """One line on what was analysed, then one per notice (frames lost, nobody found, ...).

    Example:
        >>> from har_common.schemas import ModelInfo, Notice, SourceInfo
        >>> a = VideoAnalysis(source=SourceInfo(width=192, height=256, fps=30, frame_count=120, duration_ms=4000,
        ...                   rotation=90), models=ModelInfo(pose="x"), frames=[],
        ...                   notices=[Notice(code="frames_lost", message="4 frame(s) could not be decoded")])
        >>> print(describe_source(a))
        120 frames of 192x256 at 30.00 fps (turned 90° as the video asks), 0 track(s)
        note (frames_lost): 4 frame(s) could not be decoded
        >>> from har_common.schemas import UnlabelledSpan
        >>> a.notices, a.unlabelled = [], [UnlabelledSpan(track_id=0, start_ms=0, end_ms=1500, reason="window_filling")]
        >>> print(describe_source(a).splitlines()[-1])
        unlabelled (uncertain): 1.5 s window_filling (1 range(s)); the ranges are in the JSON's unlabelled
    """
    src = analysis.source
    turned = ""
    if src.rotation or src.mirrored:
        turned = f" (turned {src.rotation}°{' and mirrored' if src.mirrored else ''} as the video asks)"
    size = f"{src.width}x{src.height} at {src.fps:.2f} fps"
    lines = [f"{src.frame_count} frames of {size}{turned}, {count_tracks(analysis)} track(s)"]
    lines += [f"note ({n.code}): {n.message}" for n in analysis.notices]
    unlabelled: dict[str, list[float]] = {}
    for u in analysis.unlabelled:
        unlabelled.setdefault(u.reason, []).append((u.end_ms - u.start_ms) / 1000.0)
    if unlabelled:
        parts = [f"{sum(d):.1f} s {reason} ({len(d)} range(s))" for reason, d in sorted(unlabelled.items())]
        lines.append("unlabelled (uncertain): " + ", ".join(parts) + "; the ranges are in the JSON's unlabelled")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        analysis = analyze(
            Path(args.video), out, args.multi, args.url, kinetics=True if args.kinetics else None, labels=args.labels
        )
    except (ConnectionError, RuntimeError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\n{describe_source(analysis)}\nwrote {out}/{Path(args.video).stem}.*\n")
    print(format_segments(analysis))
    if args.kinetics:
        print(f"\n{format_scene(analysis)}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("analyze", help="analyse a video with the running stack and save the results")
    p.add_argument("video", help="a video file (mp4, avi, mov, webm, mkv)")
    p.add_argument("--multi", action="store_true", help="use the multi-person service (YOLO11-pose, tracked people)")
    p.add_argument("--out", default=".", help="folder for the JSON, CSV and annotated video (default: here)")
    p.add_argument("--url", help="pose service URL (default: HAR_POSE_SINGLE_URL / HAR_POSE_MULTI_URL or localhost)")
    p.add_argument(
        "--kinetics",
        action="store_true",
        help="also label what the scene shows with the Kinetics-400 clip model (top 5 per 2 s window; per person with --multi)",
    )
    p.add_argument(
        "--labels",
        choices=("centred", "causal"),
        help="how each frame's action is decided: centred (the default) from the windows around it, once the whole "
        "video is posed; causal from the windows before it only, as a live stream decides",
    )
    p.set_defaults(func=_run)
