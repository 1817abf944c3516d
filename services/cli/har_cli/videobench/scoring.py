"""Scoring one clip's analysis against its ground truth, and pooling clips into the benchmark's figures.

A clip's :class:`~har_common.schemas.VideoAnalysis` becomes per-frame label *timelines*: ``main`` (in
each frame the largest person found, ``no_person`` when nobody is) and one per real track id. Each
ground-truth span is then read as the dominant (most frequent) per-frame label over the span, in three
readings (:data:`READINGS`):

- ``strict``: the frames inside the span, ``uncertain`` frames counted as votes;
- ``lag``: the span shifted later by the classifier's latency (``lag_ms``; by default half the model's
  window, since a frame's label comes from the window that ends at it, whose middle lies half a window
  back), ``uncertain`` counted. This is the headline (:data:`HEADLINE`): what a user sees, allowing
  for the delay every sliding-window recogniser has;
- ``lag_skip_uncertain``: as ``lag``, but ``uncertain`` frames are skipped (a span with nothing else is
  ``uncertain``).

``no_person`` spans are never shifted (finding a person has no window latency). A prediction is right
when it equals the truth, or when the truth is ``other`` and the prediction a rejection (``other`` or
``uncertain``). Spans shorter than ``min_span_s`` are listed but not scored. For ``all`` spans each
real track seen in the span for at least ``min_span_s`` is one scored item (read over the frames where
it is present); a span with a person in it but no track counts once, as ``no_person``.

False alarms are runs of frames showing a known action (anything but ``other``, ``uncertain`` and
``no_person``) inside ``other`` and ``no_person`` spans, ``falling`` counted apart. False falls are
runs of ``falling`` shown in any span whose truth is not ``falling`` (sitting down taken for a fall
is the costliest error for a fall-monitoring user). Both are read over the shifted (``lag``) span.

Example:
    >>> from har_cli.videobench.groundtruth import VideoTruth
    >>> from har_cli.videobench.timelines import Timeline
    >>> truth = VideoTruth.model_validate({"file": "a.mp4", "mode": "single", "people": 1, "persons": [
    ...     {"id": "main", "spans": [{"start": 0, "end": 2, "label": "walking"},
    ...                              {"start": 2, "end": 4, "label": "other"}]}]})
    >>> labels = ["walking"] * 20 + ["uncertain"] * 10 + ["boxing"] * 10
    >>> line = Timeline("main", np.arange(40) * 100.0, labels)
    >>> score = score_clip("a", truth, line, {}, lag_ms=0.0, people_found=1, untracked=0)
    >>> [(s.truth, s.predicted["strict"], s.correct["strict"]) for s in score.spans]
    [('walking', 'walking', True), ('other', 'uncertain', True)]
    >>> score.false_alarms.events, score.false_alarms.seconds
    (1, 1.0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from har_common.schemas import VideoAnalysis

from .groundtruth import NO_PERSON, OTHER, VideoTruth
from .responsiveness import change_delay, first_labels, label_changes
from .timelines import UNCERTAIN, Timeline, timelines

FALLING = "falling"
REJECTIONS = frozenset({OTHER, UNCERTAIN})
NOT_ACTIONS = REJECTIONS | {NO_PERSON}
READINGS = ("strict", "lag", "lag_skip_uncertain")
HEADLINE = "lag"


def is_correct(truth: str, predicted: str | None) -> bool:
    """Right when equal, or when the truth is ``other`` and the prediction rejects (``other``/``uncertain``)."""
    return predicted == truth or (truth == OTHER and predicted in REJECTIONS)


def as_scored(label: str | None) -> str:
    """The label the class metrics see: ``uncertain`` is a rejection, the same as ``other``."""
    return OTHER if label == UNCERTAIN else (label or NO_PERSON)


def dominant(labels: Iterable[str]) -> str | None:
    """The most frequent label (ties: the one seen first); None for no labels."""
    counts = Counter(labels)
    return counts.most_common(1)[0][0] if counts else None


def _window(truth: str, start_s: float, end_s: float, lag_ms: float, clip_end_ms: float) -> tuple[float, float]:
    lo, hi = start_s * 1000.0, end_s * 1000.0
    if truth == NO_PERSON or lag_ms <= 0:
        return lo, hi
    # the shift is capped so the span stays inside the clip (a last span is read as it is)
    shift = max(0.0, min(lag_ms, clip_end_ms - hi))
    return lo + shift, hi + shift


def read_span(
    line: Timeline, lo_ms: float, hi_ms: float, skip_uncertain: bool = False, skip_absent: bool = False
) -> tuple[str | None, int]:
    """The dominant label of ``line`` over ``[lo_ms, hi_ms)`` and how many frames it saw.

    Frames where a track is absent (None) never vote; with ``skip_absent`` neither do ``no_person``
    frames unless nobody is found at all; with ``skip_uncertain`` neither do ``uncertain`` frames
    unless they are all there is."""
    t = line.times_ms
    idx = np.flatnonzero((t >= lo_ms) & (t < hi_ms))
    labels = [line.labels[i] for i in idx if line.labels[i] is not None]
    if skip_absent:
        labels = [x for x in labels if x != NO_PERSON] or labels
    n = len(labels)
    if skip_uncertain:
        kept = [x for x in labels if x != UNCERTAIN]
        return (dominant(kept) or (UNCERTAIN if labels else None)), n
    return dominant(labels), n


@dataclass
class SpanScore:
    """One scored (or skipped) item: a ground-truth span, for ``main`` or for one track of an ``all`` span."""

    clip: str
    person: str  # "main", "track N", or "all" (nobody was tracked)
    truth: str
    start_s: float
    end_s: float
    scored: bool
    reason: str | None = None  # why it was not scored
    frames: int = 0  # frames read (headline reading)
    changes: int = 0  # changes of the shown label over the frames read (headline reading)
    predicted: dict[str, str | None] = field(default_factory=dict)
    correct: dict[str, bool] = field(default_factory=dict)


@dataclass
class FalseAlarms:
    """Known actions shown inside ``other``/``no_person`` spans: runs of frames (events) and their seconds."""

    events: int = 0
    seconds: float = 0.0
    fall_events: int = 0
    fall_seconds: float = 0.0
    reject_seconds: float = 0.0  # time looked at: span length (main), or each track's time in view (all)
    labels: dict[str, int] = field(default_factory=dict)  # events per shown label

    def add(self, other: FalseAlarms) -> None:
        self.events += other.events
        self.seconds = round(self.seconds + other.seconds, 3)
        self.fall_events += other.fall_events
        self.fall_seconds = round(self.fall_seconds + other.fall_seconds, 3)
        self.reject_seconds = round(self.reject_seconds + other.reject_seconds, 3)
        for k, v in other.labels.items():
            self.labels[k] = self.labels.get(k, 0) + v

    @property
    def per_minute(self) -> float | None:
        return round(60.0 * self.events / self.reject_seconds, 2) if self.reject_seconds > 0 else None


@dataclass
class PeopleFound:
    """Finding people: frames of person spans with someone found, frames of empty spans with someone found."""

    person_frames: int = 0
    person_frames_found: int = 0
    empty_frames: int = 0
    empty_frames_found: int = 0
    tracks: int = 0  # distinct real track ids
    untracked: int = 0  # detections without a track id
    people: int = 0  # people in the ground truth

    def count(self, truth: str, in_span, someone) -> None:
        """Add one span's frames: ``in_span`` and ``someone`` are per-frame masks of the main timeline."""
        if truth == NO_PERSON:
            self.empty_frames += int(in_span.sum())
            self.empty_frames_found += int((in_span & someone).sum())
        else:
            self.person_frames += int(in_span.sum())
            self.person_frames_found += int((in_span & someone).sum())

    @property
    def found_rate(self) -> float | None:
        return round(self.person_frames_found / self.person_frames, 4) if self.person_frames else None


