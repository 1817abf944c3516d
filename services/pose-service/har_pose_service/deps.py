"""Typed dependencies of the pose routes, and the request parameters several of them share.

>>> @router.get("/v1/jobs/{job_id}", dependencies=AUTH)               # doctest: +SKIP
... def get_job(st: State, job_id: JobId):
...     return job_or_404(st, job_id).public()
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request

from har_common.pose.backend import PoseBackend

from .state import ServiceState
from .store import JobRecord

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def error(status: int, message: str, headers: dict | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=message, headers=headers)


def service(request: Request) -> ServiceState:
    return request.app.state.har


State = Annotated[ServiceState, Depends(service)]


def require_key(st: State, x_api_key: str | None = Header(None)) -> None:
    key = st.settings.api_key
    if key and not (x_api_key and hmac.compare_digest(x_api_key, key)):
        raise error(401, "missing or wrong API key (header X-API-Key)")


AUTH = [Depends(require_key)]


def ready_backend(st: State) -> PoseBackend:
    if not st.ready:
        raise error(503, st.load_error or "the pose model is loading", {"Retry-After": "2"})
    return st.backend


def job_or_404(st: ServiceState, job_id: str) -> JobRecord:
    job = st.store.get(job_id)
    if job is None:
        raise error(404, "no such job")
    return job


JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="Job id (32 hex digits).")]
