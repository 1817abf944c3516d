"""Overload: past the in-flight bound requests get 503 + Retry-After (never a 500, never a queue),
and the health endpoints keep answering."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from harness import ta_chi_jpegs

BOUND = 2  # max_inflight of the fixtures' services


def _burst(url: str, n: int, **kwargs) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def one(_):
        with httpx.Client(timeout=60) as c:
            barrier.wait()
            return c.post(url, **kwargs)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def _check_only_200_503(responses: list[httpx.Response]) -> tuple[int, int]:
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 503}, [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 503:
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["detail"]
    return codes.count(200), codes.count(503)


class _SlowBody:
    """A chunked request body that holds its request open until released (an in-flight slot)."""

    def __init__(self, first: bytes):
        self.first = first
        self.release = threading.Event()

    def __iter__(self):
        yield self.first[:100]
        self.release.wait(30)
        yield self.first[100:]


def _health_ok(url: str) -> None:
    with httpx.Client(timeout=3) as c:
        for path in ("/livez", "/readyz", "/metrics"):
            t0 = time.perf_counter()
            r = c.get(url + path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            assert time.perf_counter() - t0 < 2.0, path


@contextmanager
def _slots_held(url: str, payload: bytes, content_type: str):
    """BOUND slow uploads to ``url`` that hold their slots until the block ends; yields the list their
    answers land in once released (empty while held)."""
    bodies = [_SlowBody(payload) for _ in range(BOUND)]
    results: list = []

    def hold(body):
        with httpx.Client(timeout=60) as c:
            results.append(c.post(url, content=body, headers={"content-type": content_type}))

    holders = [threading.Thread(target=hold, args=(b,)) for b in bodies]
    for t in holders:
        t.start()
    try:
        time.sleep(2.0)  # every slow request admitted (no probing: a probe would take a slot itself)
        assert not results, results
        yield results
    finally:
        for b in bodies:
            b.release.set()
        for t in holders:
            t.join(30)


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_four_times_the_bound_gives_only_200_and_503(kind, request):
    svc = request.getfixturevalue(kind)
    jpeg = ta_chi_jpegs(1)[0]
    ok = busy = 0
    for _ in range(3):
        a, b = _check_only_200_503(
            _burst(svc.url + "/v1/frames", 4 * BOUND, content=jpeg, headers={"content-type": "image/jpeg"})
        )
        ok, busy = ok + a, busy + b
    assert ok >= BOUND  # the bound's worth always gets through
    assert busy >= 1, "4x the bound at once never hit the bound"


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_slots_held_then_503_and_health_answers(kind, request):
    """Slow clients hold every slot: the rest get 503 at once, health still answers, and the
    service serves again as soon as the slots are free."""
    svc = request.getfixturevalue(kind)
    jpeg = ta_chi_jpegs(1)[0]
    with _slots_held(svc.url + "/v1/frames", jpeg, "image/jpeg") as results:
        rs = _burst(svc.url + "/v1/frames", 3 * BOUND, content=jpeg, headers={"content-type": "image/jpeg"})
        assert [r.status_code for r in rs] == [503] * len(rs), [r.text for r in rs]
        assert all(r.headers.get("retry-after") for r in rs)
        _health_ok(svc.url)
        assert httpx.get(svc.url + "/v1/info", timeout=3).status_code == 200
    assert [r.status_code for r in results] == [200] * BOUND, [r.text for r in results]
    r = httpx.post(svc.url + "/v1/frames", content=jpeg, headers={"content-type": "image/jpeg"}, timeout=30)
    assert r.status_code == 200


def test_upload_slots(pose_single):
    """Video uploads are bounded the same way (slow uploads hold their slots)."""
    with _slots_held(pose_single.url + "/v1/videos", b"\x00" * 200, "video/mp4") as results:
        rs = _burst(pose_single.url + "/v1/videos", 2 * BOUND, content=b"\x00" * 1000, headers={"content-type": "video/mp4"})
        assert [r.status_code for r in rs] == [503] * len(rs), [r.text for r in rs]
        assert all(r.headers.get("retry-after") for r in rs)
        _health_ok(pose_single.url)
    assert [r.status_code for r in results] == [422] * BOUND  # zeros are not a video


def _sequence(n_frames: int = 60) -> dict:
    import math

    kps = [[[100 + 20 * math.sin(i / 5 + j), 100 + 5 * j, 0.9] for j in range(17)] for i in range(n_frames)]
    return {"keypoints": kps, "fps": 30.0}


def test_classifier_bound(logs):
    """The classifier bounds concurrent /v1/classify calls the same way."""
    from harness import Service

    svc = Service("classifier", logs, threads=1, max_inflight=1)
    try:
        body = {"sequences": [_sequence() for _ in range(64)]}
        ok = busy = 0
        for _ in range(3):
            a, b = _check_only_200_503(_burst(svc.url + "/v1/classify", 4, json=body))
            ok, busy = ok + a, busy + b
        assert ok >= 1 and busy >= 1, (ok, busy)
        _health_ok(svc.url)
    finally:
        svc.stop()
