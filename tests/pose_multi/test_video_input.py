"""Real-world video input through the running multi-person service (see tests/video_cases.py):
phone rotation, damaged data, a size change mid-stream."""

from __future__ import annotations

import pytest
import video_cases


def test_a_phone_clip_is_analysed_upright(service, classifier, shared):
    if classifier[0] is None:
        pytest.skip(classifier[1])
    video_cases.check_phone_rotation(service.url, shared)


def test_a_damaged_clip_keeps_every_decodable_frame(service, shared):
    video_cases.check_damaged_clip(service.url, shared)


def test_a_size_change_mid_stream(service, shared):
    video_cases.check_size_change(service.url, shared)


def test_a_small_person_in_a_large_frame_is_found(service, shared):
    video_cases.check_small_person(service.url, shared)
