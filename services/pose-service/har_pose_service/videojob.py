"""One video job, from the uploaded file to result.json, keypoints.csv and annotated.mp4.

The pose model is the slow part. For a back end that follows one person per session
(``multi_person = False``), the video is cut into contiguous chunks posed by parallel sessions
(``job_pose_workers``; MediaPipe runs on one core, so two sessions use both): the first chunk goes
straight through, the others are posed in the background and then, in order, fed through the same
frames-to-actions pipeline, so labels and segments are exactly as if one session had run. A
multi-person back end runs in one piece, since its tracker must see every frame in order.

Frames are decoded ahead in a thread, so decoding does not hold the model back. Once every frame
is posed, each label is decided again from the windows around it (``labels="centred"``, the
default; :mod:`har_common.pose.centred`), and only then is the annotated video drawn, so that it
shows the labels of the result: the video is decoded a second time, drawn and encoded in another
thread. A background chunk keeps only its detections: the person crops of ``kinetics`` are made in
multi-person jobs, which run in one piece.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import TYPE_CHECKING

from har_common.pose.backend import left_out
from har_common.schemas import FrameResult, LostFrames, Notice, UnlabelledSpan

from .actions import SyncActions
from .decoder import DecodeLog, frame_times, iter_frames, prefetch, time_base
from .media import MediaError
from .render import AnnotatedWriter, draw
from .results import analysis, write_results
from .runner import JobContext
from .scene import explain, sampler_for_job, unavailable_notice
from .store import JobRecord

if TYPE_CHECKING:  # pragma: no cover
    from .state import ServiceState

MIN_CHUNK_FRAMES = 60


class _ChunkPoser(threading.Thread):
    """Poses frames ``[start, end)`` with its own session, keeping only the detections."""

    def __init__(self, run: _VideoJob, start: int, end: int | None):
        super().__init__(name=f"pose-chunk-{start}", daemon=True)
        self.run_, self.st = run, run.st
        self.start_i, self.end_i, self.start_pts = start, end, run.pts[start]
        # frame index -> (timestamp_ms, detections, displayed (height, width))
        self.results: dict[int, tuple[float, list, tuple[int, int]]] = {}
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with self.st.backend.session(raw=self.run_.raw) as session:
                for f in self.run_.frames_of(self.start_i, self.end_i, self.start_pts):
                    if self.stop.is_set():
                        return
                    t0 = time.perf_counter()
                    dets = session.process(f.rgb, f.timestamp_ms)
                    if self.run_.scene is not None:
                        self.run_.scene.frame(self.start_i, f.index, f.timestamp_ms, f.rgb)
                    self.results[f.index] = (f.timestamp_ms, dets, (f.height, f.width))
                    self.st.metrics.inference.observe(time.perf_counter() - t0)
                    self.run_.posed.add()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the job thread
            self.error = exc


class _Counter:
    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.n += 1


class _Renderer:
    """Draws and encodes the annotated video in its own thread, fed through a bounded queue; the
    first error is kept and the rest of the queue drained, so the job thread never blocks on it."""

    def __init__(self, path, width: int, height: int, fps: float, name: str, threads: int = 1):
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(
            target=self._loop, args=(AnnotatedWriter(path, width, height, fps, threads=threads),), name=name, daemon=True
        )
        self.thread.start()

    def _loop(self, writer: AnnotatedWriter) -> None:
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    break
                if self.errors:
                    continue
                rgb, frame = item
                writer.write(draw(rgb, frame), frame.timestamp_ms)
            writer.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the job thread
            self.errors.append(exc)
            while self.queue.get() is not None:
                pass

    def put(self, rgb, frame: FrameResult) -> None:
        self.queue.put((rgb, frame))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _plan_chunks(
    st: ServiceState, pts: list[int] | None, frame_count: int, stride: int
) -> tuple[list[tuple[int, int | None]], int]:
    """The chunks ``[(first frame, end or None)]`` to pose in parallel (one when the time stamps of
    the frames are unknown), and the number of frames to analyse."""
    workers = 1 if st.backend.multi_person else max(1, st.settings.job_pose_workers)
    n_frames = len(pts) if pts else frame_count
    total = max(1, -(-n_frames // stride))
    chunks: list[tuple[int, int | None]] = [(0, None)]
    if pts and workers > 1 and len(pts) >= workers * MIN_CHUNK_FRAMES:
        bounds = [round(len(pts) * c / workers / stride) * stride for c in range(workers + 1)]
        bounds[-1] = len(pts)
        chunks = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    return chunks, total


def _nobody_found(st: ServiceState) -> str:
    """What to do when a video job found nobody: a back end may say it better (``nobody_found_hint``)."""
    hint = getattr(st.backend, "nobody_found_hint", None) or (
        "make sure the people are in view, lit and not cut off by the frame's edges"
    )
    return f"nobody was found in any frame of the video: {hint}."


class _VideoJob:
    """The state of one job's run: options, the label driver, the frames and segments so far."""

    def __init__(self, st: ServiceState, job: JobRecord, ctx: JobContext):
        self.st, self.job, self.ctx, self.m = st, job, ctx, st.metrics
        opts, self.src = job.options, job.source
        self.stride, self.raw = int(opts.get("stride", 1)), bool(opts.get("raw", False))
        self.fps = float(self.src["fps"])
        self.render = bool(opts.get("render", st.settings.render_video))
        self.max_pixels = st.settings.max_video_pixels
        self.actions = SyncActions(
            st.classifier,
            st.config,
            enabled=bool(opts.get("actions", True)),
            model=opts.get("model"),
            centred=opts.get("labels", "centred") == "centred",
        )
        self.video_in, self.tmp_video = ctx.dir / "input", ctx.dir / ".annotated.tmp.mp4"
        self.frames: list[FrameResult] = []
        self.segments: list = []
        self.unlabelled: list[UnlabelledSpan] = []
        self.last_t = -1.0
        self.posed = _Counter()
        self.total = 1
        self.units = 1  # of progress: posing and emitting each frame, and drawing it when rendering
        # every frame's presentation time (demuxing only): frame indices, chunk bounds, lost frames
        self.pts = frame_times(self.video_in)
        self.origin = self.pts[0] if self.pts else None
        self.log = DecodeLog()
        self.sizes: set[tuple[int, int]] = set()
        multi = st.backend.multi_person
        self.scene = sampler_for_job(st.settings, self.fps, self.stride, multi) if opts.get("kinetics") else None

    def frames_of(self, start: int, end: int | None, start_pts: int | None, log: DecodeLog | None = None):
        """The decoded frames ``[start, end)`` of the video (see :func:`~.decoder.iter_frames`), what
        the decoder read noted in the job's log (or ``log``)."""
        return iter_frames(
            self.video_in,
            self.stride,
            self.fps,
            start,
            end,
            start_pts,
            self.origin,
            self.max_pixels,
            pts=self.pts,
            log=log or self.log,
        )

    def emit(self, index: int, t_ms: float, dets, rgb, height: int, width: int) -> None:
        """One posed frame, in video order, through the frames-to-actions pipeline (``rgb`` for the
        person crops of ``kinetics``; None from a background chunk)."""
        t = max(t_ms, self.last_t + 0.001)
        self.last_t = t
        labels = self.actions.process(t, dets)
        frame = FrameResult(
            frame_index=index,
            timestamp_ms=round(t, 3),
            width=width,
            height=height,
            persons=[d.to_schema(a) for d, a in zip(dets, labels)],
            persons_left_out=left_out(dets),
        )
        self.sizes.add((width, height))
        if self.scene is not None:
            self.scene.persons(index, t, rgb, frame.persons)
        self.frames.append(frame)
        self.segments.extend(self.actions.drain_segments())
        self.unlabelled.extend(self.actions.drain_unlabelled())
        self.m.frames.labels("job").inc()
        self.ctx.progress(99.0 * (self.posed.n + len(self.frames)) / self.units, len(self.frames))

    def pose_in_line(self, start: int, end: int | None) -> None:
        """The first chunk: posed here, frame by frame, each emitted at once."""
        with self.st.backend.session(raw=self.raw) as session:
            for f in prefetch(self.frames_of(start, end, None)):
                self.ctx.check()
                t0 = time.perf_counter()
                dets = session.process(f.rgb, f.timestamp_ms)
                self.m.inference.observe(time.perf_counter() - t0)
                if self.scene is not None:
                    self.scene.frame(start, f.index, f.timestamp_ms, f.rgb)
                self.posed.add()
                self.emit(f.index, f.timestamp_ms, dets, f.rgb, f.height, f.width)

    def take_chunk(self, w: _ChunkPoser) -> None:
        """A background chunk once posed, emitted in order."""
        while w.is_alive():
            self.ctx.check()
            w.join(0.1)
        if w.error is not None:
            raise w.error
        for index in sorted(w.results):
            self.ctx.check()
            t_ms, dets, (height, width) = w.results.pop(index)
            self.emit(index, t_ms, dets, None, height, width)

    def pose_all(self) -> int:
        """Every chunk posed and emitted; returns the number of chunks. On any failure the helper
        threads stop."""
        chunks, self.total = _plan_chunks(self.st, self.pts, int(self.src["frame_count"]), self.stride)
        self.units = self.total * (3 if self.render else 2)
        background = [_ChunkPoser(self, a, b) for a, b in chunks[1:]]
        self.m.jobs_running.inc()
        ok = False
        try:
            for w in background:
                w.start()
            self.pose_in_line(*chunks[0])
            for w in background:
                self.take_chunk(w)
            ok = True
        finally:
            for w in background:
                w.stop.set()
            for w in background:
                w.join(10)
            self.m.jobs_running.dec()
            if not ok and self.scene is not None:
                self.scene.abort()
        return len(chunks)

    def label(self) -> None:
        """The segments closed; with centred labels, every label decided again and the segments
        and ``uncertain`` spans cut from the new labels."""
        self.segments.extend(self.actions.finish(self.last_t))
        self.unlabelled.extend(self.actions.drain_unlabelled())
        centred = self.actions.relabel(self.frames)
        if centred is not None:
            self.segments, self.unlabelled = centred

    def draw_all(self) -> None:
        """The annotated video with the final labels: the video decoded again, each analysed frame
        drawn and encoded in the renderer's thread. A failure removes the half-written file."""
        analysed = {f.frame_index: f for f in self.frames}
        renderer = _Renderer(
            self.tmp_video,
            self.src["width"],
            self.src["height"],
            self.fps / self.stride,
            name=f"render-{self.job.id[:8]}",
            threads=2,  # posing is over: the encoder may use both cores of a laptop
        )
        drawn, ok = 0, False
        try:
            # a log of its own: damaged packets were counted once already, by the posing pass
            for f in prefetch(self.frames_of(0, None, None, DecodeLog())):
                self.ctx.check()
                frame = analysed.get(f.index)
                if frame is None:  # not analysed the first time (damaged then): nothing to draw
                    continue
                renderer.put(f.rgb, frame)
                drawn += 1
                self.ctx.progress(99.0 * (2 * self.total + drawn) / self.units, len(self.frames))
            ok = True
        finally:
            renderer.close()
            if not ok or renderer.errors:
                self.tmp_video.unlink(missing_ok=True)
        if renderer.errors:
            raise RuntimeError(f"writing the annotated video failed: {renderer.errors[0]}")
        os.replace(self.tmp_video, self.ctx.dir / "annotated.mp4")

    def notices(self, lost: list[LostFrames]) -> list[Notice]:
        """What the user should know about this result, each with what to do."""
        out = []
        if lost:
            n = sum(r.count for r in lost)
            out.append(
                Notice(
                    code="frames_lost",
                    message=f"{n} frame(s) could not be decoded (damaged data) in {len(lost)} place(s): they have no "
                    "poses or labels; the rest of the video was analysed. Re-export or re-record the video to recover them.",
                )
            )
        if len(self.sizes) > 1:
            w, h = self.src["width"], self.src["height"]
            out.append(
                Notice(
                    code="size_changed",
                    message=f"the picture size changes during the video ({len(self.sizes)} sizes): each frame's keypoints "
                    f"are in that frame's own pixels (see each frame's width and height); the annotated video is {w}x{h}.",
                )
            )
        down = [u for u in self.unlabelled if u.reason == "classifier_unavailable"]
        if down:
            seconds = sum(u.end_ms - u.start_ms for u in down) / 1000.0
            out.append(
                Notice(
                    code="classifier_unavailable",
                    message=f"the classifier did not answer for {seconds:.1f} s of people's time ({len(down)} range(s), "
                    "listed in unlabelled): those frames say uncertain. Check that the classifier runs, then analyse "
                    "the video again.",
                )
            )
        if self.scene is not None and unavailable_notice(self.scene):
            out.append(Notice(code="kinetics_unavailable", message=unavailable_notice(self.scene)))
        if not any(f.persons for f in self.frames):
            out.append(Notice(code="nobody_found", message=_nobody_found(self.st)))
        elif any(f.persons_left_out for f in self.frames):
            most = max(f.persons_left_out for f in self.frames)
            out.append(
                Notice(
                    code="people_left_out",
                    message=f"some frames had more people than the service returns per frame (up to {most} left out "
                    "in one frame; see each frame's persons_left_out): raise the service's limit of people per frame.",
                )
            )
        return out

    def write(self, elapsed: float, chunks: int) -> None:
        """result.json, keypoints.csv and annotated.mp4 in place; the job done with its figures."""
        if self.actions.client is not None and self.actions.model_name is None and any(f.persons for f in self.frames):
            # the classifier never answered: nobody got a label at all
            self.unlabelled.append(
                UnlabelledSpan(start_ms=self.frames[0].timestamp_ms, end_ms=self.last_t, reason="classifier_unavailable")
            )
        lost = self.log.lost(self.pts, self.origin, time_base(self.video_in))
        timing = "centred" if self.actions.centred else "causal"
        result = analysis(self.frames, self.segments, self.src, self.st.backend.name, self.actions.model_name, timing)
        if self.scene is not None:
            result.scene, result.models.kinetics = self.scene.finish(), self.scene.model_name
            for s in [*result.segments, *self.unlabelled]:
                if getattr(s, "label", "uncertain") in ("other", "uncertain"):
                    s.kinetics = explain(result.scene, s.track_id, s.start_ms, s.end_ms)
        result.lost_frames, result.notices = lost, self.notices(lost)
        result.unlabelled = sorted(self.unlabelled, key=lambda u: (u.track_id is not None, u.track_id or 0, u.start_ms))
        write_results(self.ctx.dir, result)
        if not self.st.settings.keep_uploads:
            self.video_in.unlink(missing_ok=True)
        duration_s = self.src["duration_ms"] / 1000.0
        restarts = self.job.stats.get("restarts")
        self.ctx.finish(
            {
                **({"restarts": restarts} if restarts else {}),
                "frames": len(self.frames),
                **({"frames_lost": sum(r.count for r in lost)} if lost else {}),
                "seconds": round(elapsed, 3),
                "realtime_factor": round(duration_s / elapsed, 3) if elapsed > 0 else None,
                "frame_stride": self.stride,
                "pose_chunks": chunks,
                "classifier": self.actions.status,
                "segments": len(self.segments),
            }
        )


def run_video_job(st: ServiceState, job: JobRecord, ctx: JobContext) -> None:
    """Pose, label and write one job (the job runner's ``process``); raises on a bad video, a
    cancellation (:class:`~.runner.Cancelled`) or a failed write, which the runner records."""
    run = _VideoJob(st, job, ctx)
    # a classifier that is still starting (as after a restart of the stack) is waited for, bounded,
    # so that the job's frames get labels instead of running through unlabelled
    run.actions.wait_for_model(st.settings.job_classifier_wait_s, ctx.check)
    t_start = time.perf_counter()
    chunks = run.pose_all()
    if not run.frames:
        raise MediaError("no frame of the video could be decoded: the file is damaged or its codec is not supported")
    run.label()
    if run.render:
        run.draw_all()
    run.write(time.perf_counter() - t_start, chunks)
