"""Images in (JPEG and PNG) with the pixel limits the API promises, and the errors every input
check raises. Videos are decoded in :mod:`.decoder`."""

from __future__ import annotations

import io
import re
import warnings

import cv2
import numpy as np

# What JPEG and PNG bytes start with (the live socket's frame layout relies on it too).
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class MediaError(ValueError):
    """Bad input: the message is safe to show to the client."""


class TooLong(MediaError):
    pass


def image_header(data: bytes | bytearray | memoryview) -> tuple[tuple[int, int], bool]:
    """``((width, height), plain)``: the size, and whether it is a JPEG with no EXIF orientation
    other than upright (what libjpeg alone decodes right)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 M pixels; this service's own limit (checked by the caller) decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("JPEG", "PNG"):
                    raise MediaError("not a JPEG or PNG image")
                plain = img.format == "JPEG" and img.getexif().get(0x0112, 1) == 1  # 0x0112: Orientation
                return img.size, plain
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
    the decoded size is checked again. A JPEG goes to libjpeg-turbo (simplejpeg: RGB straight out,
    about a third of OpenCV's CPU per frame); PNGs and JPEGs turned by EXIF go to OpenCV, which
    applies the turn."""
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size < 8 or not bytes(buf[:8]).startswith(IMAGE_SIGNATURES):
        raise MediaError("not a JPEG or PNG image")
    size, plain = image_header(data)
    check_pixels(*size, max_pixels)
    if plain:
        import simplejpeg

        try:
            img = simplejpeg.decode_jpeg(buf, colorspace="RGB")
        except (ValueError, RuntimeError):
            raise MediaError("the image could not be decoded") from None
        check_pixels(img.shape[1], img.shape[0], max_pixels)
        return img
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error:  # e.g. OpenCV's own size cap
        raise MediaError("the image could not be decoded") from None
    if img is None or img.ndim != 3 or img.shape[0] < 1 or img.shape[1] < 1:
        raise MediaError("the image could not be decoded")
    check_pixels(img.shape[1], img.shape[0], max_pixels)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
