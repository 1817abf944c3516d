"""How soon a label comes and how steady it stays: the two sides of a sliding-window recogniser's
window length and smoothing.

- *First label*: for every appearance of a person (a run of frames with someone on the row; gaps up
  to ``max_gap_ms`` do not break it, as the pose pipeline keeps a track's window over them), the
  seconds from the first frame to the first frame shown with a decision (any label but ``uncertain``;
  ``other`` is a decision). An appearance that ends undecided is counted as never labelled.
- *Short events*: the headline reading's accuracy over scored spans shorter than ``short_s`` (a fall,
  sitting down, standing up), against the longer ones.
- *Changes in long spans*: how often the shown label changes (``uncertain`` counted, since a user sees
  it) inside the headline window of each scored span at least ``short_s`` long, per minute of those
  spans. The truth does not change inside a span, so every change there is flicker.
- *Change delay*: where one person's annotated action changes to another (neither ``no_person``; the
  new span scored), the seconds from the annotated start of the new span to the first frame shown
  with it (a rejection counts for ``other``), looked for until the headline reading's end of that
  span; not shown by then is a missed change. The ``lag`` reading allows half the window for this
  delay: a median above it says why short spans read the action before them.

Example:
    >>> import numpy as np
    >>> from har_cli.videobench.timelines import Timeline
    >>> labels = ["no_person"] * 5 + ["uncertain"] * 10 + ["walking"] * 10 + ["uncertain", "walking"]
    >>> first_labels(Timeline("main", np.arange(27) * 100.0, labels))
    [1.0]
    >>> label_changes(Timeline("main", np.arange(27) * 100.0, labels), 1500.0, 2700.0)
    2
    >>> change_delay(Timeline("main", np.arange(27) * 100.0, labels), "walking", 1000.0, 2700.0)
    0.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from har_common.pose.pipeline import PipelineConfig

from .groundtruth import NO_PERSON
from .timelines import UNCERTAIN, Timeline

SHORT_S = 3.0  # spans under this are short events: about the default model's 3.2 s window


def _decided(label: str | None) -> bool:
    return label is not None and label not in (UNCERTAIN, NO_PERSON)


def first_labels(line: Timeline, max_gap_ms: float = PipelineConfig.max_gap_ms) -> list[float | None]:
    """Seconds from each appearance's first frame to its first decided label (None: never decided).

    Args:
        line: one row's per-frame labels.
        max_gap_ms: frames without the person for up to this long do not end an appearance (the pose
            pipeline's own gap, after which a track starts a new window).
    """
    present = line.present()
    out: list[float | None] = []
    start = last = None
    decided_at = None
    for t, here, label in zip(line.times_ms, present, line.labels):
        if not here:
            continue
        if last is None or t - last > max_gap_ms:
            if start is not None:
                out.append(None if decided_at is None else round(float(decided_at - start) / 1000.0, 3))
            start, decided_at = t, None
        if decided_at is None and _decided(label):
            decided_at = t
        last = t
    if start is not None:
        out.append(None if decided_at is None else round(float(decided_at - start) / 1000.0, 3))
    return out


def label_changes(line: Timeline, lo_ms: float, hi_ms: float) -> int:
    """Changes of the shown label between consecutive frames with someone on the row in ``[lo_ms, hi_ms)``."""
    shown = [x for t, x, here in zip(line.times_ms, line.labels, line.present()) if lo_ms <= t < hi_ms and here]
    return sum(a != b for a, b in zip(shown, shown[1:]))


def change_delay(line: Timeline, label: str, start_ms: float, until_ms: float, rejections=()) -> float | None:
    """Seconds from ``start_ms`` to the first frame in ``[start_ms, until_ms)`` shown as ``label`` (or as one of
    ``rejections``), None if there is none: the delay before an annotated change of action is named."""
    t = line.times_ms
    for ti, shown in zip(t, line.labels):
        if start_ms <= ti < until_ms and (shown == label or shown in rejections):
            return round(float(ti - start_ms) / 1000.0, 3)
    return None


def _split_missing(delays: Iterable[float | None]) -> tuple[list[float], int]:
    """The delays measured, and how many were not (``None``).

    >>> _split_missing([0.5, None, 1.0, None])
    ([0.5, 1.0], 2)
    """
    delays = list(delays)
    return [d for d in delays if d is not None], sum(d is None for d in delays)


@dataclass
class Responsiveness:
    """Pooled first-label delays, short-event accuracy and changes inside long spans."""

    first_label_s: list[float] = field(default_factory=list)
    never_labelled: int = 0
    short_scored: int = 0
    short_correct: int = 0
    long_scored: int = 0
    long_correct: int = 0
    long_changes: int = 0
    long_seconds: float = 0.0
    change_delay_s: list[float] = field(default_factory=list)
    changes_missed: int = 0

    def add_first_labels(self, delays: Iterable[float | None]) -> None:
        """Pool one clip's first-label delays (s); ``None`` is an appearance never labelled."""
        found, missing = _split_missing(delays)
        self.first_label_s += found
        self.never_labelled += missing

    def add_change_delays(self, delays: Iterable[float | None]) -> None:
        """Pool one clip's change delays (s); ``None`` is a change not shown in time."""
        found, missing = _split_missing(delays)
        self.change_delay_s += found
        self.changes_missed += missing

    def add_span(self, duration_s: float, correct: bool, changes: int) -> None:
        if duration_s < SHORT_S:
            self.short_scored += 1
            self.short_correct += int(correct)
        else:
            self.long_scored += 1
            self.long_correct += int(correct)
            self.long_changes += changes
            self.long_seconds += duration_s

    def as_json(self) -> dict:
        d: Sequence[float] = self.first_label_s
        c: Sequence[float] = self.change_delay_s
        return {
            "appearances": len(d) + self.never_labelled,
            "never_labelled": self.never_labelled,
            "first_label_s": {
                "median": round(float(np.median(d)), 2) if d else None,
                "max": round(float(np.max(d)), 2) if d else None,
            },
            "short_s": SHORT_S,
            "short_spans": {"scored": self.short_scored, "correct": self.short_correct},
            "long_spans": {"scored": self.long_scored, "correct": self.long_correct},
            "long_span_changes": self.long_changes,
            "long_span_changes_per_minute": round(60.0 * self.long_changes / self.long_seconds, 2) if self.long_seconds else None,
            "changes": len(c) + self.changes_missed,
            "changes_missed": self.changes_missed,
            "change_delay_s": {
                "median": round(float(np.median(c)), 2) if c else None,
                "max": round(float(np.max(c)), 2) if c else None,
            },
        }
