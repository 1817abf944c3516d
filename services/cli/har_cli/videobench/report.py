"""The benchmark's report folder: ``report.json`` (every figure), ``report.md`` (the same for people)
and ``timelines/<clip>.png`` (truth and prediction as two timeline rows per person)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .groundtruth import NO_PERSON, OTHER, GroundTruth
from .markdown import markdown, percent
from .runner import ClipRun
from .scoring import HEADLINE, ClipScore
from .summary import clip_json
from .timelines import UNCERTAIN, Timeline

MAX_TRACK_ROWS = 6


def _runs(times_ms: np.ndarray, labels: Sequence[str | None], end_ms: float) -> list[tuple[float, float, str]]:
    """(start_s, end_s, label) runs of equal labels; a frame lasts until the next one."""
    out: list[tuple[float, float, str]] = []
    for i, label in enumerate(labels):
        t0 = times_ms[i] / 1000.0
        t1 = (times_ms[i + 1] if i + 1 < len(times_ms) else end_ms) / 1000.0
        if label is None:
            continue
        if out and out[-1][2] == label and abs(out[-1][1] - t0) < 1e-6:
            out[-1] = (out[-1][0], t1, label)
        else:
            out.append((t0, t1, label))
    return out


def _colours(vocabulary: Sequence[str], labels: Sequence[str]) -> dict[str, object]:
    """One colour per label, the same in every clip's picture: the vocabulary's order first, then any
    other label the model gave, alphabetically; dark tab20 hues before the light ones, never its greys."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    order = [i for i in (*range(0, 20, 2), *range(1, 20, 2)) if i not in (14, 15)]  # no greys: they mean other/uncertain
    special = {UNCERTAIN, NO_PERSON, OTHER}
    known = [x for x in vocabulary if x not in special]
    known += sorted(set(labels) - set(known) - special)
    colours: dict[str, object] = {x: cmap(order[i % len(order)]) for i, x in enumerate(known)}
    colours.update({UNCERTAIN: (0.85, 0.85, 0.85, 1.0), NO_PERSON: (1.0, 1.0, 1.0, 1.0), OTHER: (0.45, 0.45, 0.45, 1.0)})
    return colours


def _timeline_rows(truth, main: Timeline, tracks: Mapping[int, Timeline], end_ms: float):
    """The rows to draw, ``(name, [(start_s, end_s, label)])``, and how many shorter tracks were left out."""
    rows: list[tuple[str, list[tuple[float, float, str]]]] = []
    omitted = 0
    for person in truth.persons:
        spans = [(s.start, s.end, s.label) for s in person.spans]
        if person.id == "main":
            rows += [("main: truth", spans), ("main: predicted", _runs(main.times_ms, main.labels, end_ms))]
            continue
        ranked = sorted(tracks.values(), key=lambda line: -int(line.present().sum()))
        omitted += max(0, len(ranked) - MAX_TRACK_ROWS)
        if not ranked:
            rows += [("all: truth", spans), ("nobody tracked", [])]
        for line in ranked[:MAX_TRACK_ROWS]:
            present = _runs(line.times_ms, [("in" if p else None) for p in line.present()], end_ms)
            seen_truth = [
                (max(a, p0), min(b, p1), lab) for a, b, lab in spans for p0, p1, _ in present if min(b, p1) > max(a, p0)
            ]
            rows += [(f"{line.key}: truth", seen_truth), (f"{line.key}: predicted", _runs(line.times_ms, line.labels, end_ms))]
    return rows, omitted


