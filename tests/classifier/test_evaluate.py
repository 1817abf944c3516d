"""evaluate.py: metrics, expected calibration error, the k-fold summary."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_compute_metrics():
    from har_classifier.evaluate import compute_metrics

    m = compute_metrics(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), ["a", "b", "c"])
    assert m["accuracy"] == 0.75 and m["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(0.6667, abs=1e-4), "support": 2}


def test_expected_calibration_error():
    from har_classifier.evaluate import expected_calibration_error

    y = np.array([0, 1, 0, 1])
    perfect = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(perfect, y) == pytest.approx(0.0)
    overconfident = np.array([[0.99, 0.01], [0.99, 0.01], [0.99, 0.01], [0.99, 0.01]])  # half right at 99%
    assert expected_calibration_error(overconfident, y) == pytest.approx(0.49)


def test_kfold_summary(tmp_path):
    from har_classifier.evaluate import kfold_summary

    dirs = []
    for k, acc in enumerate((0.9, 0.8, 1.0)):
        d = tmp_path / f"f{k}" / "report"
        d.mkdir(parents=True)
        d.joinpath("metrics.json").write_text(
            json.dumps(
                {
                    "accuracy": acc,
                    "macro_f1": acc,
                    "utd_mhad_accuracy": acc,
                    "protocol": f"kfold {k}/3",
                    "calibration": {"ece": 0.1},
                }
            )
        )
        dirs.append(d.parent)
    s = kfold_summary(dirs)
    assert s["folds"] == 3 and s["figures"]["accuracy"]["mean"] == pytest.approx(0.9)
    assert s["figures"]["accuracy"]["std"] == pytest.approx(0.1) and s["figures"]["ece"]["mean"] == pytest.approx(0.1)

    # folds run at another time add up: fold 1 run again replaces the kept one, the rest are kept, in fold order
    kept = kfold_summary([dirs[1]], keep=kfold_summary([dirs[2], dirs[0]]))
    assert kept["protocol"] == ["kfold 0/3", "kfold 1/3", "kfold 2/3"] and kept["figures"] == s["figures"]
    assert kfold_summary([dirs[1]], keep=s)["figures"] == s["figures"]


def test_card_names_the_optional_augmentations(model_dir):
    """The model card says which optional augmentations trained the model (here added to the shipped default's record)."""
    from har_classifier.model_card import model_card as _card

    m, info, history = (json.loads((model_dir / f).read_text()) for f in ("report/metrics.json", "model.json", "history.json"))
    plain = _card(m, info, history)
    assert "limb lengths" not in plain and "turned viewpoints" not in plain
    info["training"].update(yaws=[-30.0, 30.0], limb_scale=0.15)
    card = _card(m, info, history)
    assert "limb lengths scaled (within 1 +- 0.15)" in card
    assert "turned viewpoints (-30, 30 degrees about the vertical axis" in card


def test_card_gives_each_members_validation_other_recall(model_dir):
    """An ensemble's card names its members' seeds and, where every member recorded it, their validation `other` recall."""
    from har_classifier.model_card import model_card

    m, info, history = (json.loads((model_dir / f).read_text()) for f in ("report/metrics.json", "model.json", "history.json"))
    members = [{"seed": 7, "best_epoch": 53, "train_seconds": 1.0}, {"seed": 9, "best_epoch": 54, "train_seconds": 1.0}]
    card = model_card(m, {**info, "members": members}, history)
    assert "an ensemble of 2 trainings with the same options (seeds 7, 9; best epochs 53, 54)" in card
    members = [{**members[0], "val_other_recall": 0.775}, {**members[1], "val_other_recall": 0.6}]
    card = model_card(m, {**info, "members": members}, history)
    assert "(seeds 7, 9; best epochs 53, 54; validation `other` recall 77.5%, 60.0%)" in card


def test_card_states_only_the_models_own_facts(model_dir):
    """A card of another model (other classes, window, data, options) says that model's facts, not the shipped one's."""
    from har_classifier.model_card import model_card

    m, info, history = (json.loads((model_dir / f).read_text()) for f in ("report/metrics.json", "model.json", "history.json"))
    m = {
        **m,
        "classes": ["walking", "falling"],
        "per_class": {c: m["per_class"][c] for c in ("walking", "falling")},
        "class_sources": {"walking": ["LZQ OpenPose 2D: walk"], "falling": ["LZQ OpenPose 2D: fall_down"]},
        "real_video": None,
        "kfold": None,
    }
    info = {
        **info,
        "window": {**info["window"], "length": 24, "fps": 12.0, "drop_face": False},
        "engine": "onnx",
        "training": {
            **info["training"],
            "model": "stgcn",
            "seed": 11,
            "epochs": 5,
            "utd": None,
            "datasets": [],
            "other_weight": 1.0,
            "stretch": 0.0,
        },
    }
    card = model_card(m, info, history)
    for fact in (
        "24 frames at 12 fps",
        "`onnx` engine",
        "seed 11",
        "up to 5 epochs",
        "`walking`, `falling` from LZQ OpenPose 2D only",
    ):
        assert fact in card, fact
    for shipped in ("UTD-MHAD (Chen", "Bandai", "eyes and ears", "rejection class", "x and y stretched", "Real video"):
        assert shipped not in card, shipped


def test_card_shows_a_new_real_video_benchmark_without_re_evaluating(model_dir, tmp_path):
    """`har-classifier card` rewrites the card with the folder's real_video.json as it is now."""
    import shutil

    from har_classifier.evaluate import write_card

    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("*.keras", "*.onnx", "*.tflite", "*.png"))
    rv = json.loads((copy / "real_video.json").read_text())
    rv["command"] = "har benchmark videos gt.json --save-to somewhere-new"
    (copy / "real_video.json").write_text(json.dumps(rv))
    card = write_card(copy).read_text()
    assert "somewhere-new" in card
    first = rv["responsiveness"]["first_label_s"]["median"]
    assert f"first label {first:g} s after a person appears" in card
    # figures recorded before the change delay was measured leave it out; recorded ones show it
    for key in ("changes", "changes_missed", "change_delay_s"):
        rv["responsiveness"].pop(key, None)
    (copy / "real_video.json").write_text(json.dumps(rv))
    assert "changes of action named" not in write_card(copy).read_text()
    rv["responsiveness"].update(changes=16, changes_missed=10, change_delay_s={"median": 2.3, "max": 8.6})
    (copy / "real_video.json").write_text(json.dumps(rv))
    assert "changes of action named: 6 of 16, a median 2.3 s after the change" in write_card(copy).read_text()
    assert json.loads((copy / "report" / "metrics.json").read_text())["real_video"]["command"] == rv["command"]
