"""Pooling scored clips into the benchmark's figures: per reading the span accuracy, macro recall,
per-class recall and precision (scikit-learn), the confusion table, false alarms and detection totals.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from .groundtruth import NO_PERSON
from .responsiveness import Responsiveness
from .scoring import HEADLINE, READINGS, ClipScore, FalseAlarms, PeopleFound, SpanScore, as_scored


def _class_table(y_true: list[str], y_pred: list[str]) -> dict[str, dict[str, float | int | None]]:
    from sklearn.metrics import precision_recall_fscore_support

    classes = sorted(set(y_true) | set(y_pred))
    p, r, _, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=np.nan)
    predicted = Counter(y_pred)
    table = {}
    for c, pc, rc, n in zip(classes, p, r, support):
        table[c] = {
            "spans": int(n),
            "predicted": int(predicted[c]),
            "recall": None if n == 0 else round(float(rc), 4),
            "precision": None if predicted[c] == 0 else round(float(pc), 4),
        }
    return table


def summarize(clips: Sequence[ClipScore]) -> dict:
    """Pool clips: per reading the span accuracy, macro recall, per-class recall and precision (over
    spans, ``uncertain`` read as ``other``) and the confusion table (truth by raw prediction); false
    alarms, detection totals and responsiveness (:mod:`.responsiveness`). Returns a JSON-ready dict."""
    from sklearn.metrics import confusion_matrix

    items = [s for c in clips for s in c.spans if s.scored]
    readings = {}
    for reading in READINGS:
        y_true = [s.truth for s in items]
        y_raw = [s.predicted[reading] or NO_PERSON for s in items]
        y_pred = [as_scored(s.predicted[reading]) for s in items]
        correct = sum(s.correct[reading] for s in items)
        per_class = _class_table(y_true, y_pred) if items else {}
        recalls = [v["recall"] for k, v in per_class.items() if v["spans"]]
        truth_labels = sorted(set(y_true))
        pred_labels = sorted(set(y_raw))
        matrix = []
        if items:
            labels = sorted(set(truth_labels) | set(pred_labels))
            with warnings.catch_warnings():  # one label alone is a fine answer here
                warnings.simplefilter("ignore", UserWarning)
                full = confusion_matrix(y_true, y_raw, labels=labels)
            rows = [labels.index(x) for x in truth_labels]
            cols = [labels.index(x) for x in pred_labels]
            matrix = full[np.ix_(rows, cols)].tolist()
        readings[reading] = {
            "accuracy": round(correct / len(items), 4) if items else None,
            "correct": int(correct),
            "scored": len(items),
            "macro_recall": round(float(np.mean(recalls)), 4) if recalls else None,
            "per_class": per_class,
            "confusion": {"truth": truth_labels, "predicted": pred_labels, "matrix": matrix},
        }
    fa, falls = FalseAlarms(), FalseAlarms()
    det = PeopleFound()
    timing = Responsiveness()
    for s in items:
        if s.truth != NO_PERSON:  # an empty room is neither an event nor an action to hold
            timing.add_span(s.end_s - s.start_s, s.correct[HEADLINE], s.changes)
    for c in clips:
        timing.add_first_labels(c.first_label_s)
        timing.add_change_delays(c.change_delay_s)
        fa.add(c.false_alarms)
        falls.add(c.false_falls)
        for k, v in asdict(c.detection).items():
            setattr(det, k, getattr(det, k) + v)
    return {
        "headline": {
            "reading": HEADLINE,
            "accuracy": readings[HEADLINE]["accuracy"],
            "correct": readings[HEADLINE]["correct"],
            "scored": len(items),
        },
        "readings": readings,
        "skipped": sum(1 for c in clips for s in c.spans if not s.scored),
        "false_alarms": {**asdict(fa), "per_minute": fa.per_minute},
        "false_falls": {"events": falls.events, "seconds": falls.seconds, "watched_seconds": falls.reject_seconds},
        "detection": {**asdict(det), "found_rate": det.found_rate},
        "responsiveness": timing.as_json(),
    }


def clip_json(c: ClipScore) -> dict:
    """One clip's figures, JSON-ready."""
    return {
        "clip": c.clip,
        "lag_ms": c.lag_ms,
        "spans": [asdict(s) for s in c.spans],
        "accuracy": {r: _acc(c.spans, r) for r in READINGS},
        "false_alarms": {**asdict(c.false_alarms), "per_minute": c.false_alarms.per_minute},
        "false_falls": {"events": c.false_falls.events, "seconds": c.false_falls.seconds},
        "detection": {**asdict(c.detection), "found_rate": c.detection.found_rate},
        "first_label_s": c.first_label_s,
        "change_delay_s": c.change_delay_s,
    }


def _acc(spans: Sequence[SpanScore], reading: str) -> float | None:
    scored = [s for s in spans if s.scored]
    return round(sum(s.correct[reading] for s in scored) / len(scored), 4) if scored else None
