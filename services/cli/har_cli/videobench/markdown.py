"""The benchmark report as Markdown (``report.md``); everything in it is also in ``report.json``."""

from __future__ import annotations

from collections.abc import Sequence

from .runner import ClipRun
from .scoring import HEADLINE, READINGS


def percent(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def _md_head(meta: dict, summary: dict, clips: Sequence[dict], failed: Sequence[ClipRun]) -> list[str]:
    h = summary["headline"]
    out = [
        f"# Real-video benchmark: {meta['model']}",
        "",
        f"Ground truth `{meta['groundtruth']}`, {len(clips)} clip(s) analysed"
        + (f", {len(failed)} failed" if failed else "")
        + f"; {meta.get('labels', 'causal')} labels; latency allowed {meta['lag_s']:.2f} s "
        f"({meta['lag_source']}); spans under {meta['min_span_s']:g} s not scored.",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"**Headline ({HEADLINE} reading): {h['correct']} of {h['scored']} spans right ({percent(h['accuracy'])}).**",
        "",
    ]
    if failed:
        out += ["## Failed clips", ""] + [f"- {r.clip}: {r.error}" for r in failed] + [""]
    return out


def _md_classes(summary: dict) -> list[str]:
    out: list[str] = []
    out += ["## Readings", ""] + _table(
        ["reading", "spans right", "accuracy", "macro recall"],
        [
            (
                r,
                f"{summary['readings'][r]['correct']} / {summary['readings'][r]['scored']}",
                percent(summary["readings"][r]["accuracy"]),
                percent(summary["readings"][r]["macro_recall"]),
            )
            for r in READINGS
        ],
    )
    head = summary["readings"][HEADLINE]
    out += ["", f"## Per class ({HEADLINE} reading; `uncertain` counts as `other`)", ""] + _table(
        ["class", "spans", "recall", "predicted", "precision"],
        [(c, v["spans"], percent(v["recall"]), v["predicted"], percent(v["precision"])) for c, v in head["per_class"].items()],
    )
    conf = head["confusion"]
    out += ["", f"## Confusion ({HEADLINE} reading): truth by prediction", ""] + _table(
        ["truth \\ predicted", *conf["predicted"]], [(t, *row) for t, row in zip(conf["truth"], conf["matrix"])]
    )
    return out


def _md_alarms(summary: dict) -> list[str]:
    out: list[str] = []
    fa = summary["false_alarms"]
    out += [
        "",
        "## False alarms (known actions shown in `other` and `no_person` spans)",
        "",
        f"{fa['events']} event(s), {fa['seconds']:.1f} s in {fa['reject_seconds']:.1f} s of such spans "
        f"({fa['per_minute'] if fa['per_minute'] is not None else 'n/a'} a minute), of them falling: "
        f"{fa['fall_events']}"
        + (f"; by label: {', '.join(f'{k} {v}' for k, v in sorted(fa['labels'].items()))}" if fa["labels"] else ""),
        "",
    ]
    ff = summary["false_falls"]
    out += [
        (
            f"**False falls (`falling` shown in any span that is not a fall): {ff['events']} event(s), "
            f"{ff['seconds']:.1f} s** in {ff['watched_seconds']:.1f} s watched."
        ),
        "",
    ]
    r = summary["responsiveness"]
    out += [
        "## Responsiveness",
        "",
        (
            f"First label after a person appears: median {r['first_label_s']['median']} s, max "
            f"{r['first_label_s']['max']} s over {r['appearances']} appearance(s), {r['never_labelled']} never "
            f"labelled. Spans under {r['short_s']:g} s (short events) right: {r['short_spans']['correct']} of "
            f"{r['short_spans']['scored']}; longer spans: {r['long_spans']['correct']} of {r['long_spans']['scored']}, "
            f"with {r['long_span_changes']} label change(s) inside them ({r['long_span_changes_per_minute']} a minute; "
            "the truth does not change inside a span). Annotated changes of one person's action named: "
            f"{r['changes'] - r['changes_missed']} of {r['changes']}, after a median {r['change_delay_s']['median']} s "
            f"(max {r['change_delay_s']['max']} s) from the annotated change."
        ),
        "",
    ]
    d = summary["detection"]
    out += [
        (
            f"People found in {percent(d['found_rate'])} of the frames of spans with someone in view; "
            f"someone found in {d['empty_frames_found']} of {d['empty_frames']} frames of empty spans."
        ),
        "",
        "## Per clip",
        "",
    ]
    return out


def _md_clips(clips: Sequence[dict]) -> list[str]:
    out: list[str] = []
    out += _table(
        ["clip", *[f"{r}" for r in READINGS], "person found", "tracks / people", "false alarms / false falls", "timeline"],
        [
            (
                c["clip"],
                *[percent(c["accuracy"][r]) for r in READINGS],
                percent(c["detection"]["found_rate"]),
                f"{c['detection']['tracks']} / {c['detection']['people']}",
                f"{c['false_alarms']['events']} / {c['false_falls']['events']}",
                f"![{c['clip']}](timelines/{c['clip']}.png)",
            )
            for c in clips
        ],
    )
    out += ["", "## Spans", ""] + _table(
        ["clip", "person", "truth", "seconds", *READINGS, "note"],
        [
            (
                s["clip"],
                s["person"],
                s["truth"],
                f"{s['start_s']:.1f}-{s['end_s']:.1f}",
                *[(s["predicted"].get(r) or "-") + (" ✓" if s["correct"].get(r) else "") for r in READINGS],
                s["reason"] or "",
            )
            for c in clips
            for s in c["spans"]
        ],
    )
    return out


def markdown(meta: dict, summary: dict, clips: Sequence[dict], failed: Sequence[ClipRun]) -> str:
    """The report as Markdown (everything in it is also in ``report.json``)."""
    out = _md_head(meta, summary, clips, failed) + _md_classes(summary) + _md_alarms(summary) + _md_clips(clips)
    return "\n".join(out) + "\n"
