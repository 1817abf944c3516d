"""The real Kinetics-400 clip model, through the classifier service, on real clips: the frames go
through the same preparation a video job uses (``har_pose_service.scene``)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from har_pose_service.scene import ClipClient, ClipModelUnavailable, whole_frame

SAMPLE_FPS, WINDOW = 8.0, 16  # the services' defaults


def windows_of(path: Path) -> np.ndarray:
    """Every whole 2 s window of the clip, prepared as a video job does: ``[N, 16, 224, 224, 3]``."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        step = max(1, round(float(stream.average_rate) / SAMPLE_FPS))
        pictures = [whole_frame(f.to_ndarray(format="rgb24")) for i, f in enumerate(c.decode(stream)) if i % step == 0]
    n = len(pictures) // WINDOW
    return np.stack(pictures[: n * WINDOW]).reshape(n, WINDOW, 224, 224, 3)


def clip_top(client: ClipClient, windows: np.ndarray) -> tuple[str, float, list]:
    """The clip's most probable class (mean over its windows' top 5) and each window's top 5."""
    answers = [client.classify(windows[i : i + 1]).predictions[0].labels for i in range(len(windows))]
    totals: dict[str, float] = {}
    for labels in answers:
        for c in labels:
            totals[c.label] = totals.get(c.label, 0.0) + c.probability / len(answers)
    label, p = max(totals.items(), key=lambda kv: kv[1])
    return label, p, answers


@pytest.fixture(scope="module")
def client(classifier):
    c = ClipClient(classifier.url, timeout_s=300)
    yield c
    c.close()


@pytest.mark.parametrize("clip, expected", [("ta_chi.mp4", "tai chi"), ("clean_and_jerk.mp4", "clean and jerk")])
def test_clip_gets_its_kinetics_class_top_1(client, shared, clip, expected):
    windows = windows_of(shared("data", "videos", clip))
    assert len(windows) >= 4  # 10 s clips: four or five 2 s windows
    label, p, answers = clip_top(client, windows)
    assert label == expected, (label, p, answers)
    assert p > 0.3  # the mean over the windows; clean and jerk also looks like a snatch or a squat at times
    # and the class is among the top 5 of every window
    assert all(expected in [c.label for c in labels] for labels in answers), answers


def test_the_model_describes_itself(client):
    info = client.model()
    assert info.model == "i3d-kinetics400" and len(info.classes) == 400 and "hugging" in info.classes


def test_a_classifier_without_the_model_says_which_model_is_missing(classifier_without_model):
    c = ClipClient(classifier_without_model.url)
    with pytest.raises(ClipModelUnavailable, match=r"Kinetics-400 clip model \(i3d-kinetics400\) is not set up"):
        c.model()
    with pytest.raises(ClipModelUnavailable, match="scripts/setup kinetics"):
        c.classify(np.zeros((1, 16, 224, 224, 3), np.uint8))
    c.close()
