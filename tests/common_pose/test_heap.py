"""Freed memory goes back to the system between jobs (glibc's malloc_trim, and its settings at start)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = r"""
from pathlib import Path
from har_pose_service.heap import release_free_memory

def rss():
    return int(next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS")).split()[1]) // 1024

# 128 MiB of heap blocks (64 KiB: under glibc's mmap threshold) with small live objects between
# them, so that freeing the blocks leaves holes inside the heap rather than a free top to shrink
blocks, keep = [], []
for i in range(2048):
    blocks.append(bytearray(b"x") * 65536)
    keep.append(bytearray(b"k") * 1024)  # past Python's small-object allocator: from malloc
peak = rss()
del blocks
before = rss()
assert release_free_memory() is True
print(peak, before, rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")
def test_release_free_memory_returns_the_holes_of_the_heap():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    peak, before, after = map(int, out.split())
    assert before > peak - 32, "free() alone keeps the holes (else this test proves nothing)"
    assert after < before - 96, (peak, before, after)


ARENA_SCRIPT = r"""
import sys, threading
from pathlib import Path
from har_pose_service.heap import configure_allocator, release_free_memory

def rss():
    return int(next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS")).split()[1]) // 1024

# a big block, mapped on its own, freed: glibc's thresholds rise past it (mmap 24 MiB, trim 48 MiB),
# as they do in a service (a model's load, a job's buffers)
big = bytearray(24 << 20)
del big
configured = configure_allocator() if sys.argv[1] == "configure" else None
base = rss()

def job():  # a job's thread: frame-sized blocks (640x480 RGB) from its own arena, then freed
    frames = [bytearray(b"x") * (640 * 480 * 3) for _ in range(48)]
    del frames

t = threading.Thread(target=job)
t.start()
t.join()
release_free_memory()
print(configured, base, rss())
"""


def _arena_run(mode: str) -> tuple[str, int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", ARENA_SCRIPT, mode], capture_output=True, text=True, check=True, env=env)
    configured, base, after = out.stdout.split()
    return configured, int(base), int(after)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")
def test_configured_allocator_returns_a_worker_threads_frames():
    """A thread's freed frames sit at the top of its arena, which malloc_trim leaves alone while the
    trim threshold has risen; the allocator as the service configures it at start gives them back."""
    _, base, after = _arena_run("default")
    assert after > base + 24, ("glibc's defaults keep the frames (else this test proves nothing)", base, after)
    configured, base, after = _arena_run("configure")
    assert configured == "True"
    assert after < base + 8, (base, after)


def test_thresholds_set_by_the_environment_are_left_alone(monkeypatch):
    from har_pose_service import heap

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    assert heap.configure_allocator() is False
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.mxfast=0")
    assert heap.configure_allocator() is False
