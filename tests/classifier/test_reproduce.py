"""The shipped models' reports are reproducible: evaluating them again on the real test split gives the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "services/classifier/models"


@pytest.mark.parametrize("name", ["stgcn", "resnet3d", "cnn_lstm"])
def test_report_reproduced(name, shared):
    from har_classifier.evaluate import evaluate_split


    model_dir = MODELS / name
    report = json.loads((model_dir / "report" / "metrics.json").read_text())
    m = evaluate_split(model_dir, utd=str(shared("data", "skeletons", "utd_mhad")),
                       lzq=str(shared("data", "skeletons", "lzq_openpose2d")))
    assert m["test_windows"] == report["test_windows"]
    assert m["accuracy"] == pytest.approx(report["accuracy"], abs=1e-4)
    assert m["utd_mhad_accuracy"] == pytest.approx(report["utd_mhad_accuracy"], abs=1e-4)
    assert m["confusion_matrix"] == report["confusion_matrix"]


def test_default_meets_target():
    """The issue's target: cross-subject accuracy on the UTD-MHAD classes >= 93% (reported honestly in the card)."""

    report = json.loads((MODELS / "stgcn" / "report" / "metrics.json").read_text())
    assert report["protocol"] == "cross-subject"
    assert report["utd_mhad_accuracy"] >= 0.93
