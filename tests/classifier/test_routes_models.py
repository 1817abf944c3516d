"""routes/models.py: GET /v1/models (figures, confusion matrix, per-class) and the report files."""

from __future__ import annotations

import pytest

from har_classifier.sources import DEFAULT_CLASSES


def test_models_listing(client):
    data = client.get("/v1/models").json()
    assert data["default_model"] == "tcn_mocap_short" and data["max_batch"] == 8
    names = {m["name"] for m in data["models"]}
    assert {"tcn", "tcn_mocap", "tcn_mocap_short", "stgcn", "resnet3d", "cnn_lstm"} <= names
    for m in data["models"]:
        assert m["classes"][-1] == "other" and set(DEFAULT_CLASSES) <= set(m["classes"])
        if m["name"] == data["default_model"]:  # the default also knows the still postures
            assert m["classes"] == [*DEFAULT_CLASSES[:-1], "sitting", "lying", "other"]
        assert m["layout"] == "coco17"
        assert m["window"]["length"] > 0 and m["window"]["fps"] > 0 and m["window"]["stride"] > 0
        assert m["temperature"] > 0
        metrics = m["metrics"]
        assert 0 < metrics["utd_mhad_accuracy"] <= 1
        k = len(m["classes"])
        cm = metrics["confusion_matrix"]
        assert len(cm) == k and all(len(row) == k for row in cm)
        assert sum(map(sum, cm)) == metrics["test_windows"]
        assert list(metrics["per_class"]) == m["classes"]
        for c, row in zip(m["classes"], cm):
            pc = metrics["per_class"][c]
            assert set(pc) == {"precision", "recall", "f1", "support"} and pc["support"] == sum(row)
        assert 0 <= metrics["calibration"]["ece"] <= 1
        kf = metrics.get("kfold")
        assert kf["folds"] == kf["n_folds"] == 5 and 0 < kf["figures"]["utd_mhad_accuracy"]["mean"] <= 1
        assert m["report_url"] == f"/v1/models/{m['name']}/report"
        assert m["report_files"] == {f: f"{m['report_url']}/{f}" for f in ("confusion.png", "curves.png", "model_card.md")}


def test_models_say_real_video_speed_size_and_training_data(client):
    """What the web app's comparison table shows comes from each model folder: real_video.json's
    headline, the export's speed at batch 1, the served file's size and the data sets' licences."""
    import json
    from pathlib import Path

    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    folder = Path(__file__).resolve().parents[2] / "services" / "classifier" / "models"
    for name, m in models.items():
        rv = json.loads((folder / name / "real_video.json").read_text())
        head = rv["readings"][rv["headline_reading"]]
        assert m["real_video"] == {
            "spans": rv["spans"],
            "correct": head["correct"],
            "accuracy": head["accuracy"],
            "reading": rv["headline_reading"],
            "lag_s": rv["lag_s"],
            "labels": rv["labels"],
        }
        served = {"tflite": "model.tflite", "onnx": "model.onnx", "tf": "model.keras"}[m["engine"]]
        assert m["size_bytes"] == (folder / name / served).stat().st_size
        info = json.loads((folder / name / "model.json").read_text())
        wps = info.get("engine_choice", {}).get("windows_per_second", {}).get(m["engine"], {}).get("1")
        assert m["windows_per_second"] == wps
        names = [d["name"] for d in m["training_data"]]
        assert "UTD-MHAD" in names and all(d["licence"] and "**" not in d["licence"] for d in m["training_data"])
    # the default is trained on Bandai Namco's motion capture: its non-commercial licence is said
    lic = {d["name"]: d["licence"] for d in models["tcn_mocap_short"]["training_data"]}
    assert "non-commercial" in lic["Bandai Namco mocap"]


@pytest.mark.parametrize(
    "file,media,magic",
    [
        ("confusion.png", "image/png", b"\x89PNG"),
        ("curves.png", "image/png", b"\x89PNG"),
        ("model_card.md", "text/markdown", b"# Model card"),
    ],
)
def test_report_files(client, file, media, magic):
    url = client.get("/v1/models").json()["models"][0]["report_url"]
    r = client.get(f"{url}/{file}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(media) and r.content.startswith(magic)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/stgcn/report/metrics.json",
        "/v1/models/stgcn/report/model.keras",
        "/v1/models/stgcn/report/..%2Fmodel.json",
        "/v1/models/stgcn/report/%2e%2e",
        "/v1/models/nope/report/confusion.png",
        "/v1/models/..%2F..%2Fetc/report/model_card.md",
    ],
)
def test_report_files_whitelisted(client, path):
    assert client.get(path).status_code == 404
