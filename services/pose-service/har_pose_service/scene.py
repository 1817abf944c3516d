"""What the scene shows: windows of a video job's frames for the Kinetics-400 clip model.

A job run with ``kinetics=true`` hands its frames to a :class:`SceneSampler`. It keeps a frame
every ``1 / sample_fps`` seconds, each as a 224 x 224 RGB picture: the whole frame (shorter side scaled to 224,
centre cut) and, in multi-person jobs, a square crop around each tracked person (the box of the
person's keypoints, padded by ``CROP_PAD`` on each side, black beyond the frame's edge). Every
``hop_s`` seconds a full window of ``window_frames`` pictures goes to the classifier service's
``POST /v1/clips`` (:class:`ClipClient`) from a worker thread, so the job's pose model runs on
meanwhile; a bounded queue holds the job back when the clip model falls behind. The answers become
the analysis' ``scene`` rows (:class:`~har_common.schemas.SceneWindow`) and the explanation of the
skeleton classifier's ``other`` segments and ``uncertain`` spans (:func:`explain`).

No HTTP framework here; the HTTP client is httpx. Live streams never run the clip model.

Example:
    >>> import numpy as np
    >>> square_crop(np.zeros((480, 640, 3), np.uint8), (300, 100, 340, 300)).shape
    (224, 224, 3)
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Sequence

import cv2
import httpx
import numpy as np

from har_common.schemas import ClassProbability, ClipClassifyResponse, ClipModelInfo, PersonPose, SceneWindow

log = logging.getLogger(__name__)

SIZE = 224  # the clip model's input, pixels
CROP_PAD = 0.15  # a person's box grows by this share of its longer side on each side: arms and tools stay in
MIN_SCORE = 0.3  # keypoints below this score do not make a person's box
TOP_K = 5
EXPLAINED = ("other", "uncertain")


class ClipModelUnavailable(RuntimeError):
    """The classifier has no clip model (``missing``), or cannot be reached; the message says which and what to do."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


class ClipClient:
    """``GET /v1/clips/model`` and ``POST /v1/clips`` of the classifier service (blocking; one per job)."""

    def __init__(self, base_url: str | None, api_key: str | None = None, timeout_s: float = 60.0, transport=None):
        self.base_url = (base_url or "").rstrip("/") or None
        self._http = httpx.Client(timeout=timeout_s, headers={"X-API-Key": api_key} if api_key else {}, transport=transport)

    def _call(self, method: str, path: str, **kw) -> httpx.Response:
        if self.base_url is None:
            raise ClipModelUnavailable(
                "the Kinetics-400 clip model runs in the classifier service, and none is configured", missing=True
            )
        try:
            r = self._http.request(method, self.base_url + path, **kw)
        except httpx.HTTPError as exc:
            raise ClipModelUnavailable(f"the classifier service ({self.base_url}) did not answer: {exc}") from None
        if r.status_code == 503 or r.status_code == 404:
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = r.text[:200]
            raise ClipModelUnavailable(str(detail or f"the classifier answered {r.status_code}"), r.status_code == 404)
        r.raise_for_status()
        return r

    def model(self) -> ClipModelInfo:
        """The clip model's description. Raises :class:`ClipModelUnavailable` (not set up, or no answer)."""
        return ClipModelInfo.model_validate(self._call("GET", "/v1/clips/model").json())

    def classify(self, windows: np.ndarray, top_k: int = TOP_K) -> ClipClassifyResponse:
        """The top ``top_k`` classes of each window; ``windows``: uint8 ``[N, T, 224, 224, 3]`` RGB."""
        body = np.ascontiguousarray(windows, np.uint8).tobytes()
        r = self._call(
            "POST",
            f"/v1/clips?frames={windows.shape[1]}&top_k={top_k}",
            content=body,
            headers={"Content-Type": "application/octet-stream"},
        )
        return ClipClassifyResponse.model_validate(r.json())

    def close(self) -> None:
        self._http.close()


