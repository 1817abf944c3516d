"""The wire format of ``POST /v1/clips``: raw uint8 RGB pixels, windows one after the other.

Example:
    >>> import numpy as np
    >>> w = windows_from_bytes(bytes(2 * 9 * 224 * 224 * 3), frames=9, min_frames=9, max_frames=64, max_windows=8)
    >>> w.shape
    (2, 9, 224, 224, 3)
    >>> windows_from_bytes(b"abc", frames=9, min_frames=9, max_frames=64, max_windows=8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    har_classifier.kinetics.frames.BadFrames: the body holds 3 bytes: not a whole number of windows of 9 frames ...
"""

from __future__ import annotations

import numpy as np

from .graph import SIZE


class BadFrames(ValueError):
    """The body or the query does not describe whole windows within the limits (a 422)."""


def windows_from_bytes(body: bytes, frames: int, min_frames: int, max_frames: int, max_windows: int) -> np.ndarray:
    """``body`` as uint8 ``[N, frames, 224, 224, 3]`` (a view, no copy).

    Raises:
        BadFrames: frames outside ``[min_frames, max_frames]``, an empty body, a length that is not
            whole windows, or more than ``max_windows`` windows.
    """
    if not min_frames <= frames <= max_frames:
        raise BadFrames(f"frames must be {min_frames}-{max_frames} per window, got {frames}")
    per_window = frames * SIZE * SIZE * 3
    n, rest = divmod(len(body), per_window)
    if n == 0 or rest:
        raise BadFrames(
            f"the body holds {len(body)} bytes: not a whole number of windows of {frames} frames of "
            f"{SIZE} x {SIZE} x 3 bytes ({per_window} bytes each)"
        )
    if n > max_windows:
        raise BadFrames(f"{n} windows in one request; at most {max_windows}")
    return np.frombuffer(body, np.uint8).reshape(n, frames, SIZE, SIZE, 3)
