"""The classifier client: batching, the status it reports, back-off without network, recovery."""

from __future__ import annotations

import asyncio
import time

import httpx
import numpy as np

from har_common.pose.backend import Detection
from har_common.pose.pipeline import WindowRequest
from har_common.schemas import ActionPrediction, ClassifyResponse, ModelList
from har_pose_service.actions import LiveActions, SyncActions
from har_pose_service.classifier import ClassifierClient

MODELS = ModelList(
    default_model="m",
    max_batch=64,
    models=[{"name": "m", "classes": ["a", "b"], "window": {"length": 4, "fps": 10.0, "stride": 1}}],
).model_dump(mode="json")


class Handler:
    def __init__(self):
        self.up = True
        self.calls = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if not self.up:
            raise httpx.ConnectError("refused")
        if request.url.path == "/v1/models":
            return httpx.Response(200, json=MODELS)
        import json

        body = json.loads(request.content)
        assert body["model"] == "m"
        return httpx.Response(
            200,
            json=ClassifyResponse(
                model="m",
                predictions=[
                    ActionPrediction(model="m", label="b", confidence=0.8, probabilities={"a": 0.2, "b": 0.8})
                    for _ in body["sequences"]
                ],
            ).model_dump(mode="json"),
        )


def req(track=0):
    return WindowRequest(track_id=track, t_ms=0.0, fps=10.0, keypoints=np.ones((4, 17, 3), np.float32))


def test_status_backoff_and_recovery():
    h = Handler()
    c = ClassifierClient("http://clf", transport=httpx.MockTransport(h), backoff_s=(0.2, 0.4))
    assert c.status == "unavailable" and c.fetch_spec().window.length == 4 and c.status == "ok"
    assert c.classify([req(0), req(1)]) == [{"a": 0.2, "b": 0.8}] * 2
    h.up = False
    assert c.classify([req()]) is None and c.status == "unavailable" and "ConnectError" in c.last_error
    n = len(h.calls)
    assert c.classify([req()]) is None and len(h.calls) == n  # backing off: no network at all
    h.up = True
    time.sleep(0.25)
    assert c.classify([req()]) is not None and c.status == "ok"
    assert ClassifierClient(None).status == "off"


def test_forced_spec_fetch_ignores_the_backoff():
    """The start-up watch (force=True) finds a classifier that came up while the client was backing off."""
    h = Handler()
    h.up = False
    c = ClassifierClient(
        "http://clf", transport=httpx.MockTransport(h), async_transport=httpx.MockTransport(h), backoff_s=(30.0, 60.0)
    )
    assert asyncio.run(c.afetch_spec()) is None and c.status == "unavailable"
    h.up = True
    n = len(h.calls)
    assert asyncio.run(c.afetch_spec()) is None and len(h.calls) == n  # backing off: not asked
    assert asyncio.run(c.afetch_spec(force=True)).window.length == 4 and c.status == "ok"
    assert ClassifierClient(None).status == "off" and asyncio.run(ClassifierClient(None).afetch_spec(force=True)) is None


def person():
    kp = np.zeros((17, 3), np.float32)
    kp[:, :2], kp[:, 2] = 50.0, 0.9
    return Detection(keypoints=kp, track_id=0)


def test_sync_actions_label_frames():
    h = Handler()
    acts = SyncActions(ClassifierClient("http://clf", transport=httpx.MockTransport(h)))
    labels = [acts.process(i * 100.0, [person()])[0] for i in range(10)]
    assert labels[0].label == "uncertain" and labels[-1].label == "b" and acts.model_name == "m"
    assert [s.label for s in acts.finish(1000.0)] == ["b"]
    off = SyncActions(None)
    assert off.process(0.0, [person()]) == [None] and off.status == "off"


def test_live_actions_never_wait_for_the_classifier():
    class Slow(httpx.AsyncBaseTransport):
        def __init__(self):
            self.h = Handler()

        async def handle_async_request(self, request):
            await asyncio.sleep(0.3)
            return self.h(request)

    async def run():
        client = ClassifierClient("http://clf", async_transport=Slow())
        live = LiveActions(client)
        worst = 0.0
        labels = []
        for i in range(40):
            t0 = time.perf_counter()
            labels.append(live.process(i * 100.0, [person()])[0])
            worst = max(worst, time.perf_counter() - t0)
            await asyncio.sleep(0.03)
        await live.aclose()
        await client.aclose()
        return worst, labels

    worst, labels = asyncio.run(run())
    assert worst < 0.05  # process() never awaited the 0.3 s calls
    assert labels[0] is None or labels[0].label == "uncertain"
    assert labels[-1] is not None and labels[-1].label == "b"
