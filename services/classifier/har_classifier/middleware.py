"""Plain ASGI middleware of the classifier: request metrics and the body limit.

The in-flight bound is ``har_common.admission.InflightLimit``, the same as the pose services': it
counts the requests under ``/v1/`` being served; past ``max_inflight`` a request gets 503 with
``Retry-After`` at once (no queue). Health endpoints (``/livez``, ``/readyz``, ``/metrics``) and the
docs are never counted nor refused.
"""

from __future__ import annotations

import json
import time

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    """The service's Prometheus metrics, in their own registry."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("har_classifier_requests", "HTTP requests", ["path", "status"], registry=self.registry)
        self.latency = Histogram(
            "har_classifier_request_seconds",
            "HTTP request latency",
            ["path"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
        )
        self.inference = Histogram(
            "har_classifier_inference_seconds",
            "model time per classify request",
            ["model"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
        )
        self.sequences = Counter("har_classifier_sequences", "sequences classified", ["model"], registry=self.registry)
        self.rejected = Counter("har_classifier_rejected_busy", "requests refused by the in-flight bound", registry=self.registry)


class MetricsMiddleware:
    """Counts requests by route template and status, and their latency."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or ("busy" if status["code"] == 503 and scope.get("har_busy") else "other")
            self.metrics.requests.labels(path, str(status["code"])).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - t)


class BodyLimit:
    """Requests under ``/v1/`` may carry at most ``limit`` bytes: 413 for a larger declared
    ``Content-Length`` before anything is read, and for a chunked body at the first chunk over.

    A refused chunked body is answered here and the app is handed a disconnect, because an error
    raised inside ``receive`` would reach the client as FastAPI's 400.
    """

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def _too_large(self, send) -> None:
        body = json.dumps({"detail": f"request body over the limit of {self.limit} bytes (max_body_bytes)"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large(send)
        seen, refused = 0, False

        async def limited_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    await self._too_large(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:  # after a refusal the app only complains of the disconnect
                raise
