"""routes/health.py: /livez, /readyz (503 until loaded), /metrics; /docs and /openapi.json."""

from __future__ import annotations

from conftest import body, standing_person


def test_health_and_readiness(client):
    assert client.get("/livez").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert {"tcn", "stgcn", "resnet3d", "cnn_lstm"} <= set(r.json()["models"]) and r.json()["default_model"] == "tcn_mocap_short"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/classify", "/v1/models", "/v1/models/{name}/report/{file}", "/livez", "/readyz"} <= set(paths)


def test_readyz_503_until_loaded(tmp_path):
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    app = create_app(Settings(model_dir=tmp_path), load_in_background=False)  # nothing to load
    with TestClient(app, base_url="http://localhost") as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "no model folders" in r.json()["error"] and r.headers["retry-after"]
        assert c.get("/livez").status_code == 200
        r = c.post("/v1/classify", json=body(standing_person()))
        assert r.status_code == 503 and "failed to load" in r.json()["detail"]
        assert c.get("/v1/models").status_code == 503


def test_prometheus_metrics(client):
    client.post("/v1/classify", json=body(standing_person(5)))
    text = client.get("/metrics").text
    assert "har_classifier_requests_total" in text and "har_classifier_inference_seconds" in text
    assert 'path="/v1/classify"' in text
