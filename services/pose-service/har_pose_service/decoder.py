"""Video in, with PyAV: probing before a job, and decoding every frame as a player shows it.

- Orientation: phones store frames sideways and tag the stream with a display matrix; every frame
  is turned (and mirrored) the way FFmpeg's own command line does it (``fftools/ffmpeg_filter.c``,
  autorotate), so sizes, keypoints and the annotated video are upright.
- Damage: a packet the decoder cannot read is skipped and decoding goes on; the frames lost are
  recorded (:class:`DecodeLog`) so the result can say how many and where. Only a video with no
  decodable frame at all fails.
- Size changes: each frame keeps its own size; a frame over the pixel limit stops the job before it
  is converted (a video may grow after its first frame).

Decoding never trusts the upload's name or extension: the container is probed by content.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from har_common.schemas import LostFrames, SourceInfo

from .media import MediaError, TooLong, check_pixels

# Containers accepted, as FFmpeg names what it finds in the bytes (mp4/mov, avi, mkv/webm).
CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2", "avi", "matroska,webm"}
MAX_FPS = 100_000.0  # a declared rate past this is nonsense; the rate is then taken from the time stamps


@dataclass(frozen=True)
class Orientation:
    """How stored frames are turned for display: ``rotation`` degrees counter-clockwise (FFmpeg's
    convention, and PyAV's ``VideoFrame.rotation``: a phone held upright records 90), then mirrored
    left to right when ``mirrored``. The eight combinations are every display matrix a player honours.

    Example:
        >>> a = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
        >>> Orientation(90).apply(a)[..., 0].tolist()
        [[2, 5], [1, 4], [0, 3]]
        >>> Orientation(270, mirrored=True).apply(a)[..., 0].tolist() == a[..., 0].T.tolist()
        True
    """

    rotation: int = 0
    mirrored: bool = False

    @classmethod
    def from_display_matrix(cls, m: np.ndarray) -> Orientation:
        """From FFmpeg's 3x3 display matrix (9 int32 in ``AV_PKT_DATA_DISPLAYMATRIX`` layout), with
        the choices of FFmpeg's command line: 90 and 270 become a transpose (with a flip where the
        matrix mirrors), 180 and 0 a horizontal and/or vertical flip. Angles between quarter turns
        snap to the nearest one. A matrix with no scale gives the identity."""
        m = np.asarray(m, dtype=np.float64).reshape(-1)
        s0, s1 = math.hypot(m[0], m[3]), math.hypot(m[1], m[4])
        if s0 == 0 or s1 == 0:
            return cls()
        # av_display_rotation_get(): counter-clockwise degrees; the command line turns it clockwise
        ccw = -math.degrees(math.atan2(m[1] / s1, m[0] / s0))
        theta = (-round(ccw)) % 360
        quarter = round(theta / 90) % 4
        # (in counter-clockwise turns; the command line names its transposes clockwise or not)
        if quarter == 1:  # transpose "cclock_flip" when m[3] > 0, else "clock"
            return cls(270, mirrored=m[3] > 0)
        if quarter == 3:  # transpose "clock_flip" when m[3] < 0, else "cclock"
            return cls(90, mirrored=m[3] < 0)
        hflip, vflip = (m[0] < 0, m[4] < 0) if quarter == 2 else (False, m[4] < 0)
        if hflip and vflip:
            return cls(180)
        if vflip:  # a vertical flip is a half turn then a horizontal one
            return cls(180, mirrored=True)
        return cls(0, mirrored=hflip)

    @classmethod
    def of(cls, frame) -> Orientation:
        """The orientation of a decoded PyAV frame, from its display-matrix side data (none: upright)."""
        side = frame.side_data.get("DISPLAYMATRIX")
        if side is None:
            return cls()
        return cls.from_display_matrix(np.frombuffer(bytes(side), dtype=np.int32)[:9])

    @property
    def swaps_axes(self) -> bool:
        return self.rotation in (90, 270)

    def size(self, width: int, height: int) -> tuple[int, int]:
        """The displayed ``(width, height)`` of a stored frame of ``width`` x ``height``."""
        return (height, width) if self.swaps_axes else (width, height)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """A stored ``(H, W, C)`` frame as displayed (a contiguous copy where it changes)."""
        if self.rotation == 0 and not self.mirrored:
            return image
        out = np.rot90(image, k=self.rotation // 90)
        if self.mirrored:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)


@dataclass
class VideoProbe:
    width: int  # as displayed
    height: int
    fps: float
    frame_count: int
    duration_ms: float
    codec: str
    rotation: int = 0
    mirrored: bool = False

    def source(self, filename: str | None) -> SourceInfo:
        """The analysis' ``source`` block for this video, under its display name."""
        return SourceInfo(
            filename=filename,
            width=self.width,
            height=self.height,
            fps=self.fps,
            frame_count=self.frame_count,
            duration_ms=self.duration_ms,
            rotation=self.rotation,
            mirrored=self.mirrored,
        )


