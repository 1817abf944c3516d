"""The Kubernetes manifests (deploy/k8s): both overlays render with ``kubectl kustomize`` and every
object validates, strictly, against the Kubernetes API schemas of the versions below (offline:
``kubernetes-validate`` ships them); and what the deployment relies on holds: the images are the
ones docker-compose.yml builds, probes on /livez and /readyz, measured resources, a volume per pose
pod, the API key from the Secret, sticky WebSocket-friendly ingress, autoscaling on the services'
in-flight metrics with adapter rules for each, and a GPU only in the GPU overlay.

Not run here (no cluster): scheduling, the ingress controller, the Prometheus adapter, the GPU."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VERSIONS = ("1.29", "1.32")
OVERLAYS = ("cpu", "gpu")
SERVICES = {"classifier": 8001, "pose-single": 8002, "pose-multi": 8003}


def render(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed to render the manifests (kubectl kustomize)"
    done = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request):
    return request.param, render(request.param)


def _by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _workloads(docs: list[dict]) -> dict[str, dict]:
    return {**_by_kind(docs, "Deployment"), **_by_kind(docs, "StatefulSet")}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_validates_against_the_schemas(overlay, version):
    _, docs = overlay
    assert len(docs) >= 15
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validation_can_fail(overlay):
    """A misspelt field and a wrong type are refused, so the test above is a real check."""
    _, docs = overlay
    sts = copy.deepcopy(_by_kind(docs, "StatefulSet")["pose-single"])
    sts["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(sts, VERSIONS[-1], strict=True)
    sts = copy.deepcopy(_by_kind(docs, "StatefulSet")["pose-single"])
    sts["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(sts, VERSIONS[-1], strict=True)


def test_images_are_those_docker_compose_builds(overlay):
    name, docs = overlay
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    built = {s["image"].split(":")[0] for s in compose.values()}
    images = {w: c["image"] for w, d in _workloads(docs).items() for c in d["spec"]["template"]["spec"]["containers"]}
    assert set(images) == {"classifier", "pose-single", "pose-multi", "frontend"}
    assert {i.split(":")[0] for i in images.values()} <= built, images
    assert images["pose-multi"].startswith("har-pose-multi-gpu:" if name == "gpu" else "har-pose-multi:")


def test_probes_resources_and_the_api_key(overlay):
    _, docs = overlay
    for wname, w in _workloads(docs).items():
        (c,) = w["spec"]["template"]["spec"]["containers"]
        res = c["resources"]
        assert {"cpu", "memory"} <= set(res["requests"]) and {"cpu", "memory"} <= set(res["limits"]), wname
        keys = [e for e in c.get("env", []) if e["name"].endswith("API_KEY")]
        assert keys and all(e["valueFrom"]["secretKeyRef"] == {"name": "har-api-key", "key": "api-key"} for e in keys), wname
        if wname in SERVICES:
            assert c["ports"][0]["containerPort"] == SERVICES[wname]
            assert c["livenessProbe"]["httpGet"]["path"] == "/livez", wname
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", wname
            assert w["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"


def test_pose_services_keep_jobs_on_a_volume_per_pod(overlay):
    _, docs = overlay
    config = _by_kind(docs, "ConfigMap")["har-config"]["data"]
    for name in ("pose-single", "pose-multi"):
        sts = _by_kind(docs, "StatefulSet")[name]
        (claim,) = sts["spec"]["volumeClaimTemplates"]
        (c,) = sts["spec"]["template"]["spec"]["containers"]
        assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in c["volumeMounts"]
        assert config[f"HAR_{name.upper().replace('-', '_')}_DATA_DIR"] == "/data"
        assert sts["spec"]["template"]["spec"]["securityContext"]["fsGroup"] == 10001  # the images' user
        svc = _by_kind(docs, "Service")[name]
        assert svc["spec"]["sessionAffinity"] == "ClientIP"


def test_ingress_keeps_websockets_and_sessions(overlay):
    _, docs = overlay
    ing = _by_kind(docs, "Ingress")["har"]
    notes = ing["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # live sockets stay open
    (rule,) = ing["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "frontend"
    env = {e["name"]: e.get("value") for e in _workloads(docs)["frontend"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert re.fullmatch(env["HAR_FRONTEND_HOSTS_RE"], rule["host"]), "the web app's proxy must accept the ingress host"
    for service, port in SERVICES.items():
        assert env[f"HAR_{service.upper().replace('-', '_')}_UPSTREAM"] == f"{service}:{port}"


def test_autoscaling_on_in_flight_metrics_with_adapter_rules(overlay):
    _, docs = overlay
    hpas = _by_kind(docs, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == set(SERVICES)
    rules = yaml.safe_load((K8S / "monitoring" / "prometheus-adapter-values.yaml").read_text())["rules"]["custom"]
    served = {r["name"]["as"]: r for r in rules}
    for h in hpas.values():
        (metric,) = h["spec"]["metrics"]
        assert metric["type"] == "Pods"
        assert metric["pods"]["metric"]["name"] in served
    # the series the rules read are the ones the services export
    exported = "".join(
        p.read_text()
        for p in (
            ROOT / "services/pose-service/har_pose_service/metrics.py",
            ROOT / "services/classifier/har_classifier/middleware.py",
        )
    )
    for rule in served.values():
        series = re.findall(r"\b(har_[a-z_]+?)(?:_sum)?\{", rule["metricsQuery"])
        assert series, rule
        for name in series:
            assert f'"{name}"' in exported, f"{name} is not a metric of the services"


def test_only_the_gpu_overlay_asks_for_a_gpu(overlay):
    name, docs = overlay
    for wname, w in _workloads(docs).items():
        (c,) = w["spec"]["template"]["spec"]["containers"]
        gpu = c["resources"]["limits"].get("nvidia.com/gpu")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if name == "gpu" and wname == "pose-multi":
            assert gpu == 1 and c["resources"]["requests"]["nvidia.com/gpu"] == 1
            assert env["HAR_POSE_MULTI_PROVIDER"] == "cuda"
        else:
            assert gpu is None, wname
