"""A ``har batch`` run: the videos of a source through pose actors on Ray Data, then the segments
table and the summary.

Ray Data reads the list of videos (one row each, one block each, so that any idle actor takes the
next one), and ``map_batches`` sends them, one at a time, to a pool of :class:`~.worker.VideoAnalyst`
actors, one per CPU (one per GPU for the multi-person back end where Ray sees GPUs), each holding a
loaded pose model. Videos whose analysis is already complete at the destination are skipped before
anything starts, so a run that stopped part way is resumed by running it again; a video that fails
is listed in the summary and the others go on.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from .backends import kind
from .classifier_service import LocalClassifier, answers
from .outputs import Destination, segment_rows, write_summary, write_tables
from .sources import list_videos, result_names

log = logging.getLogger(__name__)


@dataclass
class BatchOptions:
    """What ``har batch`` was asked (see ``har batch --help``)."""

    source: str
    dest: str
    multi: bool = False
    address: str | None = None  # None: a local cluster on this machine
    workers: int | None = None  # None: one per CPU (per GPU with the multi-person back end)
    num_cpus: int | None = None  # CPUs of the local cluster; None: all of this machine's
    classifier_url: str | None = None  # None: the back end's setting (classifier_url)
    actions: bool = True
    model: str | None = None
    stride: int | None = None
    render: bool = False
    labels: str = "centred"  # each frame's label from the windows around it, or "causal" (as live)
    ray_temp_dir: str | None = None
    scratch: str | None = None  # the workers' folder for jobs in progress (their temporary folder)
    overrides: dict = field(default_factory=dict)  # settings of the back end, over its environment


def run_batch(opts: BatchOptions, say=print) -> dict:
    """Analyse every video of ``opts.source`` not yet done at ``opts.dest``; returns the summary
    (also written to ``summary.json``): counts, the failed videos with their errors, and figures.

    Raises:
        FileNotFoundError: the source holds no video.
        ConnectionError: actions are on and no classifier can be had.
    """
    import ray

    videos, root = list_videos(opts.source)
    names = result_names(videos, root)
    dest = Destination(opts.dest)
    settings = kind(opts.multi).settings(opts.overrides)
    rows: dict[str, list[dict]] = {}
    todo = []
    for uri, name in zip(videos, names):
        done = dest.load(name)
        if done is None:
            todo.append({"uri": uri, "name": name})
        else:
            rows[name] = segment_rows(name, done)
    say(f"{len(videos)} video(s) in {opts.source}: {len(videos) - len(todo)} already done, {len(todo)} to analyse")
    job_options = {"actions": opts.actions, "render": opts.render, "model": opts.model, "labels": opts.labels}
    if opts.stride:
        job_options["stride"] = opts.stride
    results: list[dict] = []
    wall = 0.0
    with ExitStack() as stack:
        url = None
        if opts.actions and todo:
            url = _classifier(opts, settings, stack, say)
        if todo:
            _init_ray(ray, opts, stack)
            t0 = time.perf_counter()
            results = _analyse(ray, opts, todo, settings, job_options, url, say)
            wall = time.perf_counter() - t0
    for r in results:
        if r["status"] == "done":
            done = dest.load(r["name"])
            rows[r["name"]] = segment_rows(r["name"], done) if done else []
    write_tables(dest, [row for name in names if name in rows for row in rows[name]])
    summary = _summary(opts, videos, todo, results, wall)
    write_summary(dest, summary)
    return summary


def _classifier(opts: BatchOptions, settings, stack: ExitStack, say) -> str:
    """The classifier URL the workers use: ``--classifier-url``, else the back end's setting; on a
    local cluster, the shipped classifier started for the run when nothing answers there."""
    url = (opts.classifier_url or settings.classifier_url or "").strip()
    key = settings.classifier_api_key or settings.api_key or None
    if url and answers(url, key):
        return url
    if opts.address:
        if not url:
            raise ConnectionError("actions are on but no classifier URL is set: pass --classifier-url or --no-actions")
        # the workers of a remote cluster may reach what this machine cannot (cluster DNS names)
        say(f"the classifier at {url} does not answer from here; the workers will try it")
        return url
    say(f"no classifier answers at {url or '(none set)'}: starting the shipped one for this run")
    try:
        local = stack.enter_context(LocalClassifier(api_key=key))
    except (FileNotFoundError, RuntimeError) as exc:
        raise ConnectionError(f"{exc}; or pass --classifier-url, or --no-actions") from exc
    say(f"classifier service at {local.url}")
    return local.url


def _init_ray(ray, opts: BatchOptions, stack: ExitStack) -> None:
    """Connects to ``opts.address``, or starts a local cluster, shut down (and its session folder
    removed, unless it was named) when ``stack`` closes; a cluster already joined is used as it is."""
    if ray.is_initialized():
        return
    if opts.address:
        ray.init(address=opts.address, logging_level=logging.WARNING)
        stack.callback(ray.shutdown)
        return
    temp = opts.ray_temp_dir or tempfile.mkdtemp(prefix="ray-batch-")
    if not opts.ray_temp_dir:
        stack.callback(shutil.rmtree, temp, ignore_errors=True)
    stack.callback(ray.shutdown)
    ray.init(
        num_cpus=opts.num_cpus or os.cpu_count(),
        _temp_dir=temp,
        include_dashboard=False,
        object_store_memory=512 * 1024 * 1024,  # rows are small: results go to the destination
        logging_level=logging.WARNING,
    )


def _analyse(ray, opts, todo, settings, job_options, url, say) -> list[dict]:
    from .worker import VideoAnalyst

    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0)) if opts.multi else 0
    workers = opts.workers or gpus or max(1, int(resources.get("CPU", 1)))
    overrides = settings.model_dump(mode="json")
    if gpus and overrides.get("provider") == "cpu":
        overrides["provider"] = "auto"  # CUDA where ONNX Runtime has it (onnxruntime-gpu), else the CPU
    say(f"{workers} pose worker(s) ({'GPU' if gpus else 'CPU'}), back end {kind(opts.multi).name}")
    ds = ray.data.from_items(todo, override_num_blocks=len(todo))
    out = ds.map_batches(
        VideoAnalyst,
        fn_constructor_kwargs=dict(
            multi=opts.multi,
            settings=overrides,
            options=job_options,
            dest=opts.dest,
            classifier_url=url,
            scratch=opts.scratch,
        ),
        batch_size=1,
        concurrency=workers,
        num_cpus=1,
        num_gpus=1 if gpus else 0,
    )
    return out.take_all()


def _summary(opts: BatchOptions, videos: list[str], todo: list[dict], results: list[dict], wall: float) -> dict:
    done = [r for r in results if r["status"] == "done"]
    failed = [{"video": r["uri"], "error": r["error"]} for r in results if r["status"] != "done"]
    frames = sum(int(r["frames"]) for r in done)
    return {
        "source": opts.source,
        "videos": len(videos),
        "skipped": len(videos) - len(todo),
        "analysed": len(done),
        "failed": failed,
        "frames": frames,
        "segments": sum(int(r["segments"]) for r in done),
        "seconds": round(wall, 3),
        # the workers' time on the videos themselves, without starting the cluster and loading models
        "worker_seconds": round(sum(float(r["seconds"]) for r in results), 3),
        "clips_per_minute": round(60.0 * len(done) / wall, 2) if wall > 0 else None,
        "frames_per_second": round(frames / wall, 2) if wall > 0 else None,
    }