def whole_frame(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (H x W x 3) as 224 x 224: the shorter side scaled to 224, the middle cut out (as the
    model was evaluated on Kinetics)."""
    h, w = rgb.shape[:2]
    s = SIZE / min(h, w)
    nw, nh = max(SIZE, round(w * s)), max(SIZE, round(h * s))
    small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    y0, x0 = (nh - SIZE) // 2, (nw - SIZE) // 2
    return np.ascontiguousarray(small[y0 : y0 + SIZE, x0 : x0 + SIZE])


def person_box(person: PersonPose) -> tuple[float, float, float, float] | None:
    """``[x1, y1, x2, y2]`` around the person's visible keypoints and detection box, or None."""
    pts = np.asarray(person.keypoints, dtype=float)
    pts = pts[pts[:, 2] >= MIN_SCORE, :2]
    boxes = []
    if len(pts):
        boxes.append((*pts.min(axis=0), *pts.max(axis=0)))
    if person.bbox is not None:
        boxes.append(person.bbox)
    if not boxes:
        return None
    b = np.asarray(boxes)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def square_crop(rgb: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """A 224 x 224 picture of the square around ``box`` (padded by ``CROP_PAD`` of its longer side
    on every side; black where it leaves the frame)."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1, 8.0) * (1 + 2 * CROP_PAD)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    n = int(round(side))
    h, w = rgb.shape[:2]
    out = np.zeros((n, n, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(left, 0), max(top, 0), min(left + n, w), min(top + n, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - top : sy1 - top, sx0 - left : sx1 - left] = rgb[sy0:sy1, sx0:sx1]
    return cv2.resize(out, (SIZE, SIZE), interpolation=cv2.INTER_AREA if n > SIZE else cv2.INTER_LINEAR)


class _Track:
    """The last ``length`` pictures of one stream (the whole frame, or one person) and their times."""

    def __init__(self, length: int):
        self.pictures: deque[np.ndarray] = deque(maxlen=length)
        self.times: deque[float] = deque(maxlen=length)
        self.last_window_ms = -1e18

    def due(self, t_ms: float, interval_ms: float, hop_ms: float) -> bool:
        """Whether a picture at ``t_ms`` is the next one to keep: one every ``interval_ms``, and none
        before the next window may start (``hop_ms`` after the last one's start), so the time between
        windows costs no resizing."""
        if t_ms < self.last_window_ms + hop_ms - 0.05 * interval_ms:
            return False
        return not self.times or t_ms - self.times[-1] >= 0.95 * interval_ms

    def add(self, t_ms: float, picture: np.ndarray, max_gap_ms: float) -> None:
        if self.times and t_ms - self.times[-1] > max_gap_ms:  # the person was gone: a window spans no gap
            self.pictures.clear()
            self.times.clear()
        self.pictures.append(picture)
        self.times.append(t_ms)


class SceneSampler:
    """Frames of one job in, :class:`SceneWindow` rows out (see the module's text).

    Args:
        client: the classifier's clip endpoints.
        fps: the video's frame rate; ``stride``: the job analyses every ``stride``-th frame.
        sample_fps: pictures per second kept for the model (the model saw Kinetics at 25 fps; 8 keeps
            2 s in 16 frames).
        window_frames: pictures per window (9-64; 16 = one output step of the model).
        hop_s: seconds from one window's start to the next (windows overlap when shorter than a window).
        per_person: also a window per tracked person (multi-person jobs).
        max_persons: at most this many people a frame get windows (the largest boxes).

    Thread safety: :meth:`frame` may be called from several threads, each with its own ``chunk``
    (the job's parallel pose chunks); :meth:`persons` from the job thread only.
    """

    def __init__(
        self,
        client: ClipClient,
        fps: float,
        stride: int = 1,
        sample_fps: float = 8.0,
        window_frames: int = 16,
        hop_s: float = 4.0,
        per_person: bool = False,
        max_persons: int = 4,
    ):
        self.client, self.window_frames, self.per_person, self.max_persons = client, window_frames, per_person, max_persons
        self.interval_ms = 1000.0 / sample_fps
        self.hop_ms = hop_s * 1000.0
        self.max_gap_ms = 2.5 * max(self.interval_ms, 1000.0 * stride / fps)
        self.model_name: str | None = None
        self.windows: list[SceneWindow] = []
        self.failed = 0
        self.error: str | None = None
        self._tracks: dict[tuple[str, object], _Track] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._aborted = False
        self._worker = threading.Thread(target=self._loop, name="kinetics", daemon=True)
        self._worker.start()

    def _due(self, key: tuple, t_ms: float) -> bool:
        with self._lock:
            track = self._tracks.get(key)
            return track is None or track.due(t_ms, self.interval_ms, self.hop_ms)

    def frame(self, chunk: object, index: int, t_ms: float, rgb: np.ndarray | None) -> None:
        """A decoded frame for the whole-frame windows; ``chunk`` names the pose chunk it came from
        (windows never span two chunks, whose frames arrive in parallel)."""
        if rgb is None or not self._due(("frame", chunk), t_ms):
            return
        self._add(("frame", chunk), None, t_ms, whole_frame(rgb))

    def persons(self, index: int, t_ms: float, rgb: np.ndarray | None, persons: Sequence[PersonPose]) -> None:
        """A posed frame, in video order, for the per-person windows (when ``per_person``)."""
        if not self.per_person or rgb is None:
            return
        # each person is sampled on their own clock: a frame where the tracker lost them is made up by the next
        due = [p for p in persons if p.track_id is not None and self._due(("person", p.track_id), t_ms)]
        boxed = [(p.track_id, b) for p in due if (b := person_box(p)) is not None]
        boxed.sort(key=lambda tb: -(tb[1][2] - tb[1][0]) * (tb[1][3] - tb[1][1]))
        for tid, box in boxed[: self.max_persons]:
            self._add(("person", tid), tid, t_ms, square_crop(rgb, box))

    def _add(self, key: tuple, track_id: int | None, t_ms: float, picture: np.ndarray) -> None:
        with self._lock:
            track = self._tracks.setdefault(key, _Track(self.window_frames))
            track.add(t_ms, picture, self.max_gap_ms)
            full = len(track.pictures) == self.window_frames
            if not full or track.times[0] - track.last_window_ms < self.hop_ms - 1e-6:
                return
            track.last_window_ms = track.times[0]
            window = (track_id, track.times[0], track.times[-1], np.stack(track.pictures))
        while not self._aborted:  # blocks while two windows wait: the job keeps pace with the model
            try:
                self._queue.put(window, timeout=0.5)
                return
            except queue.Full:
                continue

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            track_id, start, end, pictures = item
            try:
                answer = self.client.classify(pictures[None])
            except Exception as exc:  # noqa: BLE001 - a window without labels is reported, the job goes on
                self.failed += 1
                self.error = str(exc)
                log.warning("kinetics window %.0f-%.0f ms failed: %s", start, end, exc)
                continue
            self.model_name = answer.model
            self.windows.append(
                SceneWindow(
                    track_id=track_id, start_ms=round(start, 3), end_ms=round(end, 3), labels=answer.predictions[0].labels
                )
            )

    def finish(self) -> list[SceneWindow]:
        """Waits for the windows in work; every window, whole frames first, then by person and time."""
        self._queue.put(None)
        self._worker.join()
        self.client.close()
        return sorted(self.windows, key=lambda w: (w.track_id is not None, w.track_id or 0, w.start_ms))

    def abort(self) -> None:
        """The job failed or was cancelled: the worker stops after the window in work."""
        self._aborted = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)


def explain(windows: Sequence[SceneWindow], track_id: int | None, start_ms: float, end_ms: float) -> ClassProbability | None:
    """The Kinetics-400 class most probable over ``[start_ms, end_ms]``: the mean of its
    probability over the windows that overlap that time (0 where a window's top 5 lack it), from
    the person's own windows when there are any, else the whole frame's. Where none overlaps (a span
    in the clip's last seconds, after the last full window), the nearest window no further than its
    own length answers, the person's before the whole frame's. None without such a window.

    Example:
        >>> from har_common.schemas import SceneWindow
        >>> w = [SceneWindow(start_ms=0, end_ms=2000, labels=[{"label": "tai chi", "probability": 0.9}]),
        ...      SceneWindow(start_ms=2000, end_ms=4000, labels=[{"label": "yoga", "probability": 0.6},
        ...                                                     {"label": "tai chi", "probability": 0.3}])]
        >>> explain(w, None, 500, 3500)
        ClassProbability(label='tai chi', probability=0.6)
        >>> explain(w, None, 4200, 4400)  # after the last window: the nearest one
        ClassProbability(label='yoga', probability=0.6)
        >>> explain(w, None, 9000, 9500) is None  # too far from every window
        True
    """

    def gap(w) -> float:
        return max(w.start_ms - end_ms, start_ms - w.end_ms, 0.0)

    def overlapping(tid):
        return [w for w in windows if w.track_id == tid and gap(w) == 0.0]

    def nearest(tid):
        near = [w for w in windows if w.track_id == tid and gap(w) <= w.end_ms - w.start_ms]
        return [min(near, key=gap)] if near else []

    chosen = (
        (overlapping(track_id) if track_id is not None else [])
        or overlapping(None)
        or (nearest(track_id) if track_id is not None else [])
        or nearest(None)
    )
    if not chosen:
        return None
    totals: dict[str, float] = {}
    for w in chosen:
        for c in w.labels:
            totals[c.label] = totals.get(c.label, 0.0) + c.probability
    label, total = max(totals.items(), key=lambda kv: kv[1])
    return ClassProbability(label=label, probability=round(total / len(chosen), 4))


def sampler_for_job(settings, fps: float, stride: int, multi_person: bool) -> SceneSampler:
    """The sampler of one job, from the pose service's settings (``kinetics_*``, the classifier's URL and key)."""
    client = ClipClient(
        (settings.classifier_url or "").strip() or None,
        settings.classifier_api_key or settings.api_key or None,
        settings.kinetics_timeout_s,
    )
    return SceneSampler(
        client,
        fps,
        stride,
        sample_fps=settings.kinetics_sample_fps,
        window_frames=settings.kinetics_window_frames,
        hop_s=settings.kinetics_hop_s,
        per_person=multi_person and settings.kinetics_per_person,
        max_persons=settings.kinetics_max_persons,
    )


def unavailable_notice(sampler: SceneSampler) -> str | None:
    """What to tell the user when windows went without labels, or None."""
    if not sampler.failed:
        return None
    return (
        f"the Kinetics-400 clip model did not answer for {sampler.failed} window(s) ({sampler.error}): those times have "
        "no scene labels. Check that the classifier runs with the clip model set up, then analyse the video again."
    )
