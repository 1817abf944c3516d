"""Plumbing fixtures for the shared pose layer: a deterministic fake pose back end and a fake
classifier speaking the classifier's HTTP API (the real ones are tested in tests/pose_single)."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from har_common.schemas import ActionPrediction, ClassifyRequest, ClassifyResponse, ModelList


class FakeSession:
    def __init__(self, backend, raw, static):
        self.backend, self.raw, self.static = backend, raw, static
        self.closed = False

    def process(self, image, timestamp_ms):
        from har_common.pose.backend import Detection

        assert image.dtype == np.uint8 and image.ndim == 3
        if self.backend.delay_s:
            time.sleep(self.backend.delay_s)
        h, w = image.shape[:2]
        if image.mean() < 5:  # a black frame: nobody there
            return []
        kp = np.zeros((17, 3), np.float32)
        kp[:, 0] = np.linspace(0.3, 0.7, 17) * w
        kp[:, 1] = np.linspace(0.2, 0.9, 17) * h
        kp[:, 2] = 0.9
        raw = np.ones((33, 4), np.float32) if self.raw else None
        return [Detection(keypoints=kp, score=0.9, bbox=(0.3 * w, 0.2 * h, 0.7 * w, 0.9 * h), track_id=0, raw=raw)]

    def close(self):
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FakeBackend:
    name = "fake-pose"
    multi_person = False

    def __init__(self, delay_s: float = 0.0):
        self.delay_s = delay_s
        self.sessions = []

    def session(self, raw=False, static=False):
        s = FakeSession(self, raw, static)
        self.sessions.append(s)
        return s

    def info(self):
        return {"engine": "fake"}

    def close(self):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeClassifier:
    """Classifier API on a real socket: GET /v1/models, POST /v1/classify. ``mode``: ok, down, slow;
    ``down_after``: classify calls answered before it goes down (None: never)."""

    def __init__(self):
        from fastapi import FastAPI
        from fastapi.responses import JSONResponse

        self.mode = "ok"
        self.down_after: int | None = None
        self.calls = 0
        self.batch_sizes = []
        app = FastAPI()

        window = {"length": 8, "fps": 15.0, "stride": 2}
        listed = ModelList(
            default_model="fake",
            max_batch=64,
            models=[
                {"name": "fake", "classes": ["waving", "walking"], "window": window},
                {"name": "fake-walker", "classes": ["waving", "walking"], "window": window},
            ],
        )

        @app.get("/v1/models", response_model=ModelList)
        def models():
            if self.mode == "down":
                return JSONResponse({"detail": "down"}, status_code=503)
            return listed

        @app.post("/v1/classify", response_model=ClassifyResponse)
        def classify(body: ClassifyRequest):
            self.calls += 1
            self.batch_sizes.append(len(body.sequences))
            if self.down_after is not None and self.calls > self.down_after:
                self.mode = "down"
            if self.mode == "down":
                return JSONResponse({"detail": "down"}, status_code=503)
            if self.mode == "slow":
                time.sleep(3)
            if body.model == "fake-walker":  # the second model always says walking
                label, probs = "walking", {"waving": 0.2, "walking": 0.8}
            else:
                label, probs = "waving", {"waving": 0.9, "walking": 0.1}
            model = body.model or listed.default_model
            return ClassifyResponse(
                model=model,
                predictions=[
                    ActionPrediction(model=model, label=label, confidence=probs[label], probabilities=probs)
                    for _ in body.sequences
                ],
            )

        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(100):
            if self.server.started:
                break
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="session")
def fake_classifier():
    fc = FakeClassifier()
    yield fc
    fc.stop()


@pytest.fixture
def make_app(tmp_path):
    """make_app(**settings) -> (TestClient, backend); the client is entered (lifespan ran, ready)."""
    from fastapi.testclient import TestClient

    from har_pose_service import PoseServiceSettings, create_app

    clients = []

    def make(backend=None, **kw):
        backend = backend or FakeBackend()
        kw.setdefault("data_dir", tmp_path / "data")
        kw.setdefault("classifier_url", None)
        kw.setdefault("allowed_hosts", ["localhost", "testserver"])  # the test client's WebSockets use "testserver"
        settings = PoseServiceSettings(**kw)
        app = create_app(lambda s: backend, settings)
        client = TestClient(app, base_url="http://localhost")
        client.__enter__()
        clients.append(client)
        for _ in range(200):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.02)
        return client, backend

    yield make
    for c in clients:
        c.__exit__(None, None, None)
