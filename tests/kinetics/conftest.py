"""The Kinetics-400 clip model on the real model and real clips: the classifier service with the
model (``scripts/setup kinetics``; the tests that need it skip, saying so, when it is absent), a
classifier without it, and the pose services' video jobs with ``kinetics=true``. Runs in the
pose-multi environment (PyAV, OpenCV, the pose services' package); the classifier runs from its own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from service_process import VENVS, classifier_missing
from service_process import ServiceProcess as Service

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(os.environ.get("HAR_CACHE") or ROOT / ".cache") / "models" / "kinetics-i3d"


def model_missing() -> str | None:
    if not (MODEL_DIR / "i3d_kinetics400.onnx").is_file() or not (MODEL_DIR / "manifest.json").is_file():
        return f"the Kinetics-400 clip model is not set up in {MODEL_DIR}: run scripts/setup kinetics (scripts/test does)"
    return classifier_missing()


def _classifier(tmp_path_factory, kinetics_dir: Path, name: str) -> Service:
    return Service(
        VENVS / "classifier/bin/python",
        "har_classifier.main:app",
        {"HAR_CLASSIFIER_KINETICS_DIR": str(kinetics_dir), "HAR_CLASSIFIER_MODELS": "tcn_mocap_short"},
        tmp_path_factory.mktemp("logs") / f"{name}.log",
        ready_timeout=180,
    )


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    """The real classifier service with the real clip model."""
    why = model_missing()
    if why:
        pytest.skip(why)
    svc = _classifier(tmp_path_factory, MODEL_DIR, "classifier")
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def classifier_without_model(tmp_path_factory):
    """The real classifier service where the clip model was never set up."""
    why = classifier_missing()
    if why:
        pytest.skip(why)
    svc = _classifier(tmp_path_factory, tmp_path_factory.mktemp("no-kinetics"), "classifier-without")
    yield svc
    svc.stop()


def pose_service(tmp_path_factory, classifier: Service, which: str, **settings) -> Service:
    """The real pose service ``which`` (single or multi) talking to ``classifier``, with ``settings``."""
    prefix = f"HAR_POSE_{which.upper()}_"
    data = tmp_path_factory.mktemp(f"pose-{which}-data")
    env = {prefix + "DATA_DIR": str(data), prefix + "CLASSIFIER_URL": classifier.url, prefix + "RENDER_VIDEO": "false"}
    env.update({prefix + k.upper(): str(v) for k, v in settings.items()})
    python = Path(sys.executable) if which == "multi" else VENVS / "pose-single/bin/python"
    if not python.exists():
        pytest.skip(f"{python} is missing: run scripts/setup pose-{which}")
    return Service(python, f"har_pose_{which}.main:app", env, data / "service.log", ready_timeout=180)


@pytest.fixture(scope="session")
def pose_multi(tmp_path_factory, classifier):
    # windows every 0.4 s: the 2.4 s hugging clip gets windows up to its end, where the people hug
    svc = pose_service(tmp_path_factory, classifier, "multi", kinetics_hop_s=0.4)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_single(tmp_path_factory, classifier):
    svc = pose_service(tmp_path_factory, classifier, "single", kinetics_hop_s=2.0)  # every moment of the clip seen
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pose_multi_without_model(tmp_path_factory, classifier_without_model):
    svc = pose_service(tmp_path_factory, classifier_without_model, "multi")
    yield svc
    svc.stop()
