"""Images in, video probing and decoding (PyAV), with the checks the API promises.

Decoding never trusts the upload's name or extension: the container is probed by content.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

VIDEO_EXTENSIONS = {".mp4", ".avi", ".mov", ".webm", ".mkv"}
# Containers accepted, as FFmpeg names what it finds in the bytes (mp4/mov, avi, mkv/webm).
CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2", "avi", "matroska,webm"}


class MediaError(ValueError):
    """Bad input: the message is safe to show to the client."""


class TooLong(MediaError):
    pass


def image_size(data: bytes | bytearray | memoryview) -> tuple[int, int]:
    """``(width, height)`` from the image's header, read by Pillow, which stops at the header and
    decodes nothing.

    Raises:
        MediaError: Pillow cannot read the header (a size nobody can read is a size nobody can check).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 M pixels; this service's own limit (checked by the caller) decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("JPEG", "PNG"):
                    raise MediaError("not a JPEG or PNG image")
                return img.size
    except Image.DecompressionBombError as exc:
        # Pillow refuses past its own bound (about 179 M pixels) as soon as it has read the size
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        raise MediaError(
            f"the image is over the limit of pixels: its header claims {claimed.group(1) if claimed else 'too many'} pixels"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise MediaError("the image's size cannot be read from its header") from None


def check_pixels(width: int, height: int, max_pixels: int | None, what: str = "the image") -> None:
    """:class:`MediaError` for a size below one pixel or over ``max_pixels``."""
    if width < 1 or height < 1:
        raise MediaError(f"unsupported size {width}x{height} of {what}")
    if max_pixels is not None and width * height > max_pixels:
        raise MediaError(f"{what} is {width}x{height} pixels, over the limit of {max_pixels} pixels")


def decode_image(data: bytes | bytearray | memoryview, max_pixels: int | None = None) -> np.ndarray:
    """JPEG or PNG bytes to RGB uint8 ``(H, W, 3)``; :class:`MediaError` on anything else, and on
    images over ``max_pixels``: the size is read from the header before anything is decoded (a
    small file can claim gigabytes of pixels), an image whose header cannot be read is refused, and
    the decoded size is checked again."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size < 8 or not (bytes(buf[:3]) == b"\xff\xd8\xff" or bytes(buf[:8]) == b"\x89PNG\r\n\x1a\n"):
        raise MediaError("not a JPEG or PNG image")
    check_pixels(*image_size(data), max_pixels)
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error:  # e.g. OpenCV's own size cap
        raise MediaError("the image could not be decoded") from None
    if img is None or img.ndim != 3 or img.shape[0] < 1 or img.shape[1] < 1:
        raise MediaError("the image could not be decoded")
    check_pixels(img.shape[1], img.shape[0], max_pixels)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


@dataclass
class VideoProbe:
    width: int
    height: int
    fps: float
    frame_count: int
    duration_ms: float
    codec: str


def _open(path: Path):
    import av

    try:
        return av.open(str(path), mode="r", options={"probesize": "5000000"})
    except Exception as exc:  # noqa: BLE001 - any open failure is the file's fault
        raise MediaError(f"not a readable video, or truncated ({type(exc).__name__})") from None


def probe_video(path: Path, max_duration_s: float, max_pixels: int) -> VideoProbe:
    """Check a video before any frame is decoded for the job.

    Order: container and video stream exist, the declared duration is within the limit (422 before
    decoding), dimensions are sane, every packet is demuxed (cheap, no decoding) to find files cut
    short, and the first frame decodes.

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
        if not (0 < fps <= 1000) or not math.isfinite(fps):
            fps = 30.0
        duration_s = _declared_duration(container, stream, fps)
        if duration_s is not None and duration_s > max_duration_s:
            raise TooLong(f"the video lasts {duration_s:.1f} s, over the limit of {max_duration_s:g} s")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width <= 0 or height <= 0 or width * height > max_pixels:
            raise MediaError(f"unsupported frame size {width}x{height}")
        codec = stream.codec_context.name
        packets = _count_packets(container, stream, path.stat().st_size, max_duration_s)
        declared = stream.frames or 0
        if declared and packets < 0.98 * declared:
            raise MediaError(f"the video is truncated ({packets} of {declared} frames present)")
    width, height = _first_frame_size(path)
    if duration_s is None:
        duration_s = packets / fps
    return VideoProbe(
        width=width, height=height, fps=fps, frame_count=declared or packets, duration_ms=duration_s * 1000.0, codec=codec
    )


def _declared_duration(container, stream, fps: float) -> float | None:
    """Seconds, from the stream's header, else the container's, else the declared frame count."""
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    if stream.frames:
        return stream.frames / fps
    return None


def _count_packets(container, stream, file_size: int, max_duration_s: float) -> int:
    """Demux every packet (no decoding): a packet past the end of the file means a truncated file,
    a time stamp past the limit a video longer than its header says."""
    import av

    packets, last_ts = 0, 0.0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > file_size:
                raise MediaError("the video is truncated")
            packets += 1
            if packet.pts is not None and packet.time_base:
                last_ts = max(last_ts, float(packet.pts * packet.time_base))
                if last_ts > max_duration_s:
                    raise TooLong(f"the video lasts over the limit of {max_duration_s:g} s")
    except av.FFmpegError as exc:
        raise MediaError(f"the video is damaged ({exc.__class__.__name__})") from None
    if packets == 0:
        raise MediaError("the video has no frames")
    return packets


def _first_frame_size(path: Path) -> tuple[int, int]:
    """The first frame decodes: its width and height."""
    with _open(path) as container:
        try:
            first = next(container.decode(video=0), None)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's fault
            raise MediaError(f"the video could not be decoded ({type(exc).__name__})") from None
        if first is None:
            raise MediaError("the video could not be decoded")
        return first.width, first.height


@dataclass
class DecodedFrame:
    index: int
    timestamp_ms: float
    rgb: np.ndarray


def iter_frames(
    path: Path,
    stride: int = 1,
    fps: float = 30.0,
    start: int = 0,
    end: int | None = None,
    start_pts: int | None = None,
    origin_pts: int | None = None,
    max_pixels: int | None = None,
) -> Iterator[DecodedFrame]:
    """Decode every ``stride``-th frame as RGB (frame indices count from the first frame of the
    video); frames the decoder cannot read end the iteration with :class:`MediaError`, and so does a
    frame over ``max_pixels`` (checked on every frame before it is converted: a video may change
    size after its first frame).

    A chunk: ``start``/``end`` frame indices, ``start_pts`` the presentation time of frame ``start``
    (seeks there) and ``origin_pts`` that of frame 0 (timestamps count from it); see
    :func:`frame_times`.
    """
    import av

    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base or Fraction(1, 1000)
        origin = origin_pts
        index = start - 1
        try:
            if start_pts is not None and start > 0:
                container.seek(start_pts, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if start_pts is not None and frame.pts is not None and frame.pts < start_pts:
                    continue
                index += 1
                if end is not None and index >= end:
                    return
                check_pixels(frame.width, frame.height, max_pixels, f"frame {index}")
                if index % stride:
                    continue
                if frame.pts is not None:
                    if origin is None:
                        origin = frame.pts
                    t_ms = float((frame.pts - origin) * tb) * 1000.0
                else:
                    t_ms = index * 1000.0 / fps
                yield DecodedFrame(index, max(t_ms, 0.0), frame.to_ndarray(format="rgb24"))
        except av.FFmpegError as exc:
            raise MediaError(f"the video could not be decoded past frame {index} ({exc.__class__.__name__})") from None


def frame_times(path: Path) -> list[int] | None:
    """Presentation times of every video frame, in order (demuxing only); None when the container
    does not give them all (the video is then processed in one piece)."""
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
    import threading

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
