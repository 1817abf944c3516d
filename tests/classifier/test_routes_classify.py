"""routes/classify.py: POST /v1/classify against the real shipped models, and every 422 case."""

from __future__ import annotations

import json

import pytest
from conftest import DEFAULT, body, standing_person

from har_classifier.sources import DEFAULT_CLASSES, POSTURE_CLASSES


def test_classify_batch_and_probabilities(client):
    r = client.post("/v1/classify", json=body(standing_person(40), standing_person(7, wave=True), standing_person(2)))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["model"] == DEFAULT and len(data["predictions"]) == 3
    for p in data["predictions"]:
        assert list(p["probabilities"]) == [*DEFAULT_CLASSES[:-1], *POSTURE_CLASSES, "other"]  # the default's classes
        assert abs(sum(p["probabilities"].values()) - 1) < 1e-3
        assert p["label"] == max(p["probabilities"], key=p["probabilities"].get)
        assert p["confidence"] == pytest.approx(p["probabilities"][p["label"]])


@pytest.mark.parametrize("name", ["stgcn", "cnn_lstm"])
def test_classify_by_model_name(client, name):
    r = client.post("/v1/classify", json=body(standing_person(), model=name))
    assert r.status_code == 200, r.text
    assert r.json()["model"] == name and r.json()["predictions"][0]["model"] == name


def test_still_person_is_standing(client):
    p = client.post("/v1/classify", json=body(standing_person(45))).json()["predictions"][0]
    assert p["label"] == "standing", p


def _error(r) -> str:
    assert r.status_code == 422, r.text
    return json.dumps(r.json()["detail"])


def test_wrong_joint_count(client):
    seq = standing_person(10)
    seq[3] = seq[3][:16]
    assert "expected 17 keypoints" in _error(client.post("/v1/classify", json=body(seq)))


def test_nan_rejected(client):
    seq = standing_person(10)
    for old, new in (("[320.0,", "[NaN,"), ("0.9]", "NaN]")):  # in a coordinate, in a score
        raw = json.dumps(body(seq)).replace(old, new, 1)
        assert new.strip("[],") in raw
        msg = _error(client.post("/v1/classify", content=raw, headers={"content-type": "application/json"}))
        assert "finite" in msg and "NaN" in msg


def test_empty_sequence_and_empty_batch(client):
    assert "at least 1" in _error(client.post("/v1/classify", json=body([])))
    assert "empty" in _error(client.post("/v1/classify", json={"sequences": []}))


@pytest.mark.parametrize(
    "case, words", [("no_visible_joints.json", "no joint with a score of at least 0.3"), ("one_frame.json", "at least 2 frames")]
)
def test_nothing_to_say_is_a_422_not_an_action(client, shared, case, words):
    """A window of nobody, or one still frame, gets no action (the failing cases in ../shared/cases)."""
    r = client.post("/v1/classify", content=shared("cases", case).read_bytes(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and words in _error(r)
    assert "sequences" in json.dumps(r.json()["detail"][0]["loc"])


def test_unknown_model(client):
    assert "unknown model 'nope'" in _error(client.post("/v1/classify", json=body(standing_person(), model="nope")))


def test_batch_over_limit(client):
    assert "over the limit of 8" in _error(client.post("/v1/classify", json=body(*[standing_person(5)] * 9)))


def test_too_many_frames(client):
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    with TestClient(
        create_app(Settings(models="cnn_lstm", default_model="cnn_lstm", max_frames=20), load_in_background=False),
        base_url="http://localhost",
    ) as c:
        assert "over the limit of 20" in _error(c.post("/v1/classify", json=body(standing_person(21))))
