"""settings.py: one Settings from the environment (prefix HAR_CLASSIFIER_)."""

from __future__ import annotations


def test_defaults_and_environment(monkeypatch):
    from har_classifier.settings import Settings

    s = Settings()
    assert s.default_model == "tcn_mocap_short" and s.max_inflight >= 1 and s.api_key == ""
    assert s.cors_origins == ["http://localhost:3000"] and s.model_names() is None
    monkeypatch.setenv("HAR_CLASSIFIER_MAX_INFLIGHT", "5")
    monkeypatch.setenv("HAR_CLASSIFIER_API_KEY", "k")
    monkeypatch.setenv("HAR_CLASSIFIER_CORS_ORIGINS", '["http://a.example", "http://b.example"]')
    monkeypatch.setenv("HAR_CLASSIFIER_MODELS", "stgcn, cnn_lstm")
    s = Settings()
    assert s.max_inflight == 5 and s.api_key == "k"
    assert s.cors_origins == ["http://a.example", "http://b.example"]
    assert s.model_names() == {"stgcn", "cnn_lstm"}
