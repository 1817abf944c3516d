"""train.py: temperature fitting, and a one-epoch smoke run of the whole loop on real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from har_classifier.sources import DEFAULT_CLASSES


def quick(shared, out, **options):
    """Training options for a one-epoch run on three UTD-MHAD trials per action and the LZQ rows."""
    from har_classifier.options import TrainOptions

    base = dict(
        utd=str(shared("data", "skeletons", "utd_mhad")),
        lzq=str(shared("data", "skeletons", "lzq_openpose2d")),
        epochs=1,
        repeats=1,
        limit=3,
        batch_size=16,
    )
    return TrainOptions(out=str(out), **{**base, **options})


def test_fit_temperature_softens_overconfidence():
    from har_classifier.train import fit_temperature

    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    logits = rng.normal(0, 1, (400, 4))
    logits[np.arange(400), y] += 1.0  # right about 60% of the time
    sharp = np.exp(4 * logits) / np.exp(4 * logits).sum(1, keepdims=True)  # but far too sure
    t, before, after = fit_temperature(sharp, y)
    assert t > 2 and after < before


def test_train_smoke(tmp_path, shared):
    """One epoch on a tiny subset of the real data, then evaluate: the loop runs end to end."""
    from har_classifier.evaluate import evaluate
    from har_classifier.train import train

    utd = shared("data", "skeletons", "utd_mhad")
    lzq = shared("data", "skeletons", "lzq_openpose2d")
    cfg = quick(shared, tmp_path / "m", model="cnn_lstm")
    out = train(cfg, verbose=0)
    info = json.loads((out / "model.json").read_text())
    assert info["classes"] == DEFAULT_CLASSES and (out / "model.keras").is_file()
    assert info["calibration"]["temperature"] > 0
    assert len(json.loads((out / "history.json").read_text())["loss"]) == 1
    m = evaluate(out, utd=str(utd), lzq=str(lzq))
    assert 0 <= m["accuracy"] <= 1 and 0 <= m["calibration"]["ece"] <= 1
    for f in ("metrics.json", "confusion.png", "curves.png", "model_card.md"):
        assert (out / "report" / f).is_file()


def test_train_tcn_with_stretch_and_held_out_subject(tmp_path, shared):
    """The default's settings (tcn, --stretch, --other-weight) and a held-out validation subject run and are recorded."""
    from har_classifier.train import prepare, train

    cfg = quick(
        shared,
        tmp_path / "t",
        model="tcn",
        stretch=0.2,
        val="subject",
        val_subject=3,
        other_weight=0.5,
    )
    _, split, _, _, _ = prepare(cfg)
    assert {r.subject for r in split.val if r.subject} == {"s3"}
    out = train(cfg, verbose=0)
    info = json.loads((out / "model.json").read_text())
    tr = info["training"]
    assert tr["model"] == "tcn" and tr["stretch"] == 0.2 and tr["val_subject"] == 3
    assert info["calibration"]["class_weights"] == {"other": 0.5}
    assert (out / "model.tflite").is_file() and (out / "model.onnx").is_file()
    # the serving engine was measured at export and recorded
    assert info["engine"] in ("tflite", "onnx") and set(info["engine_choice"]["windows_per_second"]) == {"tflite", "onnx", "tf"}


def test_yaw_option_adds_viewpoints_to_the_train_side_only(shared):
    from har_classifier.cli import build_parser
    from har_classifier.options import from_args
    from har_classifier.train import prepare

    parser = build_parser()
    args = parser.parse_args(
        ["train", "--model", "tcn", "--yaw=-30,30", "--utd", str(shared("data", "skeletons", "utd_mhad")), "--lzq", ""]
    )
    cfg = from_args(args)
    assert cfg.yaws == [-30.0, 30.0]
    _, split, train_s, val_s, _ = prepare(cfg)
    turned = [r for r in split.train if r.meta.get("yaw")]
    assert len(turned) == 2 * sum(1 for r in split.train if not r.meta.get("yaw")) > 0
    assert not any("#yaw=" in s.source for s in val_s) and any("#yaw=" in s.source for s in train_s)
    assert not any(r.meta.get("yaw") for r in split.test)
    for bad in ("--yaw=0", "--yaw=-30,x", "--yaw=120"):
        with pytest.raises(SystemExit):
            parser.parse_args(["train", bad])


