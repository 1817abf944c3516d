"""The shipped models' reports are reproducible: evaluating them again on the real test split gives the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "services/classifier/models"


@pytest.mark.parametrize("name", ["tcn", "tcn_mocap", "tcn_mocap_short", "stgcn", "resnet3d", "cnn_lstm"])
def test_report_reproduced(name, shared):
    from har_classifier.evaluate import evaluate_split

    model_dir = MODELS / name
    report = json.loads((model_dir / "report" / "metrics.json").read_text())
    m = evaluate_split(
        model_dir, utd=str(shared("data", "skeletons", "utd_mhad")), lzq=str(shared("data", "skeletons", "lzq_openpose2d"))
    )
    assert m["test_windows"] == report["test_windows"]
    assert m["accuracy"] == pytest.approx(report["accuracy"], abs=1e-4)
    assert m["utd_mhad_accuracy"] == pytest.approx(report["utd_mhad_accuracy"], abs=1e-4)
    assert m["confusion_matrix"] == report["confusion_matrix"]
    assert m["calibration"]["ece"] == pytest.approx(report["calibration"]["ece"], abs=1e-3)


@pytest.mark.parametrize("name", ["tcn", "tcn_mocap", "tcn_mocap_short", "stgcn", "resnet3d", "cnn_lstm"])
def test_target_reported_honestly(name):
    """The issue's target (>= 93% on the UTD-MHAD test trials of the mapped actions) is stated next to the figure, met or not."""
    report = json.loads((MODELS / name / "report" / "metrics.json").read_text())
    card = (MODELS / name / "report" / "model_card.md").read_text()
    assert report["protocol"] == "cross-subject" and report["classes"][-1] == "other"
    line = next(ln for ln in card.splitlines() if "accuracy on the UTD-MHAD test trials of the 8 mapped actions" in ln)
    assert f"{100 * report['utd_mhad_accuracy']:.1f}%" in line and "target >= 93%" in line
    assert "expected calibration" in card


def test_default_is_the_best_on_real_video():
    """The shipped default has the best headline of the real-video benchmark among the shipped models that know
    every class the product promises, the still postures included (ties: the better macro recall), as recorded
    by `har benchmark videos --save-to` in each model's real_video.json; the dev clips are never trained on, and
    every model was measured with the same command and ground truth."""
    from har_classifier.settings import Settings
    from har_classifier.sources import DEFAULT_CLASSES, POSTURE_CLASSES

    figures = {}
    for d in MODELS.glob("*/model.json"):
        if not {*DEFAULT_CLASSES, *POSTURE_CLASSES} <= set(json.loads(d.read_text())["classes"]):
            continue  # without `sitting` and `lying` a still person cannot be named
        rv = json.loads((d.parent / "real_video.json").read_text())
        head = rv["readings"][rv["headline_reading"]]
        figures[d.parent.name] = (head["correct"], head["macro_recall"])
    assert len({json.loads((d / "real_video.json").read_text())["groundtruth"] for d in MODELS.iterdir() if d.is_dir()}) == 1
    assert max(figures, key=figures.get) == Settings().default_model, figures
