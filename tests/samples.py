"""Real sample media for the tests and benchmarks, made from the shared videos."""

from __future__ import annotations

import io
from pathlib import Path

# A person standing, facing the camera, in COCO-17 order: x, y in pixels of a 640x480 frame.
STANDING_COCO17 = (
    (320, 100), (326, 94), (314, 94), (334, 98), (306, 98), (350, 150), (290, 150), (360, 210), (280, 210),
    (365, 260), (275, 260), (335, 270), (305, 270), (337, 350), (303, 350), (338, 430), (302, 430),
)  # fmt: skip


def jpeg_frames(video: Path, n: int, max_width: int | None = None, quality: int = 85) -> list[bytes]:
    """The first ``n`` frames of ``video`` as JPEG bytes, scaled down to ``max_width`` pixels when wider.

    Raises:
        FileNotFoundError: no such video.
    """
    import av

    if not video.exists():
        raise FileNotFoundError(f"{video} not found (set HAR_SHARED_DIR)")
    out: list[bytes] = []
    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            img = frame.to_image()
            if max_width and img.width > max_width:
                img = img.resize((max_width, round(img.height * max_width / img.width)))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=quality)
            out.append(buf.getvalue())
            if len(out) >= n:
                break
    return out
