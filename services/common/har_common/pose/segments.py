"""Per-frame labels cut into segments: a track's run of one label is an
:class:`~har_common.schemas.ActionSegment`, a run of ``uncertain`` an
:class:`~har_common.schemas.UnlabelledSpan` with its reason. Used by the live pipeline
(:class:`~.pipeline.ActionRecognizer`) and by labelling after the fact (:mod:`.centred`), so both
cut the same way.

Example:
    >>> from har_common.schemas import ActionLabel
    >>> cutter = SegmentCutter()
    >>> for t, name in [(0, "walking"), (100, "walking"), (200, "running")]:
    ...     cutter.add(7, t, ActionLabel(label=name, confidence=0.8))
    >>> [(s.label, s.start_ms, s.end_ms) for s in cutter.finish(300.0)]  # segments meet at the change
    [('walking', 0.0, 200.0), ('running', 200.0, 300.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schemas import ActionLabel, ActionSegment, UnlabelledReason, UnlabelledSpan

UNCERTAIN = "uncertain"


@dataclass
class _Segment:
    label: str
    start_ms: float
    end_ms: float
    conf_sum: float = 0.0
    n: int = 0
    reason: UnlabelledReason | None = None  # why an `uncertain` segment is one


class SegmentCutter:
    """Open segments per track; closed ones wait in :meth:`drain_segments` / :meth:`drain_unlabelled`.

    ``min_segment_ms``: labelled segments shorter than this are not reported (``uncertain`` spans
    always are, when they last at all).
    """

    def __init__(self, min_segment_ms: float = 0.0):
        self.min_segment_ms = min_segment_ms
        self._open: dict[int | None, _Segment] = {}
        self._closed: list[ActionSegment] = []
        self._unlabelled: list[UnlabelledSpan] = []

    def add(self, track_id: int | None, t_ms: float, label: ActionLabel) -> None:
        """One person's label at one frame (frames in time order)."""
        seg = self._open.get(track_id)
        if seg is not None and seg.label == label.label and seg.reason == label.reason:
            seg.end_ms, seg.conf_sum, seg.n = t_ms, seg.conf_sum + label.confidence, seg.n + 1
            return
        if seg is not None:
            seg.end_ms = max(seg.end_ms, t_ms)  # segments meet at the change
            self._close(track_id, seg)
        self._open[track_id] = _Segment(label.label, t_ms, t_ms, label.confidence, 1, label.reason)

    def close(self, track_id: int | None, t_ms: float | None = None) -> None:
        """End the track's open segment (the track is gone), at ``t_ms`` if later than its last frame."""
        seg = self._open.pop(track_id, None)
        if seg is not None:
            if t_ms is not None:
                seg.end_ms = max(seg.end_ms, t_ms)
            self._close(track_id, seg)

    def finish(self, t_ms: float | None = None) -> list[ActionSegment]:
        """Close every open segment (end of the video or stream); return all undrained ones."""
        for tid in list(self._open):
            self.close(tid, t_ms)
        return self.drain_segments()

    def drain_segments(self) -> list[ActionSegment]:
        """Segments closed since the last call, in the order they closed."""
        out, self._closed = self._closed, []
        return out

    def drain_unlabelled(self) -> list[UnlabelledSpan]:
        """Time ranges of ``uncertain`` labels closed since the last call, with their reasons."""
        out, self._unlabelled = self._unlabelled, []
        return out

    def _close(self, track_id: int | None, seg: _Segment) -> None:
        start, end = round(seg.start_ms, 3), round(seg.end_ms, 3)
        if seg.label == UNCERTAIN:
            if seg.end_ms > seg.start_ms:
                self._unlabelled.append(
                    UnlabelledSpan(track_id=track_id, start_ms=start, end_ms=end, reason=seg.reason or "low_confidence")
                )
            return
        if seg.end_ms - seg.start_ms < self.min_segment_ms:
            return
        self._closed.append(
            ActionSegment(
                track_id=track_id,
                label=seg.label,
                start_ms=start,
                end_ms=end,
                duration_ms=round(end - start, 3),
                mean_confidence=round(min(max(seg.conf_sum / max(seg.n, 1), 0.0), 1.0), 4),
            )
        )
