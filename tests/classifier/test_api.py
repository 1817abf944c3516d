"""The service against the real shipped models."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from har_classifier.data import DEFAULT_CLASSES


def standing_person(frames: int = 40, wave: bool = False) -> list:
    base = np.array([[320, 100], [326, 94], [314, 94], [334, 98], [306, 98], [350, 150], [290, 150], [360, 210], [280, 210],
                     [365, 260], [275, 260], [335, 270], [305, 270], [337, 350], [303, 350], [338, 430], [302, 430]], float)
    seq = []
    for t in range(frames):
        xy = base.copy()
        if wave:  # right hand above the head, waving side to side
            xy[8] = (270, 110)
            xy[10] = (260 + 30 * math.sin(t / 2), 60)
        seq.append([[round(x, 2), round(y, 2), 0.9] for x, y in xy])
    return seq


def body(*seqs, model=None, fps=30.0):
    out = {"sequences": [{"fps": fps, "keypoints": s} for s in seqs]}
    if model:
        out["model"] = model
    return out


def test_health_and_readiness(client):
    assert client.get("/livez").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert "stgcn" in r.json()["models"]
    assert client.get("/docs").status_code == 200
    assert "/v1/classify" in client.get("/openapi.json").json()["paths"]


def test_readyz_503_until_loaded(tmp_path):
    from fastapi.testclient import TestClient

    from har_classifier.main import Settings, create_app

    app = create_app(Settings(model_dir=tmp_path), load_in_background=False)  # nothing to load
    with TestClient(app) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "no model folders" in r.json()["error"]
        assert c.get("/livez").status_code == 200
        assert c.post("/v1/classify", json=body(standing_person())).status_code == 503


def test_models_listing(client):
    data = client.get("/v1/models").json()
    assert data["default_model"] == "stgcn"
    names = {m["name"] for m in data["models"]}
    assert {"stgcn", "resnet3d", "cnn_lstm"} <= names
    for m in data["models"]:
        assert m["classes"] == DEFAULT_CLASSES
        assert m["layout"] == "coco17"
        assert m["window"]["length"] > 0 and m["window"]["fps"] > 0 and m["window"]["stride"] > 0
        assert 0 < m["metrics"]["utd_mhad_accuracy"] <= 1


def test_classify_batch_and_probabilities(client):
    r = client.post("/v1/classify", json=body(standing_person(40), standing_person(7, wave=True), standing_person(1)))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["model"] == "stgcn" and len(data["predictions"]) == 3
    for p in data["predictions"]:
        assert set(p["probabilities"]) == set(DEFAULT_CLASSES)
        assert abs(sum(p["probabilities"].values()) - 1) < 1e-3
        assert p["label"] == max(p["probabilities"], key=p["probabilities"].get)
        assert p["confidence"] == pytest.approx(p["probabilities"][p["label"]])


@pytest.mark.parametrize("name", ["resnet3d", "cnn_lstm"])
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


def test_unknown_model(client):
    assert "unknown model 'nope'" in _error(client.post("/v1/classify", json=body(standing_person(), model="nope")))


def test_batch_over_limit(client):
    assert "over the limit of 8" in _error(client.post("/v1/classify", json=body(*[standing_person(5)] * 9)))


def test_prometheus_metrics(client):
    client.post("/v1/classify", json=body(standing_person(5)))
    text = client.get("/metrics").text
    assert "har_classifier_requests_total" in text and "har_classifier_inference_seconds" in text
