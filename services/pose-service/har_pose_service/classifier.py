"""The classifier service over HTTP.

:class:`ClassifierClient` knows the classifier's model (``GET /v1/models``) and classifies a batch
of windows from every track in one ``POST /v1/classify``. It keeps one status for the whole
process: ``ok``, ``unavailable`` (the last call failed or timed out: calls are skipped, without
touching the network, until a back-off delay has passed, then tried again, so the pipeline recovers
by itself) or ``off`` (no classifier configured). The drivers that feed it windows are in
:mod:`.actions`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from har_common.pose.pipeline import WindowRequest
from har_common.schemas import ClassifyResponse, ModelDescription, ModelList

log = logging.getLogger(__name__)

Probabilities = Mapping[str, float]


class ClassifierClient:
    """One per process; safe to share between threads (jobs) and the event loop (streams)."""

    def __init__(
        self,
        base_url: str | None,
        model: str | None = None,
        timeout_s: float = 2.0,
        backoff_s: tuple[float, float] = (0.5, 10.0),
        transport=None,
        async_transport=None,
        on_call: Callable[[float, bool], None] | None = None,
        api_key: str | None = None,
    ):
        self.base_url = (base_url or "").rstrip("/") or None
        self._headers = {"X-API-Key": api_key} if api_key else {}
        self.model = model or None
        self.timeout_s = timeout_s
        self._backoff = backoff_s
        self._delay = backoff_s[0]
        self._retry_at = 0.0
        self._failed = False
        self.spec: ModelDescription | None = None
        self._specs: dict[str, ModelDescription] = {}  # other models asked for by name (per-job choice)
        self.last_error: str | None = None
        self._on_call = on_call
        self._lock = threading.Lock()
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None
        self._transport, self._async_transport = transport, async_transport

    # -- status ----------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.base_url is not None

    @property
    def status(self) -> str:
        if not self.enabled:
            return "off"
        return "ok" if self.spec is not None and not self._failed else "unavailable"

    def _ready_to_try(self) -> bool:
        return self.enabled and time.monotonic() >= self._retry_at

    def _succeeded(self, seconds: float) -> None:
        # a success ends the back-off at once: calls are no longer skipped until the old retry time
        self._failed, self._delay, self.last_error, self._retry_at = False, self._backoff[0], None, 0.0
        if self._on_call:
            self._on_call(seconds, True)

    def _failed_now(self, exc: BaseException, seconds: float) -> None:
        if not self._failed or self.last_error != str(exc):
            log.warning("classifier unavailable: %s", exc)
        self._failed, self.last_error = True, f"{type(exc).__name__}: {exc}"
        self._retry_at = time.monotonic() + self._delay
        self._delay = min(self._delay * 2, self._backoff[1])
        if self._on_call:
            self._on_call(seconds, False)

    # -- HTTP ------------------------------------------------------------------------------------
    def _body(self, requests: Sequence[WindowRequest], model: str | None = None) -> dict:
        body: dict[str, Any] = {"sequences": [r.to_json() for r in requests]}
        if model:
            body["model"] = model
        elif self.spec is not None:
            body["model"] = self.spec.name
        elif self.model:
            body["model"] = self.model
        return body

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._sync is None:
                self._sync = httpx.Client(
                    base_url=self.base_url, timeout=self.timeout_s, transport=self._transport, headers=self._headers
                )
            return self._sync

    def _aclient(self) -> httpx.AsyncClient:
        if self._async is None:
            self._async = httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout_s, transport=self._async_transport, headers=self._headers
            )
        return self._async

    @contextmanager
    def _attempt(self):
        """One call to the classifier: timed, and its outcome recorded; any failure is swallowed here
        (it means "unavailable"), so the ``with`` block's own return is skipped and the caller's next line runs."""
        t0 = time.perf_counter()
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - any failure means "unavailable"
            self._failed_now(exc, time.perf_counter() - t0)
        else:
            self._succeeded(time.perf_counter() - t0)

    def _spec_from(self, r: httpx.Response) -> ModelDescription:
        r.raise_for_status()
        return ModelList.model_validate_json(r.content).choose(self.model)

    def _probabilities_from(self, requests: Sequence[WindowRequest], r: httpx.Response) -> list[dict[str, float]]:
        if r.status_code == 422:  # a window the classifier refuses: say why, not only the status
            raise ValueError(f"the classifier refused the windows: {r.text[:300]}")
        r.raise_for_status()
        preds = ClassifyResponse.model_validate_json(r.content).predictions
        if len(preds) != len(requests):
            raise ValueError(f"classifier answered {len(preds)} predictions for {len(requests)} windows")
        return [p.probabilities for p in preds]

    def _can_classify(self, requests: Sequence[WindowRequest]) -> bool:
        return bool(requests) and self.spec is not None and self._ready_to_try()

    def fetch_spec(self) -> ModelDescription | None:
        """The model's spec, asked once and kept (None while the classifier cannot be reached)."""
        if self.spec is None and self._ready_to_try():
            with self._attempt():
                self.spec = self._spec_from(self._client().get("/v1/models"))
        return self.spec

    def spec_for(self, model: str, force: bool = False) -> ModelDescription:
        """The spec of a model chosen by name (one job's choice), asked once and kept. While the
        classifier is backing off the network is not touched unless ``force`` (an upload's check).

        Raises:
            LookupError: the classifier lists no model of that name.
            ConnectionError: the classifier cannot be reached or answered an error.
        """
        if model in self._specs:
            return self._specs[model]
        if self.spec is not None and self.spec.name == model:
            return self.spec
        if not self.enabled:
            raise ConnectionError("no classifier is configured")
        if not (force or self._ready_to_try()):
            raise ConnectionError(f"the classifier is unavailable ({self.last_error})")
        t0 = time.perf_counter()
        try:
            r = self._client().get("/v1/models")
            r.raise_for_status()
            models = ModelList.model_validate_json(r.content)
        except (httpx.HTTPError, ValueError) as exc:
            self._failed_now(exc, time.perf_counter() - t0)
            raise ConnectionError(f"the classifier could not be asked for its models ({exc})") from exc
        spec = models.choose(model)
        self._specs[model] = spec
        return spec

    async def afetch_spec(self, force: bool = False) -> ModelDescription | None:
        """:meth:`fetch_spec` on the event loop; ``force`` asks even while backing off (the start-up
        watch polls every few seconds, so that a classifier still warming up is picked up at once
        instead of after a back-off grown to its cap)."""
        if self.spec is None and self.enabled and (force or self._ready_to_try()):
            with self._attempt():
                self.spec = self._spec_from(await self._aclient().get("/v1/models"))
        return self.spec

    def classify(self, requests: Sequence[WindowRequest], model: str | None = None) -> list[dict[str, float]] | None:
        """One batched call (``model``: a named model instead of the service's); None when the
        classifier is unavailable (or backing off)."""
        if self._can_classify(requests):
            with self._attempt():
                body = self._body(requests, model)
                return self._probabilities_from(requests, self._client().post("/v1/classify", json=body))
        return None

    async def aclassify(self, requests: Sequence[WindowRequest]) -> list[dict[str, float]] | None:
        """:meth:`classify` on the event loop."""
        if self._can_classify(requests):
            with self._attempt():
                return self._probabilities_from(requests, await self._aclient().post("/v1/classify", json=self._body(requests)))
        return None

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        self.close()
        if self._async is not None:
            await self._async.aclose()
            self._async = None
