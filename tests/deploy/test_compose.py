"""The compose deployment: the file validates, every service it builds has a Dockerfile whose
install steps name files that exist, and the services have health checks and restart policies."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")


def _config(*args: str) -> str:
    if COMPOSE is None:
        pytest.skip("docker-compose is not installed (scripts/test installs it from Debian's packages)")
    done = subprocess.run(
        [COMPOSE, *args, "config", *([] if "--services" in args else [])], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compose_file_is_valid():
    _config("-f", "docker-compose.yml")


def test_gpu_profile_adds_cuda_variant():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load(_config())["services"]
    always = {name for name, s in services.items() if not s.get("profiles")}
    assert always == {"classifier", "pose-single", "pose-multi", "frontend"}
    gpu = services["pose-multi-gpu"]
    assert gpu["profiles"] == ["gpu"]
    assert gpu["environment"]["HAR_POSE_MULTI_PROVIDER"] == "cuda"
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"


def _dockerfiles():
    text = (ROOT / "docker-compose.yml").read_text()
    return sorted(set(re.findall(r"dockerfile:\s*(\S+)", text)))


@pytest.mark.parametrize("dockerfile", _dockerfiles())
def test_dockerfiles_exist_and_copy_real_files(dockerfile):
    path = ROOT / dockerfile
    assert path.is_file(), f"{dockerfile} is referenced by docker-compose.yml but missing"
    for line in path.read_text().splitlines():
        for ref in re.findall(r"(?:-r|COPY)\s+((?:services|deploy|frontend)/[\w./-]+)", line):
            assert (ROOT / ref).exists(), f"{dockerfile}: {ref} does not exist"


def test_every_service_has_health_check_and_restart_policy():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load(_config("--profile", "gpu"))["services"]
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        if name != "frontend":
            assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
            assert any(str(v).endswith(":/data:rw") or str(v).startswith("har-data") for v in service["volumes"]), name