def draw_clip(
    path: Path,
    clip: str,
    truth,
    main: Timeline,
    tracks: Mapping[int, Timeline],
    duration_s: float,
    score: ClipScore,
    vocabulary: Sequence[str] = (),
) -> None:
    """One PNG: for ``main`` two rows (truth, prediction); for ``all`` two rows per track (the
    ``MAX_TRACK_ROWS`` longest-seen tracks), truth drawn where that track is in view."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows, omitted = _timeline_rows(truth, main, tracks, duration_s * 1000.0)
    labels = {lab for _, runs in rows for _, _, lab in runs}
    colours = _colours(vocabulary, sorted(labels))
    fig, ax = plt.subplots(figsize=(12, 1.3 + 0.45 * len(rows)), dpi=100)
    for y, (_, runs) in enumerate(rows):
        for a, b, lab in runs:
            ax.broken_barh(
                [(a, max(b - a, 1e-3))],
                (y - 0.38, 0.76),
                facecolors=colours[lab],
                edgecolors="0.3",
                linewidth=0.4,
                hatch="//" if lab == UNCERTAIN else None,
            )
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, duration_s)
    ax.set_xlabel("seconds")
    acc = clip_json(score)["accuracy"][HEADLINE]
    title = f"{clip}: {percent(acc)} of spans right ({HEADLINE} reading, lag {score.lag_ms / 1000:.2f} s)"
    ax.set_title(title + (f"; {omitted} shorter tracks not drawn" if omitted else ""), fontsize=9)
    ax.legend(
        handles=[
            Patch(facecolor=colours[x], edgecolor="0.3", hatch="//" if x == UNCERTAIN else None, label=x) for x in sorted(labels)
        ],
        fontsize=7,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        frameon=False,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def write_report(
    out: Path,
    meta: dict,
    truth: GroundTruth,
    runs: Sequence[ClipRun],
    scores: Mapping[str, ClipScore],
    lines: Mapping[str, tuple[Timeline, Mapping[int, Timeline]]],
    summary: dict,
) -> Path:
    """Write report.json, report.md and the timeline PNGs into ``out``; returns the Markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    clips = [clip_json(scores[r.clip]) for r in runs if r.clip in scores]
    failed = [r for r in runs if r.analysis is None]
    for r in runs:
        if r.clip not in scores:
            continue
        main, tracks = lines[r.clip]
        duration = r.analysis.source.duration_ms / 1000.0 or truth.videos[r.clip].duration_s or 1.0
        draw_clip(
            out / "timelines" / f"{r.clip}.png",
            r.clip,
            truth.videos[r.clip],
            main,
            tracks,
            duration,
            scores[r.clip],
            truth.vocabulary,
        )
    body = {**meta, **summary, "failed": [{"clip": r.clip, "error": r.error} for r in failed], "clips": clips}
    (out / "report.json").write_text(json.dumps(body, indent=1))
    path = out / "report.md"
    path.write_text(markdown(meta, summary, clips, failed))
    return path


def model_figures(model_dir: Path, meta: dict, summary: dict) -> Path:
    """Write the figures a model card shows into ``model_dir/real_video.json``; returns its path.

    Raises:
        FileNotFoundError: ``model_dir`` is not a model folder (no ``model.json``).
    """
    if not (model_dir / "model.json").is_file():
        raise FileNotFoundError(f"{model_dir} is not a classifier model folder (no model.json)")
    readings = summary["readings"]
    body = {
        "command": meta["command"],
        "created": meta["created"],
        "groundtruth": meta["groundtruth"],
        "lag_s": meta["lag_s"],
        "labels": meta["labels"],
        "headline_reading": HEADLINE,
        "spans": summary["headline"]["scored"],
        "readings": {
            r: {"correct": v["correct"], "accuracy": v["accuracy"], "macro_recall": v["macro_recall"]}
            for r, v in readings.items()
        },
        "recall": {c: v["recall"] for c, v in readings[HEADLINE]["per_class"].items() if v["spans"]},
        "false_alarms": {k: summary["false_alarms"][k] for k in ("events", "seconds", "reject_seconds", "labels")},
        "false_falls": summary["false_falls"],
        "responsiveness": summary["responsiveness"],
    }
    path = model_dir / "real_video.json"
    path.write_text(json.dumps(body, indent=1))
    return path
