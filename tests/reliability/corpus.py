"""Broken media, made at test time (nothing binary is committed).

Each maker writes one file into a folder and returns its path. The valid bases are made with
PyAV (a few frames of a small H.264 or MJPEG video) and then damaged on purpose.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import av
import numpy as np


def _frames(n: int, w: int, h: int):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    for i in range(n):
        yield np.roll(base, i * 2, axis=1)


def small_video(
    path: Path, n: int = 30, w: int = 64, h: int = 48, codec: str = "libx264", fmt: str | None = None, fps: int = 15
) -> Path:
    """A valid short video (PyAV writes the MP4 index, moov, at the end of the file)."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = {"mjpeg": "yuvj420p", "rawvideo": "bgr24"}.get(codec, "yuv420p")
        for rgb in _frames(n, w, h):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def png_bytes(w: int = 32, h: int = 24) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(next(_frames(1, w, h))).save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(w: int, h: int) -> bytes:
    """A valid greyscale PNG of ``w`` x ``h`` black pixels: tiny on the wire (deflate packs the
    zeros about 1000:1), gigabytes once decoded."""
    comp = zlib.compressobj(9)
    rows = b"\x00" * ((w + 1) * 256)  # per row: filter byte 0, then w zero pixels
    parts = [comp.compress(rows) for _ in range(h // 256)]
    parts.append(comp.compress(b"\x00" * ((w + 1) * (h % 256))))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def png_header_only(w: int, h: int) -> bytes:
    """A PNG signature and header that claim ``w`` x ``h``, and one byte of pixel data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00")) + _chunk(b"IEND", b"")


def _find_box(data: bytes, name: bytes) -> int:
    """Offset of a top-level MP4 box."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == name:
            return pos
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        if size < 8:
            break
        pos += size
    raise ValueError(f"no {name!r} box")


def _patch_avi_size(data: bytearray, w: int, h: int) -> bytearray:
    """Set the frame size an AVI declares (main header avih, stream header strh, format strf)."""
    i = data.index(b"avih") + 8  # MainAVIHeader: dwWidth, dwHeight at +32, +36
    struct.pack_into("<II", data, i + 32, w, h)
    i = data.index(b"strf") + 8  # BITMAPINFOHEADER: biWidth, biHeight at +4, +8
    struct.pack_into("<ii", data, i + 4, w, h)
    i = data.index(b"strh") + 8  # AVIStreamHeader.rcFrame (4 x int16) at +48
    struct.pack_into("<hhhh", data, i + 48, 0, 0, min(w, 32767), min(h, 32767))
    return data


def make_corpus(folder: Path) -> dict[str, Path]:
    """name -> file. Every one must be refused with a 4xx and a message."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        p = folder / name
        p.write_bytes(data)
        out[name] = p

    put("empty.mp4", b"")
    put("random.mp4", random.Random(7).randbytes(64 * 1024))
    valid = small_video(folder / "valid.mp4").read_bytes()
    moov = _find_box(valid, b"moov")
    assert moov > _find_box(valid, b"mdat"), "expected the index after the media data"
    put("moov-cut.mp4", valid[:moov])
    put("truncated-half.mp4", valid[: len(valid) // 2])
    put("png-renamed.mp4", png_bytes())
    # uncompressed video in AVI (its size is only what the headers say) claiming 100000 x 100000 pixels
    avi = bytearray(small_video(folder / "valid.avi", n=5, codec="rawvideo", fmt="avi").read_bytes())
    put("huge-dims.avi", bytes(_patch_avi_size(bytearray(avi), 100000, 100000)))
    put("big-dims.avi", bytes(_patch_avi_size(bytearray(avi), 10000, 10000)))
    put("text.mp4", b"ftypisom" * 100 + b"<html>not a video</html>")
    (folder / "valid.mp4").unlink()
    (folder / "valid.avi").unlink()
    return out


def jpeg_bomb(side: int = 20000) -> bytes:
    """A few hundred bytes of JPEG claiming ``side`` x ``side`` pixels, with one stray byte after its
    first segment: a header reader that stops at the stray byte cannot tell the size, while a
    tolerant decoder (OpenCV's libjpeg) skips it and decodes the whole claimed size."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 90, 60)).save(buf, "JPEG", quality=50)
    b = bytearray(buf.getvalue())
    sof = b.index(b"\xff\xc0")
    b[sof + 5 : sof + 7] = side.to_bytes(2, "big")
    b[sof + 7 : sof + 9] = side.to_bytes(2, "big")
    first = 4 + ((b[4] << 8) | b[5])  # end of the APP0 segment after SOI
    return bytes(b[:first] + b"\x00" + b[first:])


def video_with_a_giant_frame(path: Path, side: int = 5000, n: int = 20) -> Path:
    """A Motion-JPEG AVI whose header and first frames are 320x240 while frame ``n // 2`` is one
    ``side`` x ``side`` JPEG (grey, so it stays small on the wire): only decoding finds it."""
    from PIL import Image

    giant = io.BytesIO()
    Image.new("L", (side, side), 128).save(giant, "JPEG", quality=30)
    with av.open(str(path), "w", format="avi") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuvj420p"
        for i, frame in enumerate(_frames(n, 320, 240)):
            if i == n // 2:
                packet = av.Packet(giant.getvalue())
                packet.stream, packet.pts, packet.dts = stream, i, i
                packet.time_base = stream.time_base
                out.mux(packet)
                continue
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            vf.pts = i
            for packet in stream.encode(vf):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
