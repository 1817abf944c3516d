"""Sending the benchmark's clips through the running stack (pose-single or pose-multi as each clip's
``mode`` says) and keeping their analyses in ``OUT/analyses/<clip>.analysis.json``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from har_common.schemas import VideoAnalysis

from ..analyze import DEFAULT_URLS, analyze
from .groundtruth import GroundTruth

DEFAULT_CLASSIFIER_URL = os.environ.get("HAR_CLASSIFIER_URL", "http://127.0.0.1:8001")


@dataclass
class ClipRun:
    """One clip's analysis, or why there is none."""

    clip: str
    analysis: VideoAnalysis | None
    error: str | None = None
    reused: bool = False


def model_window_ms(classifier_url: str, model: str | None) -> tuple[str, float]:
    """The classifier model's name and window length in ms, from its ``GET /v1/models``.

    Raises:
        ConnectionError: the classifier cannot be reached.  LookupError: no such model.
    """
    import httpx

    from har_common.schemas import ModelList

    headers = {"X-API-Key": key} if (key := os.environ.get("HAR_API_KEY")) else {}
    try:
        r = httpx.get(classifier_url.rstrip("/") + "/v1/models", headers=headers, timeout=10)
        r.raise_for_status()
    except httpx.HTTPError as exc:
        raise ConnectionError(
            f"cannot ask the classifier at {classifier_url} for its models ({exc}); give --classifier-url, or --lag in seconds"
        ) from exc
    spec = ModelList.model_validate_json(r.content).choose(model)
    return spec.name, spec.window.seconds * 1000.0


def run_clips(
    truth: GroundTruth,
    videos_dir: Path,
    out: Path,
    *,
    model: str | None = None,
    single_url: str | None = None,
    multi_url: str | None = None,
    clips: list[str] | None = None,
    reuse: bool = False,
    labels: str = "centred",
    log=None,
) -> list[ClipRun]:
    """Analyse each clip (all, or the named ``clips``) with the running services, without the annotated video.

    A clip that fails (missing file, rejected upload, failed job) is reported in its :class:`ClipRun`
    and the others go on. ``labels`` is the jobs' label timing (``centred`` or ``causal``). With
    ``reuse``, an analysis already in ``out/analyses`` made by the same classifier model with the same
    label timing is read instead of analysing the clip again.

    Raises:
        ValueError: a name in ``clips`` is not in the ground truth.
    """
    log = log or sys.stderr  # looked up now, so a redirected stderr is honoured
    names = list(truth.videos) if not clips else clips
    unknown = [n for n in names if n not in truth.videos]
    if unknown:
        raise ValueError(f"not in the ground truth: {', '.join(unknown)} (it has {', '.join(truth.videos)})")
    folder = out / "analyses"
    runs: list[ClipRun] = []
    for i, name in enumerate(names, 1):
        video = truth.videos[name]
        path = videos_dir / video.file
        saved = folder / f"{Path(video.file).stem}.analysis.json"
        multi = video.mode == "multi"
        print(f"[{i}/{len(names)}] {name} ({video.mode}, {path.name})", file=log, flush=True)
        if reuse and saved.is_file():
            analysis = VideoAnalysis.model_validate_json(saved.read_bytes())
            if (model is None or analysis.models.classifier == model) and (analysis.labels or "causal") == labels:
                runs.append(ClipRun(name, analysis, reused=True))
                print(f"  reused {saved}", file=log)
                continue
        try:
            url = (single_url, multi_url)[multi] or DEFAULT_URLS[multi]
            analysis = analyze(path, folder, multi, url, model=model, render=False, downloads=False, labels=labels)
            runs.append(ClipRun(name, analysis))
        except (OSError, ValueError, RuntimeError, TimeoutError) as exc:
            # ConnectionError is an OSError: with no service at all every clip says so
            print(f"  failed: {exc}", file=log)
            runs.append(ClipRun(name, None, error=str(exc)))
    return runs
