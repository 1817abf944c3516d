"""Typed FastAPI dependencies of the routes: settings, the model registry (ready or 503), the API key."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from .registry import ModelRegistry
from .settings import Settings

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="needed on /v1 endpoints when HAR_CLASSIFIER_API_KEY is set"
)


# Every dependency is ``async``: FastAPI would run a plain ``def`` one in its thread pool, and each such
# hop costs milliseconds on a busy 2-core machine (measured in the HTTP latency benchmark).


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_registry(request: Request) -> ModelRegistry:
    return request.app.state.registry


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def ready_registry(registry: Annotated[ModelRegistry, Depends(get_registry)]) -> ModelRegistry:
    if not registry.ready:
        raise HTTPException(
            503,
            detail="models are loading" if registry.error is None else f"models failed to load: {registry.error}",
            headers={"Retry-After": "2"},
        )
    return registry


ReadyRegistry = Annotated[ModelRegistry, Depends(ready_registry)]
AnyRegistry = Annotated[ModelRegistry, Depends(get_registry)]


async def require_api_key(settings: SettingsDep, key: Annotated[str | None, Security(_api_key_header)] = None) -> None:
    """When ``api_key`` is set, the request must carry it in ``X-API-Key`` (401 otherwise)."""
    if settings.api_key and not (key and hmac.compare_digest(key.encode(), settings.api_key.encode())):
        raise HTTPException(401, detail="missing or wrong X-API-Key", headers={"WWW-Authenticate": "X-API-Key"})