@dataclass
class ClipScore:
    """Everything measured on one clip."""

    clip: str
    spans: list[SpanScore]
    false_alarms: FalseAlarms
    detection: PeopleFound
    lag_ms: float
    false_falls: FalseAlarms = field(default_factory=FalseAlarms)  # `falling` shown in any span but a fall
    first_label_s: list[float | None] = field(default_factory=list)  # per appearance (None: never labelled)
    change_delay_s: list[float | None] = field(default_factory=list)  # per annotated change (None: missed)


def _false_alarms(line: Timeline, lo_ms: float, hi_ms: float, step_s: float, only: str | None = None, excused=()) -> FalseAlarms:
    """Runs of known actions (or only of the label ``only``) shown on ``line`` within ``[lo_ms, hi_ms)``, leaving
    out the frames inside any ``excused`` ``(lo, hi)`` ms interval."""
    fa = FalseAlarms(reject_seconds=max(0.0, (hi_ms - lo_ms) / 1000.0))
    t = line.times_ms
    keep = (t >= lo_ms) & (t < hi_ms)
    for a, b in excused:
        keep &= ~((t >= a) & (t < b))
    idx = np.flatnonzero(keep)
    prev: str | None = None
    for i in idx:
        label = line.labels[i]
        alarm = label is not None and label not in NOT_ACTIONS and (only is None or label == only)
        if alarm:
            fa.seconds += step_s
            if label == FALLING:
                fa.fall_seconds += step_s
            if label != prev:
                fa.events += 1
                fa.labels[label] = fa.labels.get(label, 0) + 1
                fa.fall_events += label == FALLING
        prev = label if alarm else None
    fa.seconds, fa.fall_seconds = round(fa.seconds, 3), round(fa.fall_seconds, 3)
    return fa