def test_inner_cv_scores_the_held_out_subject(tmp_path, shared):
    """tools/inner_cv.py scores an inner fold (--protocol inner) on its held-out odd subject's UTD-MHAD trials only."""
    import importlib.util

    from har_classifier.train import train

    spec = importlib.util.spec_from_file_location(
        "inner_cv", Path(__file__).resolve().parents[2] / "services/classifier/tools/inner_cv.py"
    )
    inner_cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inner_cv)
    out = train(quick(shared, tmp_path / "f", model="tcn", protocol="inner", fold=5), verbose=0)
    y, probs, classes = inner_cv.held_out_predictions(out)
    assert len(y) == len(probs) > 100  # s5's trials: 27 actions x 4 trials, less any missing
    k_other = classes.index("other")
    assert (y == k_other).any() and (y != k_other).any()
    assert np.allclose(probs.sum(1), 1, atol=1e-4)
    result = inner_cv.score("smoke", [], [(y, probs, classes)])
    assert result["trials"] == len(y) and 0 <= result["utd8_accuracy"] <= 1 and len(result["per_subject_utd8"]) == 1
    with pytest.raises(ValueError, match="inner"):
        inner_cv.held_out_predictions(Path(__file__).resolve().parents[2] / "services/classifier/models/tcn")
    info = json.loads((out / "model.json").read_text())
    info["calibration"]["class_weights"] = {"other": 0.3}  # the sweep would weigh it twice: refused
    (out / "model.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="sweeps"):
        inner_cv.held_out_predictions(out)


def test_train_ensemble_of_members(tmp_path, shared):
    """--member-seeds 3,5 --ensemble consensus: two networks of those seeds trained and joined in one served graph
    (each known class gets the least probability a member gives it, `other` the rest), recorded in model.json with
    each member's validation `other` recall (what members are chosen by), its exports agreeing. (The mean rule's
    arithmetic is build_ensemble's doctest.)"""
    from har_classifier.inference import ModelRunner, load_keras
    from har_classifier.train import train

    opts = quick(shared, tmp_path / "e", model="tcn", member_seeds=[3, 5], other_weight=0.5, ensemble="consensus")
    out = train(opts, verbose=0)
    info = json.loads((out / "model.json").read_text())
    assert info["training"]["ensemble"] == "consensus"
    assert [m["seed"] for m in info["members"]] == [3, 5] and info["training"]["members"] == 2
    assert info["training"]["member_seeds"] == [3, 5] and info["training"]["seed"] == 3
    assert all(0 <= m["val_other_recall"] <= 1 for m in info["members"]) and 0 <= info["calibration"]["val_other_recall"] <= 1
    assert info["calibration"]["class_weights"] == {"other": 0.5} and info["calibration"]["temperature"] > 0
    model = load_keras(out)
    assert [layer.name for layer in model.layers if layer.name.startswith("member_")] == ["member_0", "member_1"]
    x = np.random.default_rng(0).normal(0, 1, (4, 32, 17, 3)).astype(np.float32)
    x[..., 2] = 1.0
    # the output: each known class's least probability over the two members' softmax outputs, `other` the rest
    parts = np.asarray([layer(x) for layer in model.layers if layer.name.startswith("member_")])
    expected = parts.min(0)
    k = info["classes"].index("other")
    expected[:, k] = 1 - np.delete(expected, k, axis=1).sum(1)
    out_probs = model.predict(x, verbose=0)
    np.testing.assert_allclose(out_probs, expected, atol=1e-5)
    assert (out_probs >= -1e-6).all() and np.allclose(out_probs.sum(1), 1, atol=1e-5)
    ref = ModelRunner(out, engine="tf").predict(x)
    for engine in ModelRunner.available_engines(out):
        np.testing.assert_allclose(ModelRunner(out, engine=engine).predict(x), ref, atol=2e-4)


def test_train_refuses_to_overwrite_a_model_unless_asked(tmp_path, capsys):
    """`har train --model tcn` with no --out would write into the shipped `tcn`: refused before any work."""
    from har_classifier.cli import main

    assert main(["train", "--model", "tcn", "--utd", "", "--lzq", ""]) == 2
    assert "already holds a trained model" in capsys.readouterr().err
    shipped = Path(__file__).resolve().parents[2] / "services/classifier/models/tcn/model.json"
    assert json.loads(shipped.read_text())["name"] == "tcn"  # untouched
    (tmp_path / "model.json").write_text("{}")
    assert main(["train", "--model", "tcn", "--out", str(tmp_path), "--utd", "", "--lzq", ""]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_train_names_the_flag_of_a_refused_option(capsys):
    """A refused option prints the flag and the problem, one line each, not pydantic's dump of every input."""
    from har_classifier.cli import main

    assert main(["train", "--member-seeds", "7,7", "--utd", "", "--lzq", ""]) == 2
    assert capsys.readouterr().err == "error: member seeds must differ, got [7, 7]\n"
    assert main(["train", "--other-weight", "0", "--fps", "0", "--utd", "", "--lzq", ""]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: --other-weight: Input should be greater than 0",
        "error: --fps: Input should be greater than 0",
    ]
    assert "input_value" not in err and "errors.pydantic.dev" not in err
    assert main(["train", "--window", "1", "--utd", "", "--lzq", ""]) == 2
    assert capsys.readouterr().err.startswith("error: --window: a window needs at least 2 frames")


def test_train_help_lists_every_option(capsys):
    """`har train --help` is built from TrainOptions: every field has a flag with its help text (the window's three
    flags set its nested fields), and the flags keep their names."""
    from har_classifier.cli import build_parser
    from har_classifier.options import TrainOptions

    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    flags = {"datasets": "--dataset", "yaws": "--yaw"}
    for name, field in TrainOptions.model_fields.items():
        if name == "window":
            continue
        flag = flags.get(name, "--" + name.replace("_", "-"))
        assert flag in text and " ".join(field.description.split())[:40] in text, name
    for flag in (
        "--model",
        "--out",
        "--utd",
        "--lzq",
        "--classes",
        "--val-subject",
        "--batch-size",
        "--learning-rate",
        "--label-smoothing",
        "--other-ratio",
        "--other-weight",
        "--limb-scale",
        "--utd-views",
        "--stretch",
        "--members",
        "--member-seeds",
        "--window",
        "--fps",
        "--stride",
        "--limit",
        "--threads",
        "--evaluate",
        "--overwrite",
    ):
        assert flag in text, flag


def test_options_from_flags_record_and_back():
    """Flags -> TrainOptions -> model.json's record -> the options the model card reads: nothing lost or invented."""
    from har_classifier.cli import build_parser
    from har_classifier.options import TrainOptions, from_args

    args = build_parser().parse_args(
        [
            "train",
            "--model",
            "tcn",
            "--classes",
            "walking, other",
            "--dataset",
            "a",
            "--dataset",
            "b",
            "--window",
            "24",
            "--fps",
            "12",
            "--stretch",
            "0.2",
            "--lzq",
            "",
        ]
    )
    opts = from_args(args)
    assert opts.model == "tcn" and opts.classes == ["walking", "other"] and opts.datasets == ["a", "b"] and opts.lzq is None
    assert (opts.window.length, opts.window.fps, opts.window.stride) == (24, 12.0, 8) and opts.stretch == 0.2
    record = json.loads(json.dumps(opts.record()))
    assert "out" not in record and "threads" not in record and "seconds" not in record["window"]
    assert TrainOptions.from_record(record) == opts.model_copy(update={"threads": 2, "out": None})
    seeds = from_args(build_parser().parse_args(["train", "--member-seeds", "7, 9"]))
    assert (seeds.members, seeds.seed, seeds.seeds()) == (2, 7, [7, 9])
    bad_flags = (["--members", "0"], ["--other-weight", "0"], ["--model", "lstm"], ["--member-seeds", "7,x"])
    assert from_args(build_parser().parse_args(["train", "--ensemble", "consensus"])).ensemble == "consensus"
    refused = (["--member-seeds", "7,7"], ["--member-seeds", "7,9", "--members", "3"], ["--ensemble", "median"])
    for bad in (*bad_flags, *refused, ["--ensemble", "consensus", "--classes", "walking,running"]):
        with pytest.raises((SystemExit, ValueError)):
            from_args(build_parser().parse_args(["train", *bad]))
    # an older record (fewer fields) reads with the defaults for the rest
    assert TrainOptions.from_record({"model": "stgcn", "epochs": 60}).stretch == 0.0


def test_init_fine_tunes_from_a_model_of_the_same_shape(tmp_path, shared):
    """--init starts from another folder's weights (recorded in model.json); a folder whose classes differ is refused.
    --held-squats is a flag (no value) that puts UTD-MHAD's held squats on the train side."""
    from har_classifier.cli import build_parser
    from har_classifier.engines import load_keras
    from har_classifier.options import from_args
    from har_classifier.train import prepare, train

    base = train(quick(shared, tmp_path / "base", model="tcn"), verbose=0)
    before = [w.numpy() for w in load_keras(base).trainable_weights]
    tuned = train(quick(shared, tmp_path / "tuned", model="tcn", init=str(base), learning_rate=1e-9), verbose=0)
    after = [w.numpy() for w in load_keras(tuned).trainable_weights]
    # a tiny step from the same start (batch normalisation's running statistics move whatever the rate)
    assert all(np.allclose(a, b, atol=1e-4) for a, b in zip(before, after))
    assert json.loads((tuned / "model.json").read_text())["training"]["init"] == str(base)
    with pytest.raises(ValueError, match="differ"):
        train(quick(shared, tmp_path / "bad", model="tcn", init=str(base), classes=["walking", "other"]), verbose=0)
    opts = from_args(build_parser().parse_args(["train", "--held-squats"]))
    assert opts.held_squats and not from_args(build_parser().parse_args(["train"])).held_squats
    _, split, _, _, _ = prepare(quick(shared, tmp_path / "x", held_squats=True, classes=["squatting", "other"], lzq=None))
    held = [r for r in split.train if r.source.startswith("utd_mhad_squat_held/")]
    assert held and all(r.label == "squatting" for r in held)
