"""deps.py: the optional API key (X-API-Key) on /v1; health, metrics and docs stay open."""

from __future__ import annotations

import pytest
from conftest import body, standing_person


@pytest.fixture(scope="module")
def keyed():
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    with TestClient(
        create_app(Settings(models="cnn_lstm", default_model="cnn_lstm", api_key="s3cret"), load_in_background=False),
        base_url="http://localhost",
    ) as c:
        yield c


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}])
def test_v1_needs_the_key(keyed, headers):
    for method, path, kw in (
        ("post", "/v1/classify", {"json": body(standing_person(5))}),
        ("get", "/v1/models", {}),
        ("get", "/v1/models/cnn_lstm/report/confusion.png", {}),
    ):
        r = getattr(keyed, method)(path, headers=headers, **kw)
        assert r.status_code == 401 and "X-API-Key" in r.json()["detail"], (path, r.status_code)


def test_right_key_passes(keyed):
    h = {"X-API-Key": "s3cret"}
    assert keyed.post("/v1/classify", json=body(standing_person(5)), headers=h).status_code == 200
    assert keyed.get("/v1/models", headers=h).status_code == 200
    assert keyed.get("/v1/models/cnn_lstm/report/confusion.png", headers=h).status_code == 200


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/metrics", "/docs", "/openapi.json"])
def test_open_paths(keyed, path):
    assert keyed.get(path).status_code == 200


def test_openapi_declares_the_key(keyed):
    doc = keyed.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_empty_key_means_off(client):
    from har_classifier.settings import Settings

    assert Settings().api_key == ""
    assert client.get("/v1/models").status_code == 200  # no header needed
