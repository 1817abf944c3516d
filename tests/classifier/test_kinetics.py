"""The Kinetics-400 clip model in the classifier service: the checkpoint loader that refuses code,
the wire format, ``/v1/clips`` without the model (404 naming it) and with it (the real model, from
``scripts/setup kinetics``; skipped, saying so, when it is absent)."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from har_classifier.kinetics.checkpoint import load_arrays
from har_classifier.kinetics.convert import is_current
from har_classifier.kinetics.model import default_dir

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = default_dir() if default_dir().is_absolute() else ROOT / default_dir()


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


class _Subclass(np.ndarray):
    pass


def test_checkpoint_loader_reads_nested_arrays():
    data = {"params": {"Conv3d_1a_7x7": {"Conv_0": {"kernel": np.arange(6, dtype=np.float32).reshape(2, 3)}}}}
    got = load_arrays(io.BytesIO(pickle.dumps(data)))
    np.testing.assert_array_equal(
        got["params"]["Conv3d_1a_7x7"]["Conv_0"]["kernel"], data["params"]["Conv3d_1a_7x7"]["Conv_0"]["kernel"]
    )


@pytest.mark.parametrize(
    "payload",
    [_RunsCode(), {"w": _RunsCode()}, np.array([1], dtype=object), {"w": _Subclass((2,))}, {"w": {1, 2}}],
    ids=["os.system", "nested os.system", "object array", "array subclass", "set"],
)
def test_checkpoint_loader_refuses_anything_but_arrays(payload):
    with pytest.raises(pickle.UnpicklingError):
        load_arrays(io.BytesIO(pickle.dumps(payload)))


def _client(kinetics_dir: Path):
    from fastapi.testclient import TestClient

    from har_classifier.main import create_app
    from har_classifier.settings import Settings

    app = create_app(Settings(kinetics_dir=kinetics_dir, models="tcn_mocap_short"), load_in_background=False)
    return TestClient(app, base_url="http://localhost")


def test_clips_without_the_model_answer_404_naming_it(tmp_path):
    with _client(tmp_path / "absent") as c:
        for r in (c.get("/v1/clips/model"), c.post("/v1/clips?frames=16", content=bytes(16 * 224 * 224 * 3))):
            assert r.status_code == 404
            assert "Kinetics-400 clip model (i3d-kinetics400) is not set up" in r.json()["detail"]
            assert "scripts/setup kinetics" in r.json()["detail"]
        assert c.get("/v1/models").status_code == 200  # the skeleton models go on


@pytest.fixture(scope="module")
def real():
    if not is_current(MODEL_DIR):
        pytest.skip(f"the Kinetics-400 clip model is not set up in {MODEL_DIR}: run scripts/setup kinetics")
    with _client(MODEL_DIR) as c:
        yield c


def test_clips_model_describes_the_real_model(real):
    info = real.get("/v1/clips/model").json()
    assert info["model"] == "i3d-kinetics400" and len(info["classes"]) == 400
    assert info["classes"][0] == "abseiling" and "tai chi" in info["classes"]
    assert "CC BY 4.0" in info["source"] and "Apache-2.0" in info["source"]


def test_clips_reject_bodies_that_are_not_whole_windows(real):
    one = 16 * 224 * 224 * 3
    for query, body, words in [
        ("frames=16", bytes(one - 1), "not a whole number of windows"),
        ("frames=16", b"", "not a whole number of windows"),
        ("frames=4", bytes(4 * 224 * 224 * 3), "frames must be 9-64"),
        ("frames=16", bytes(9 * one), "at most 8"),
    ]:
        r = real.post(f"/v1/clips?{query}", content=body)
        assert r.status_code in (413, 422), r.text
        if r.status_code == 422:
            assert words in r.json()["detail"]


def test_clips_answer_top_k_probabilities_per_window(real):
    rng = np.random.default_rng(0)
    windows = rng.integers(0, 256, (2, 16, 224, 224, 3), dtype=np.uint8)
    r = real.post("/v1/clips?frames=16&top_k=3", content=windows.tobytes())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "i3d-kinetics400" and len(body["predictions"]) == 2
    for p in body["predictions"]:
        probs = [x["probability"] for x in p["labels"]]
        assert len(probs) == 3 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