def _read_all(clip: str, person: str, truth: str, span, line: Timeline, lag_ms: float, clip_end_ms: float) -> SpanScore:
    item = SpanScore(clip, person, truth, span.start, span.end, scored=True)
    for reading in READINGS:
        lag = 0.0 if reading == "strict" else lag_ms
        lo, hi = _window(truth, span.start, span.end, lag, clip_end_ms)
        # the shift is for the label's latency, not for finding the person: frames of nobody in the
        # shifted span (a person who has just left) do not vote unless nobody is found at all
        label, n = read_span(
            line, lo, hi, skip_uncertain=reading == "lag_skip_uncertain", skip_absent=reading != "strict" and truth != NO_PERSON
        )
        item.predicted[reading] = label
        item.correct[reading] = is_correct(truth, label)
        if reading == HEADLINE:
            item.frames = n
            item.changes = label_changes(line, lo, hi)
    if all(v is None for v in item.predicted.values()):
        item.scored, item.reason = False, "no analysed frames in the span"
        item.predicted, item.correct = {}, {}
    return item


def _watch(
    truth: str, watched, lo: float, hi: float, step_s: float, by_main: bool, fa: FalseAlarms, falls: FalseAlarms, fall_windows=()
) -> None:
    """Add the false alarms (in ``other``/``no_person`` spans) and false falls (anywhere but a fall)
    the ``watched`` timelines show over ``[lo, hi)`` ms. ``fall_windows``: the clip's true falls as the
    headline reads them (``(lo, hi)`` ms, latency allowed): `falling` there is that fall, shown late, not a
    false one."""
    for line in watched:
        if truth in (OTHER, NO_PERSON):
            one = _false_alarms(line, lo, hi, step_s)
            if not by_main:  # every track is watched: the time looked at is person-seconds
                in_window = (line.times_ms >= lo) & (line.times_ms < hi)
                one.reject_seconds = round(float((line.present() & in_window).sum()) * step_s, 3)
            fa.add(one)
        if truth != FALLING:
            falls.add(_false_alarms(line, lo, hi, step_s, only=FALLING, excused=fall_windows))


def _read_tracks(
    clip: str, span, tracks: Mapping[int, Timeline], in_span, step_s: float, min_span_s: float, lag_ms: float, clip_end_ms: float
) -> list[SpanScore]:
    """An ``all`` span: one item per track seen in it long enough; none seen is one miss (``no_person``)."""
    seen = [line for line in tracks.values() if (line.present() & in_span).sum() * step_s >= min_span_s]
    if not seen:
        item = SpanScore(clip, "all", span.label, span.start, span.end, scored=True, frames=int(in_span.sum()))
        item.predicted = {r: NO_PERSON for r in READINGS}
        item.correct = {r: False for r in READINGS}
        return [item]
    return [_read_all(clip, line.key, span.label, span, line, lag_ms, clip_end_ms) for line in seen]


