"""``GET /v1/models`` and the report files of each model."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from har_common.schemas import ModelList

from ..deps import ReadyRegistry
from ..registry import REPORT_FILES

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=ModelList, responses={503: {"description": "models are loading"}})
async def list_models(registry: ReadyRegistry) -> ModelList:
    """Every loaded model: classes, window, layout, engine, temperature and its evaluation figures
    (with the confusion matrix and per-class precision/recall/F1), and where its report files are."""
    return registry.describe()


@router.get(
    "/{name}/report/{file}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}, "text/markdown": {}}}, 404: {"description": "no such model or file"}},
)
async def report_file(name: str, file: str, registry: ReadyRegistry) -> FileResponse:
    """A file of the model's report folder: ``confusion.png``, ``curves.png`` or ``model_card.md`` (404 for anything else)."""
    found = registry.report_file(name, file)
    if found is None:
        raise HTTPException(404, detail=f"no report file {file!r} for model {name!r} (files: {', '.join(REPORT_FILES)})")
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})
