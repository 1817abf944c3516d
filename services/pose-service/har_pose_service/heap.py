"""Handing freed memory back to the operating system after a video job.

A job allocates and frees hundreds of megabytes of frames, detections and results from several
threads. glibc's allocator keeps what was freed inside its heaps for reuse, so the resident memory
of a service that has run a few jobs stays near the high-water mark of the biggest. Two things
keep it flat between jobs:

- :func:`release_free_memory` after each job: ``malloc_trim(0)`` returns the free pages inside
  every heap (it ``madvise``s the holes away, not only the main heap's top).
- :func:`configure_allocator` once at start. A job's threads (decoding, posing a chunk, drawing,
  FFmpeg's and MediaPipe's own) allocate from per-thread heaps ("arenas", up to 8 per core), and
  ``malloc_trim`` leaves the free top of those arenas alone (glibc 2.36 trims only the main heap's
  top). An arena's top is given back when a block that reaches it is freed, and only past the
  trim threshold, which glibc raises by default to twice the largest mapped block freed so far
  (up to 64 MiB); and a small block kept in a "fastbin" next to the top defers that merge to
  ``malloc_trim``'s consolidation, which then does not trim either. So each arena a job touched
  kept tens of MiB: in one pose-single service, 13 arenas spanning 55-120 MiB each with a few KiB
  in use, and the memory after each of 30 jobs wandering 340-452 MiB. Pinned thresholds (mmap
  32 MiB, glibc's upper bound for its own adjustment; trim 128 KiB, its start value) and no
  fastbins give an arena's top back as soon as it is freed: 193-213 MiB (median 194) after each
  of 30 jobs, for about 2 % more CPU per frame. (A 128 KiB mmap threshold alone keeps it as flat,
  but mapping every frame costs about 10 % more CPU per frame.)

The footprint between jobs is measured by ``./har bench pose-single --ratios --rounds 0 --memory``
(and ``pose-multi``); the README has the figures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os

log = logging.getLogger(__name__)

# mallopt parameters (glibc's malloc.h) and the values set
M_MXFAST, M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = 1, -1, -3
SETTINGS = (
    (M_MMAP_THRESHOLD, 32 * 1024 * 1024),  # fixed: frames stay in the heaps (mapping each costs CPU)
    (M_TRIM_THRESHOLD, 128 * 1024),  # fixed: a freed top past this goes back at once
    (M_MXFAST, 0),  # no fastbins: a small freed block never holds a free top back
)
# set by the operator: their choice is left alone
_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_TUNABLES = ("glibc.malloc.mmap_threshold", "glibc.malloc.trim_threshold", "glibc.malloc.mxfast")

_trim = _mallopt = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _trim = _libc.malloc_trim  # glibc only (musl and other C libraries have none)
    _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
    _mallopt = _libc.mallopt
    _mallopt.argtypes, _mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _trim = _mallopt = None


def configure_allocator() -> bool:
    """Pin glibc's mmap and trim thresholds and switch its fastbins off for this process (see
    :data:`SETTINGS` and the module's description), so that the free top of every heap goes back
    to the system. Call it once, at start, before the model loads.

    Returns True when all were set; False with another C library, or when the environment sets any
    of them itself (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``GLIBC_TUNABLES``),
    which is then left as it is.
    """
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if _mallopt is None or any(os.environ.get(k) for k in _ENV) or any(t in tunables for t in _TUNABLES):
        return False
    try:
        # setting a threshold also stops glibc from raising either of them as blocks are freed
        return all([bool(_mallopt(param, value)) for param, value in SETTINGS])
    except Exception as exc:  # noqa: BLE001 - never worth failing a start over
        log.debug("mallopt failed: %s", exc)
        return False


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
