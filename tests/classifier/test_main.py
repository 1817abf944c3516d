"""main.py builds the app: routers, CORS restricted to the configured origins."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cors_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    app = create_app(
        Settings(model_dir=tmp_path_factory.mktemp("none"), cors_origins=["http://app.example"]), load_in_background=False
    )
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def test_cors_allows_the_configured_origin(cors_client):
    r = cors_client.options(
        "/v1/classify",
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://app.example"
    r = cors_client.get("/livez", headers={"Origin": "http://app.example"})
    assert r.headers["access-control-allow-origin"] == "http://app.example"


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:3000", "null"])
def test_cors_refuses_other_origins(cors_client, origin):
    r = cors_client.options("/v1/classify", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    assert "access-control-allow-origin" not in cors_client.get("/livez", headers={"Origin": origin}).headers


def test_default_origin_is_the_local_frontend(client):
    r = client.get("/livez", headers={"Origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in client.get("/livez", headers={"Origin": "http://x.example"}).headers


def test_module_app_is_built():
    from har_classifier import main

    assert main.app.title == "HAR classifier"
    assert set(main.app.openapi()["paths"]) == {
        "/v1/classify",
        "/v1/models",
        "/v1/models/{name}/report/{file}",
        "/v1/clips",
        "/v1/clips/model",
        "/livez",
        "/readyz",
    }  # /metrics is served but left out of the schema