def score_clip(
    clip: str,
    truth: VideoTruth,
    main: Timeline,
    tracks: Mapping[int, Timeline],
    lag_ms: float,
    people_found: int | None = None,
    untracked: int = 0,
    min_span_s: float = 0.5,
) -> ClipScore:
    """Score one clip from its ``main`` timeline and its per-track ones (see :func:`timelines`).

    Args:
        lag_ms: the latency allowed for in the ``lag`` readings, in milliseconds (>= 0).
        people_found: distinct real track ids (default: ``len(tracks)``).
        untracked: detections without a track id.
        min_span_s: spans (and tracks within ``all`` spans) shorter than this are not scored.
    """
    if lag_ms < 0:
        raise ValueError("lag_ms must be >= 0")
    main_line = main
    t = main_line.times_ms
    step_s = float(np.median(np.diff(t))) / 1000.0 if len(t) > 1 else 0.0
    clip_end_ms = float(t[-1]) + 1000.0 * step_s if len(t) else 0.0
    spans: list[SpanScore] = []
    fa, falls = FalseAlarms(), FalseAlarms()
    det = PeopleFound(tracks=len(tracks) if people_found is None else people_found, untracked=untracked, people=truth.people)
    someone = main_line.present()
    # a true fall's own reading window (latency allowed) may overlap the next span's; `falling` there is late,
    # not false
    fall_windows = [
        _window(FALLING, s.start, s.end, lag_ms, clip_end_ms) for p in truth.persons for s in p.spans if s.label == FALLING
    ]
    for person in truth.persons:
        for span in person.spans:
            in_span = (t >= span.start * 1000.0) & (t < span.end * 1000.0)
            det.count(span.label, in_span, someone)
            # the rows a user watches in this span, over the span as the headline reads it
            by_main = person.id == "main" or span.label == NO_PERSON
            watched = [main_line] if by_main else list(tracks.values())
            lo, hi = _window(span.label, span.start, span.end, lag_ms, clip_end_ms)
            _watch(span.label, watched, lo, hi, step_s, by_main, fa, falls, fall_windows)
            if span.duration_s < min_span_s:
                reason = f"shorter than {min_span_s:g} s"
                spans.append(SpanScore(clip, person.id, span.label, span.start, span.end, scored=False, reason=reason))
            elif by_main:
                spans.append(_read_all(clip, person.id, span.label, span, main_line, lag_ms, clip_end_ms))
            else:
                spans.extend(_read_tracks(clip, span, tracks, in_span, step_s, min_span_s, lag_ms, clip_end_ms))
    rows = [main_line] if truth.mode == "single" else list(tracks.values())
    delays = [d for line in rows for d in first_labels(line)]
    changes = []
    for person in truth.persons:
        if person.id != "main":  # an `all` span's people are not told apart: no change of one person to follow
            continue
        for before, span in zip(person.spans, person.spans[1:]):
            if NO_PERSON in (before.label, span.label) or before.label == span.label or span.duration_s < min_span_s:
                continue
            _, until = _window(span.label, span.start, span.end, lag_ms, clip_end_ms)
            rejections = REJECTIONS if span.label == OTHER else ()
            changes.append(change_delay(main_line, span.label, span.start * 1000.0, until, rejections))
    return ClipScore(clip, spans, fa, det, lag_ms, falls, delays, changes)


def score_analysis(clip: str, truth: VideoTruth, analysis: VideoAnalysis, lag_ms: float, min_span_s: float = 0.5) -> ClipScore:
    """:func:`score_clip` on a service's analysis of the clip."""
    main, tracks, untracked = timelines(analysis)
    return score_clip(clip, truth, main, tracks, lag_ms, len(tracks), untracked, min_span_s)
