"""middleware.py: the in-flight bound (503 + Retry-After past it, health always answers), request metrics and the body
limit (413)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import body, standing_person
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from har_classifier.middleware import BodyLimit


class SlowRegistry:
    """Stands in for the model registry: ready, and each classification takes a while."""

    ready, error, runners = True, None, {}

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = self.peak = 0
        self._lock = threading.Lock()

    def classify_arrays(self, model, sequences):
        from har_common.schemas import ClassifyResponse

        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.seconds)
        with self._lock:
            self.active -= 1
        return ClassifyResponse(model="slow", predictions=[]), self.seconds


@pytest.fixture
def slow_app(tmp_path):
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    app = create_app(Settings(model_dir=tmp_path, max_inflight=3), load_in_background=False)
    with TestClient(app, base_url="http://localhost") as c:
        app.state.registry = SlowRegistry(0.4)
        yield app, c


def test_four_times_the_bound_gives_only_200_and_503(slow_app):
    app, c = slow_app
    seq = body(*[standing_person(3)] * 9)  # over routes.classify.INLINE_MAX: classified in the thread pool, so they overlap
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(c.post, "/v1/classify", json=seq) for _ in range(12)]
        time.sleep(0.15)
        health = [c.get(p) for p in ("/livez", "/readyz", "/metrics")]  # answered while the bound is full
        results = [f.result() for f in futures]
    codes = [r.status_code for r in results]
    assert set(codes) <= {200, 503} and codes.count(200) >= 3 and codes.count(503) >= 1, codes
    for r in results:
        if r.status_code == 503:
            assert int(r.headers["retry-after"]) >= 1 and "busy" in r.json()["detail"]
    assert app.state.registry.peak <= 3
    assert health[0].status_code == 200 and health[2].status_code == 200
    assert health[1].status_code in (200, 503)  # /readyz answers (the stub registry's status), never refused as busy
    assert "har_classifier_rejected_busy_total" in c.get("/metrics").text
    # afterwards the bound is free again
    assert c.post("/v1/classify", json=seq).status_code == 200


def test_metrics_label_by_route_template(client):
    client.get("/v1/models/stgcn/report/curves.png")
    text = client.get("/metrics").text
    assert 'path="/v1/models/{name}/report/{file}"' in text


# -- BodyLimit: declared and chunked bodies over the limit get 413; other paths untouched


def _client(limit=1000):
    app = FastAPI()

    @app.post("/v1/echo")
    async def echo(request: Request):
        return {"bytes": len(await request.body())}

    @app.post("/other")
    async def other(request: Request):
        return {"bytes": len(await request.body())}

    app.add_middleware(BodyLimit, limit=limit)
    return TestClient(app, base_url="http://localhost")


def test_small_body_passes():
    assert _client().post("/v1/echo", content=b"x" * 1000).json() == {"bytes": 1000}


def test_declared_length_over_limit_refused():
    r = _client().post("/v1/echo", content=b"x" * 1001)
    assert r.status_code == 413 and "max_body_bytes" in r.json()["detail"]


def test_chunked_body_over_limit_refused():
    def chunks():
        for _ in range(20):
            yield b"x" * 100

    r = _client().post("/v1/echo", content=chunks())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_other_paths_are_not_limited():
    assert _client().post("/other", content=b"x" * 5000).json() == {"bytes": 5000}
