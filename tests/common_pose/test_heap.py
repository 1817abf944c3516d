"""Freed memory goes back to the system between jobs (glibc's malloc_trim)."""

from __future__ import annotations

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
