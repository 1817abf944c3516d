"""Handing freed memory back to the operating system after a video job.

A job allocates and frees hundreds of megabytes of frames, detections and results from several
threads. glibc's allocator keeps what was freed inside its heaps for reuse, scattered between
blocks still in use, so the resident memory of a service that has run a few jobs stays near the
high-water mark of the biggest and creeps up job after job. ``malloc_trim(0)`` returns every free
page of every heap (it ``madvise``s the holes away too, not only the heap's top). The footprint
between jobs is measured by ``./har bench pose-single --ratios --rounds 0 --memory`` (and
``pose-multi``); the README has the figures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)

_trim = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _trim = _libc.malloc_trim  # glibc only (musl and other C libraries have none)
    _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _trim = None


def release_free_memory() -> bool:
    """Collect Python's garbage cycles, then return the C heap's free pages to the system.

    Returns True when the C library could be asked (glibc), False elsewhere (nothing done but the
    collection). Takes a few milliseconds; call it between jobs, not per frame.
    """
    gc.collect()
    if _trim is None:
        return False
    try:
        _trim(0)
    except Exception as exc:  # noqa: BLE001 - never worth failing a job over
        log.debug("malloc_trim failed: %s", exc)
        return False
    return True
