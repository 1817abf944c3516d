"""Prometheus metrics of one app (own registry, so several apps can live in one process)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LAT = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self, service: str):
        r = self.registry = CollectorRegistry()
        self.requests = Counter("har_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=r)
        self.latency = Histogram(
            "har_http_request_seconds", "HTTP request latency", ["method", "route"], buckets=_LAT, registry=r
        )
        self.frames = Counter("har_frames_processed_total", "Frames through the pose model", ["source"], registry=r)
        self.dropped = Counter("har_frames_dropped_total", "Live frames dropped (newest frame wins)", registry=r)
        self.inference = Histogram("har_pose_inference_seconds", "Pose model time per frame", buckets=_LAT, registry=r)
        self.classifier = Histogram("har_classifier_call_seconds", "Classifier calls", ["outcome"], buckets=_LAT, registry=r)
        self.queue_depth = Gauge("har_job_queue_depth", "Video jobs waiting", registry=r)
        self.jobs_running = Gauge("har_jobs_running", "Video jobs running", registry=r)
        self.streams = Gauge("har_streams_open", "Live sockets open", registry=r)
        self.stream_latency = Histogram(
            "har_stream_frame_seconds", "Live frame latency, receipt to answer", buckets=_LAT, registry=r
        )
        self.ready = Gauge("har_ready", "1 once the model is loaded and warmed up", registry=r)
        self.info = Gauge("har_service_info", "Service and model", ["service", "pose_model"], registry=r)
        self.service = service

    def classifier_call(self, seconds: float, ok: bool) -> None:
        self.classifier.labels("ok" if ok else "error").observe(seconds)


class MetricsMiddleware:
    """Counts and times HTTP requests by route template (pure ASGI: streamed bodies pass untouched;
    an exception counts as a 500)."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.m = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        t0 = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.m.requests.labels(scope["method"], route, str(status["code"])).inc()
            self.m.latency.labels(scope["method"], route).observe(time.perf_counter() - t0)
