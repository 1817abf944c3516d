"""Real-world video input through the running single-person service (see tests/video_cases.py):
phone rotation, damaged data, a size change mid-stream."""

from __future__ import annotations

import pytest
import video_cases


def test_a_phone_clip_is_analysed_upright(pose_service, shared):
    if pose_service.classifier is None:
        pytest.skip("no classifier environment: the labels cannot be compared")
    video_cases.check_phone_rotation(pose_service.url, shared)


def test_a_damaged_clip_keeps_every_decodable_frame(pose_service, shared):
    video_cases.check_damaged_clip(pose_service.url, shared)


def test_a_size_change_mid_stream(pose_service, shared):
    video_cases.check_size_change(pose_service.url, shared)
