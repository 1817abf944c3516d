"""Image decoding: JPEGs through libjpeg-turbo (simplejpeg), EXIF-turned JPEGs and PNGs through OpenCV."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from har_pose_service.media import MediaError, decode_image


def _picture() -> np.ndarray:
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:, :32] = (200, 30, 30)  # left half red, right half blue
    rgb[:, 32:] = (30, 30, 200)
    return rgb


def _jpeg(rgb: np.ndarray, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(rgb).save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def test_jpeg_decodes_to_rgb_like_opencv():
    data = _jpeg(_picture())
    ours = decode_image(data)
    cv = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert ours.shape == (48, 64, 3) and ours.dtype == np.uint8
    assert np.abs(ours.astype(int) - cv.astype(int)).max() <= 3
    assert ours[24, 5, 0] > 150 and ours[24, 60, 2] > 150  # RGB order, not BGR


def test_exif_turned_jpeg_is_shown_upright():
    rgb = decode_image(_jpeg(_picture(), orientation=6))  # 6: turn 90 degrees clockwise to show
    assert rgb.shape == (64, 48, 3)


def test_broken_jpeg_and_limits():
    data = _jpeg(_picture())
    with pytest.raises(MediaError):
        decode_image(data[:20] + b"\x00" * 50)
    with pytest.raises(MediaError):
        decode_image(data, max_pixels=100)
