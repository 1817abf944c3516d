"""The tracker on synthetic boxes: a person hidden for 0.5-1 s keeps their id; someone else does not take it."""

from __future__ import annotations

import numpy as np
import pytest

from har_pose_multi.tracking import PersonTracker

FPS = 15.0
SCORE = np.array([0.9], np.float32)


def walker(t: int, x0: float = 20.0, speed: float = 8.0) -> np.ndarray:
    """A 90x300 px box walking right at ``speed`` px a frame."""
    return np.array([[x0 + speed * t, 150, x0 + speed * t + 90, 450]], np.float32)


@pytest.mark.parametrize("hidden_s", [0.5, 1.0])
def test_hidden_walker_keeps_id(hidden_s):
    """Steady walking, then nothing for 0.5 or 1 s: the box comes back 60-120 px further on."""
    tracker = PersonTracker(lost_seconds=1.5)
    hide = range(20, 20 + round(hidden_s * FPS))
    ids = []
    for t in range(60):
        box = np.zeros((0, 4), np.float32) if t in hide else walker(t)
        ids.append(tracker.update(box, SCORE[: len(box)], t * 1000 / FPS))
    before, after = ids[hide.start - 1], [i for t, i in enumerate(ids) if t >= hide.stop]
    assert before == [0]
    assert all(i == [0] for i in after), after


def test_walker_crossed_by_another_keeps_id():
    """The crossing case: someone walking the other way covers the walker from their leading edge
    (the visible box narrows, so the filter's velocity turns back), hides them for 2 frames, and
    they come out on the other side, front first (a narrow box where they are heading)."""
    tracker = PersonTracker()
    ids = []
    for t in range(40):
        box = walker(t)
        if 16 <= t < 20:  # the front edge goes back as the other walker covers it
            box[0, 2] -= 18 * (t - 15)
        if t in (22, 23):  # only the front 30 px are out from behind the other walker
            box[0, 0] = box[0, 2] - 30
        box = np.zeros((0, 4), np.float32) if t in (20, 21) else box
        ids.append(tracker.update(box, SCORE[: len(box)], t * 1000 / FPS))
    assert {i for frame in ids[1:] for i in frame} <= {0, None} and ids[-1] == [0], ids


def test_someone_else_far_away_gets_a_new_id():
    """A box appearing far from where the lost person was heading is another person."""
    tracker = PersonTracker()
    for t in range(10):
        tracker.update(walker(t), SCORE, t * 1000 / FPS)
    other = np.array([[500, 150, 590, 450]], np.float32)
    ids = [tracker.update(other - 20 * t, SCORE, (12 + t) * 1000 / FPS) for t in range(5)]
    assert ids[-1] not in ([0], [None]), ids


def test_a_much_smaller_box_gets_a_new_id():
    """A child-sized box near where the lost adult was heading (within the distance gate, not
    overlapping their predicted box, so ByteTrack's own IoU match does not apply) is not the adult."""
    tracker = PersonTracker()
    for t in range(10):
        tracker.update(walker(t), SCORE, t * 1000 / FPS)
    small = np.array([[236, 330, 286, 450]], np.float32)
    ids = [tracker.update(small, SCORE, (12 + t) * 1000 / FPS) for t in range(3)]
    assert ids[-1] not in ([0], [None]), ids


def test_lost_longer_than_lost_seconds_gets_a_new_id():
    tracker = PersonTracker(lost_seconds=0.5)
    for t in range(10):
        tracker.update(walker(t), SCORE, t * 1000 / FPS)
    ids = [tracker.update(walker(t), SCORE, t * 1000 / FPS) for t in range(25, 28)]
    assert ids[-1] not in ([0], [None]), ids
