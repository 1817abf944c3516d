"""One video job, from the uploaded file to result.json, keypoints.csv and annotated.mp4.

The pose model is the slow part. For a back end that follows one person per session
(``multi_person = False``), the video is cut into contiguous chunks posed by parallel sessions
(``job_pose_workers``; MediaPipe runs on one core, so two sessions use both): the first chunk goes
straight through, the others are posed in the background and then, in order, fed through the same
frames-to-actions pipeline, so labels and segments are exactly as if one session had run. A
multi-person back end runs in one piece, since its tracker must see every frame in order.

Around the model: frames are decoded ahead in a thread, and the annotated video is drawn and
encoded in another, so neither holds the model back.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import TYPE_CHECKING

from har_common.schemas import FrameResult
from .classifier import SyncActions
from . import jobs as J
from .media import MediaError, frame_times, iter_frames, prefetch
from .render import AnnotatedWriter, draw

if TYPE_CHECKING:                      # pragma: no cover
    from .state import ServiceState

MIN_CHUNK_FRAMES = 60


class _ChunkPoser(threading.Thread):
    """Poses frames ``[start, end)`` with its own session, keeping only the detections."""

    def __init__(self, st: "ServiceState", path, stride, fps, start, end, start_pts, origin_pts, raw, counter):
        super().__init__(name=f"pose-chunk-{start}", daemon=True)
        self.st, self.path, self.stride, self.fps = st, path, stride, fps
        self.start_i, self.end_i, self.start_pts, self.origin_pts, self.raw = start, end, start_pts, origin_pts, raw
        self.results: dict[int, tuple[float, list]] = {}      # frame index -> (timestamp_ms, detections)
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.counter = counter

    def run(self) -> None:
        try:
            with self.st.backend.session(raw=self.raw) as session:
                for f in iter_frames(self.path, self.stride, self.fps, self.start_i, self.end_i, self.start_pts,
                                     self.origin_pts):
                    if self.stop.is_set():
                        return
                    t0 = time.perf_counter()
                    self.results[f.index] = (f.timestamp_ms, session.process(f.rgb, f.timestamp_ms))
                    self.st.metrics.inference.observe(time.perf_counter() - t0)
                    self.counter.add()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the job thread
            self.error = exc


class _Counter:
    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.n += 1


def run_video_job(st: "ServiceState", job: J.Job, ctx: J.JobContext) -> None:
    s, m = st.settings, st.metrics
    opts, src = job.options, job.source
    stride = int(opts.get("stride", 1))
    raw = bool(opts.get("raw", False))
    fps = float(src["fps"])
    actions = SyncActions(st.classifier, st.config, enabled=bool(opts.get("actions", True)), model=opts.get("model"))
    job_dir = ctx.dir
    video_in = job_dir / "input"
    render = bool(opts.get("render", s.render_video))
    tmp_video = job_dir / ".annotated.tmp.mp4"

    # -- the chunks ----------------------------------------------------------------------------
    workers = 1 if st.backend.multi_person else max(1, s.job_pose_workers)
    pts = frame_times(video_in) if workers > 1 else None
    n_frames = len(pts) if pts else int(src["frame_count"])
    total = max(1, -(-n_frames // stride))
    chunks: list[tuple[int, int | None]] = [(0, None)]
    if pts and len(pts) >= workers * MIN_CHUNK_FRAMES:
        bounds = [round(len(pts) * c / workers / stride) * stride for c in range(workers + 1)]
        bounds[-1] = len(pts)
        chunks = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    origin = pts[0] if pts else None

    # -- the annotated video, drawn and encoded in its own thread ------------------------------
    render_q: queue.Queue = queue.Queue(maxsize=8)
    render_err: list[BaseException] = []

    def render_loop(writer: AnnotatedWriter) -> None:
        try:
            while True:
                item = render_q.get()
                if item is None:
                    break
                if render_err:
                    continue
                rgb, frame = item
                writer.write(draw(rgb, frame), frame.timestamp_ms)
            writer.close()
        except BaseException as exc:  # noqa: BLE001
            render_err.append(exc)
            while render_q.get() is not None:
                pass

    frames: list[FrameResult] = []
    segments = []
    state = {"last_t": -1.0}
    posed = _Counter()

    def emit(index: int, t_ms: float, dets, rgb, height: int, width: int) -> None:
        t = max(t_ms, state["last_t"] + 0.001)
        state["last_t"] = t
        labels = actions.process(t, dets)
        frame = FrameResult(frame_index=index, timestamp_ms=round(t, 3), width=width, height=height,
                            persons=[d.to_schema(a) for d, a in zip(dets, labels)])
        frames.append(frame)
        segments.extend(actions.drain_segments())
        if rgb is not None and renderer is not None:
            render_q.put((rgb, frame))
        m.frames.labels("job").inc()
        done = posed.n + len(frames)
        ctx.progress(99.0 * done / (2 * total), len(frames))

    renderer = None
    if render:
        writer = AnnotatedWriter(tmp_video, src["width"], src["height"], fps / stride)
        renderer = threading.Thread(target=render_loop, args=(writer,), name=f"render-{job.id[:8]}", daemon=True)
        renderer.start()
    background = [
        _ChunkPoser(st, video_in, stride, fps, a, b, pts[a], origin, raw, posed) for a, b in chunks[1:]
    ]
    m.jobs_running.inc()
    t_start = time.perf_counter()
    ok = False
    try:
        for w in background:
            w.start()
        a0, b0 = chunks[0]
        with st.backend.session(raw=raw) as session:
            for f in prefetch(iter_frames(video_in, stride, fps, a0, b0, None, origin)):
                ctx.check()
                t0 = time.perf_counter()
                dets = session.process(f.rgb, f.timestamp_ms)
                m.inference.observe(time.perf_counter() - t0)
                posed.add()
                emit(f.index, f.timestamp_ms, dets, f.rgb, *f.rgb.shape[:2])
        for w in background:
            while w.is_alive():
                ctx.check()
                w.join(0.1)
            if w.error is not None:
                raise w.error
            if renderer is not None:                 # decode the chunk again, for drawing
                for f in prefetch(iter_frames(video_in, stride, fps, w.start_i, w.end_i, w.start_pts, origin)):
                    ctx.check()
                    dets = w.results.pop(f.index, (0.0, []))[1]
                    emit(f.index, f.timestamp_ms, dets, f.rgb, *f.rgb.shape[:2])
            else:
                for index in sorted(w.results):
                    t_ms, dets = w.results.pop(index)
                    emit(index, t_ms, dets, None, src["height"], src["width"])
        ok = True
    finally:
        for w in background:
            w.stop.set()
        for w in background:
            w.join(10)
        if renderer is not None:
            render_q.put(None)
            renderer.join()
        m.jobs_running.dec()
        if not ok:
            tmp_video.unlink(missing_ok=True)
    if not frames:
        raise MediaError("the video has no decodable frames")
    segments.extend(actions.finish(state["last_t"]))
    elapsed = time.perf_counter() - t_start
    if render_err:
        tmp_video.unlink(missing_ok=True)
        raise RuntimeError(f"writing the annotated video failed: {render_err[0]}")
    if renderer is not None:
        os.replace(tmp_video, job_dir / "annotated.mp4")
    result = J.analysis(frames, segments, src, st.backend.name, actions.model_name)
    J.write_results(job_dir, result)
    if not s.keep_uploads:
        video_in.unlink(missing_ok=True)
    duration_s = src["duration_ms"] / 1000.0
    ctx.finish({
        **({"restarts": job.stats["restarts"]} if job.stats.get("restarts") else {}),
        "frames": len(frames), "seconds": round(elapsed, 3),
        "realtime_factor": round(duration_s / elapsed, 3) if elapsed > 0 else None,
        "frame_stride": stride, "pose_chunks": len(chunks), "classifier": actions.status,
        "segments": len(segments),
    })