def _open(path: Path):
    import av

    try:
        return av.open(str(path), mode="r", options={"probesize": "5000000"})
    except Exception as exc:  # noqa: BLE001 - any open failure is the file's fault
        raise MediaError(
            f"not a readable video, or truncated ({type(exc).__name__}): check that the upload finished, "
            "or export the video again as MP4"
        ) from None


def probe_video(path: Path, max_duration_s: float, max_pixels: int) -> VideoProbe:
    """Check a video before any frame is decoded for the job.

    Order: container and video stream exist, the declared duration is within the limit (422 before
    decoding), dimensions are sane, every packet is demuxed (cheap, no decoding) to find files cut
    short, and a frame decodes (the first that can: damage at the start is survived like anywhere).

    Raises:
        TooLong: over ``max_duration_s``.  MediaError: anything else wrong with the file.
    """
    with _open(path) as container:
        if container.format.name not in CONTAINERS:
            raise MediaError(f"not an mp4, avi, mov, webm or mkv video (found {container.format.name})")
        streams = container.streams.video
        if not streams:
            raise MediaError("the file has no video stream")
        stream = streams[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        duration_s = _declared_duration(container, stream, fps)
        if duration_s is not None and duration_s > max_duration_s:
            raise TooLong(f"the video lasts {duration_s:.1f} s, over the limit of {max_duration_s:g} s")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width <= 0 or height <= 0 or width * height > max_pixels:
            raise MediaError(f"unsupported frame size {width}x{height}")
        codec = stream.codec_context.name
        packets, span_s = _count_packets(container, stream, path.stat().st_size, max_duration_s)
        declared = stream.frames or 0
        if declared and packets < 0.98 * declared:
            raise MediaError(f"the video is truncated ({packets} of {declared} frames present)")
    if not (0 < fps <= MAX_FPS) or not math.isfinite(fps):
        # no usable declared rate: the time stamps say it (frames over the time they span)
        fps = (packets - 1) / span_s if packets > 1 and span_s > 0 else 30.0
    orientation, (width, height) = _first_frame(path, max_pixels)
    if duration_s is None:
        duration_s = packets / fps
    return VideoProbe(
        width=width,
        height=height,
        fps=fps,
        frame_count=declared or packets,
        duration_ms=duration_s * 1000.0,
        codec=codec,
        rotation=orientation.rotation,
        mirrored=orientation.mirrored,
    )


def _declared_duration(container, stream, fps: float) -> float | None:
    """Seconds, from the stream's header, else the container's, else the declared frame count."""
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    if stream.frames and fps > 0:
        return stream.frames / fps
    return None


def _count_packets(container, stream, file_size: int, max_duration_s: float) -> tuple[int, float]:
    """Demux every packet (no decoding): a packet past the end of the file means a truncated file,
    a time stamp past the limit a video longer than its header says. Returns the number of packets
    and the seconds between the first and last time stamps."""
    import av

    packets, first_ts, last_ts = 0, None, 0.0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > file_size:
                raise MediaError("the video is truncated: the upload or the recording was cut short")
            packets += 1
            if packet.pts is not None and packet.time_base:
                ts = float(packet.pts * packet.time_base)
                first_ts = ts if first_ts is None else min(first_ts, ts)
                last_ts = max(last_ts, ts)
                if last_ts - first_ts > max_duration_s:
                    raise TooLong(f"the video lasts over the limit of {max_duration_s:g} s")
    except av.FFmpegError as exc:
        raise MediaError(f"the video's container is damaged ({exc.__class__.__name__}): export it again as MP4") from None
    if packets == 0:
        raise MediaError("the video has no frames")
    return packets, last_ts - (first_ts or 0.0)


def _first_frame(path: Path, max_pixels: int) -> tuple[Orientation, tuple[int, int]]:
    """The orientation and displayed size of the first frame that decodes."""
    for f in iter_frames(path, max_pixels=max_pixels, convert=False):
        return f.orientation, (f.width, f.height)
    raise MediaError("no frame of the video could be decoded: the file is damaged or its codec is not supported")


@dataclass
class DecodedFrame:
    index: int
    timestamp_ms: float
    rgb: np.ndarray | None  # (H, W, 3) uint8 as displayed; None when not converted
    width: int  # as displayed
    height: int
    orientation: Orientation = Orientation()


@dataclass
class DecodeLog:
    """What a job's decoders read: the presentation times decoded, and packets that failed where
    the time stamps are unknown. Shared by the threads decoding one video (set updates hold the GIL)."""

    decoded: set[int] = field(default_factory=set)
    failed_packets: list[tuple[int, float]] = field(default_factory=list)  # (last index decoded, its ms)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, last_index: int, last_ms: float) -> None:
        """A packet that could not be decoded, after frame ``last_index`` (at ``last_ms``)."""
        with self._lock:
            self.failed_packets.append((last_index, last_ms))

    def lost(self, pts: list[int] | None, origin: int | None, time_base: Fraction) -> list[LostFrames]:
        """Runs of frames lost, in video order: from the time stamps every packet declares
        (``pts``, sorted) where they are known, else one run per failed packet."""
        if pts is None:
            with self._lock:
                failed = sorted(self.failed_packets)
            return [LostFrames(after_frame_index=i if i >= 0 else None, start_ms=max(t, 0.0), count=1) for i, t in failed]
        runs: list[LostFrames] = []
        base = pts[0] if origin is None else origin
        last_decoded: int | None = None  # index of the last decoded frame so far
        in_run = False
        for i, p in enumerate(pts):
            if p in self.decoded:
                last_decoded, in_run = i, False
            elif in_run:
                runs[-1].count += 1
            else:
                start_ms = max(float((p - base) * time_base) * 1000.0, 0.0)
                runs.append(LostFrames(after_frame_index=last_decoded, start_ms=start_ms, count=1))
                in_run = True
        return runs


def time_base(path: Path) -> Fraction:
    with _open(path) as container:
        return container.streams.video[0].time_base or Fraction(1, 1000)


def iter_frames(
    path: Path,
    stride: int = 1,
    fps: float = 30.0,
    start: int = 0,
    end: int | None = None,
    start_pts: int | None = None,
    origin_pts: int | None = None,
    max_pixels: int | None = None,
    pts: list[int] | None = None,
    log: DecodeLog | None = None,
    convert: bool = True,
) -> Iterator[DecodedFrame]:
    """Decode every ``stride``-th frame as displayed RGB, skipping packets the decoder cannot read
    (recorded in ``log``). A frame over ``max_pixels`` ends the iteration with :class:`MediaError`,
    checked on every frame before it is converted.

    Frame indices are positions in the video: with ``pts`` (every frame's presentation time, see
    :func:`frame_times`) a frame's index is the position of its time stamp, so frames lost to damage
    leave a gap; without, decoded frames are counted. A chunk: ``start``/``end`` frame indices,
    ``start_pts`` the presentation time of frame ``start`` (seeks there) and ``origin_pts`` that of
    frame 0 (timestamps count from it).
    """
    import av

    position = {p: i for i, p in enumerate(pts)} if pts else None
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base or Fraction(1, 1000)
        state = {"origin": origin_pts, "index": start - 1, "t_ms": 0.0}
        try:
            if start_pts is not None and start > 0:
                container.seek(start_pts, stream=stream, backward=True, any_frame=False)
        except av.FFmpegError:
            raise MediaError("the video could not be read from the middle: export it again as MP4") from None

        def decoded() -> Iterator:
            for packet in container.demux(stream):
                try:
                    yield from packet.decode()
                except av.FFmpegError:  # damaged data: skip the packet, keep decoding
                    if log is not None:
                        log.failed(state["index"], state["t_ms"])

        for frame in decoded():
            if start_pts is not None and frame.pts is not None and frame.pts < start_pts:
                continue
            if position is not None and frame.pts in position:
                state["index"] = position[frame.pts]
            else:
                state["index"] += 1
            index = state["index"]
            if end is not None and index >= end:
                return
            if log is not None and frame.pts is not None:
                log.decoded.add(frame.pts)
            if frame.pts is not None:
                if state["origin"] is None:
                    state["origin"] = frame.pts
                t_ms = float((frame.pts - state["origin"]) * tb) * 1000.0
            else:
                t_ms = index * 1000.0 / fps
            state["t_ms"] = t_ms
            check_pixels(frame.width, frame.height, max_pixels, f"frame {index}")
            if index % stride:
                continue
            orientation = Orientation.of(frame)
            width, height = orientation.size(frame.width, frame.height)
            rgb = orientation.apply(frame.to_ndarray(format="rgb24")) if convert else None
            yield DecodedFrame(index, max(t_ms, 0.0), rgb, width, height, orientation)


def frame_times(path: Path) -> list[int] | None:
    """Presentation times of every video frame, in order (demuxing only); None when the container
    does not give them all."""
    with _open(path) as container:
        stream = container.streams.video[0]
        pts = []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pts is None:
                return None
            pts.append(packet.pts)
    pts.sort()
    return pts if len(set(pts)) == len(pts) else None


def prefetch(frames: Iterator[DecodedFrame], depth: int = 6) -> Iterator[DecodedFrame]:
    """Decode ahead in a thread (PyAV releases the GIL while decoding), so that decoding runs on
    another core while the pose model works on the previous frame. Errors come out in order."""
    import queue

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def run() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(end)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None and stop.is_set():
                close()

    t = threading.Thread(target=run, name="decode", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        t.join(timeout=5)
