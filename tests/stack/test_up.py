"""The native stack as a user starts it: ``scripts/up`` brings up all four processes, the frontend
proxies the APIs, ``har analyze`` runs a real video through it, and Ctrl-C stops everything."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from har_common.schemas import VideoAnalysis

ROOT = Path(__file__).resolve().parents[2]


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


PORTS = dict(zip(("classifier", "pose-single", "pose-multi", "frontend"), _free_ports(4)))


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("stack-data")
    env = {
        **os.environ,
        "HAR_SKIP_SETUP": "1",
        "HAR_DATA_DIR": str(data),
        "HAR_READY_TIMEOUT": "300",
        "HAR_CLASSIFIER_PORT": str(PORTS["classifier"]),
        "HAR_POSE_SINGLE_PORT": str(PORTS["pose-single"]),
        "HAR_POSE_MULTI_PORT": str(PORTS["pose-multi"]),
        "HAR_FRONTEND_PORT": str(PORTS["frontend"]),
    }
    for key in ("HAR_CLASSIFIER_URL", "HAR_POSE_SINGLE_URL", "HAR_POSE_MULTI_URL"):
        env.pop(key, None)
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "up")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # as from a terminal: a shell started in the background (nohup ... &) hands its children SIGINT
        # ignored, and bash cannot trap a signal ignored at its start, so Ctrl-C would never reach it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines, deadline = [], time.monotonic() + 420
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            break
    output = "".join(lines)
    if "Ctrl-C stops everything" not in output:
        _kill_group(proc)
        logs = "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in sorted((data / "logs").glob("*.log")))
        pytest.fail(f"scripts/up did not come up (exit {proc.poll()}):\n{output[-3000:]}{logs}")
    yield proc, output, data, env
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # already gone, with everything it started
        pass
    proc.wait(timeout=30)


def test_up_prints_urls_and_every_service_is_ready(stack):
    proc, output, _, _ = stack
    assert f"http://localhost:{PORTS['frontend']}" in output
    for name in ("classifier", "pose-single", "pose-multi"):
        r = httpx.get(f"http://127.0.0.1:{PORTS[name]}/readyz", timeout=5)
        assert r.status_code == 200, (name, r.text)
        assert httpx.get(f"http://127.0.0.1:{PORTS[name]}/docs", timeout=5).status_code == 200
        metrics = httpx.get(f"http://127.0.0.1:{PORTS[name]}/metrics", timeout=5)
        assert metrics.status_code == 200 and "# TYPE" in metrics.text, name


def test_frontend_serves_app_and_proxies_apis(stack):
    base = f"http://127.0.0.1:{PORTS['frontend']}"
    page = httpx.get(base + "/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()
    models = httpx.get(base + "/api/classifier/v1/models", timeout=5)
    assert models.status_code == 200 and models.json()["models"]
    for name in ("pose-single", "pose-multi"):
        assert httpx.get(f"{base}/api/{name}/readyz", timeout=5).status_code == 200


def _run(cmd: list[str], env: dict, timeout: float) -> subprocess.CompletedProcess:
    """A command of the repository (``har ...``) with the stack's environment, its output captured."""
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_har_analyze_against_the_stack(stack, shared, tmp_path):
    _, _, _, env = stack
    video = shared("data", "videos", "ta_chi.mp4")
    env = {**env, "HAR_POSE_SINGLE_URL": f"http://127.0.0.1:{PORTS['pose-single']}"}
    done = _run([str(ROOT / "har"), "analyze", str(video), "--out", str(tmp_path)], env, timeout=600)
    assert done.returncode == 0, done.stderr + done.stdout
    analysis = json.loads((tmp_path / "ta_chi.analysis.json").read_text())
    assert analysis["source"]["frame_count"] > 250 and len(analysis["frames"]) > 0
    assert (tmp_path / "ta_chi.keypoints.csv").read_text().count("\n") > 100
    assert (tmp_path / "ta_chi.annotated.mp4").stat().st_size > 10_000
    assert "track" in done.stdout and "action" in done.stdout  # the segments table
    assert "100%" in done.stderr  # progress was shown


def test_analyze_rejects_a_non_video_with_the_servers_message(stack, tmp_path):
    _, _, _, env = stack
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video")
    env = {**env, "HAR_POSE_SINGLE_URL": f"http://127.0.0.1:{PORTS['pose-single']}"}
    done = _run([str(ROOT / "har"), "analyze", str(bogus), "--out", str(tmp_path)], env, timeout=120)
    assert done.returncode != 0
    assert "422" in done.stderr


def test_har_benchmark_videos_against_the_stack(stack, shared, tmp_path):
    """The real-video benchmark end to end on two short dev clips (one per pose service): the report is
    complete and its figures agree with each other. Not a target: the figures are the benchmark's job."""
    _, _, _, env = stack
    gt = shared("data", "videos", "real", "groundtruth.json")
    env = {
        **env,
        "HAR_POSE_SINGLE_URL": f"http://127.0.0.1:{PORTS['pose-single']}",
        "HAR_POSE_MULTI_URL": f"http://127.0.0.1:{PORTS['pose-multi']}",
        "HAR_CLASSIFIER_URL": f"http://127.0.0.1:{PORTS['classifier']}",
    }
    out = tmp_path / "report"
    cmd = [str(ROOT / "har"), "benchmark", "videos", str(gt), "--clips", "kth_style_boxing,apple_dance_2p", "--out", str(out)]
    done = _run(cmd, env, timeout=900)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "headline (lag):" in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert [c["clip"] for c in report["clips"]] == ["kth_style_boxing", "apple_dance_2p"] and report["failed"] == []
    # video jobs label each frame from the windows around it: no latency is allowed for
    assert report["labels"] == "centred" and report["lag_s"] == 0 and report["model"]
    scored = sum(1 for c in report["clips"] for s in c["spans"] if s["scored"])
    assert report["headline"]["scored"] == scored >= 2
    for reading, fig in report["readings"].items():
        assert fig["scored"] == scored and 0 <= fig["correct"] <= scored
        assert fig["accuracy"] == pytest.approx(fig["correct"] / scored, abs=1e-4)
        assert sum(map(sum, fig["confusion"]["matrix"])) == scored
        assert sum(v["spans"] for v in fig["per_class"].values()) == scored
        assert sum(s["correct"][reading] for c in report["clips"] for s in c["spans"] if s["scored"]) == fig["correct"]
    boxing = report["clips"][0]
    assert boxing["detection"]["found_rate"] > 0.9 and boxing["detection"]["tracks"] == 1
    dance = report["clips"][1]
    assert dance["detection"]["tracks"] >= 2 and all(s["person"].startswith("track ") for s in dance["spans"])
    md = (out / "report.md").read_text()
    for name in ("kth_style_boxing", "apple_dance_2p"):
        assert (out / "timelines" / f"{name}.png").read_bytes()[:4] == b"\x89PNG" and f"timelines/{name}.png" in md
        assert VideoAnalysis.model_validate_json((out / "analyses" / f"{name}.analysis.json").read_bytes())
    # scoring again from the kept analyses gives the same figures
    again = _run(cmd + ["--reuse"], env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "report.json").read_text())["readings"] == report["readings"]
    # a chosen classifier model is used for the clip, and an unknown one is refused by the service
    other = _run(
        cmd[:4] + ["--clips", "kth_style_boxing", "--model", "stgcn", "--out", str(tmp_path / "stgcn")], env, timeout=600
    )
    assert other.returncode == 0, other.stderr
    analysis = json.loads((tmp_path / "stgcn" / "analyses" / "kth_style_boxing.analysis.json").read_text())
    assert analysis["models"]["classifier"] == "stgcn"
    bad = _run(
        cmd[:4] + ["--clips", "kth_style_boxing", "--model", "nope", "--lag", "1", "--out", str(tmp_path / "nope")],
        env,
        timeout=120,
    )
    assert bad.returncode == 1 and "422" in bad.stderr and "nope" in bad.stderr


def test_a_killed_service_is_restarted_and_the_rest_stays_up(stack):
    """kill -9 of the classifier: scripts/up starts it again (its log appended to), the pose services
    and the web app keep answering meanwhile, and the stack is whole again."""
    proc, _, data, _ = stack
    logs = data / "logs"
    pid = int((logs / "classifier.pid").read_text())
    size = (logs / "classifier.log").stat().st_size
    os.kill(pid, signal.SIGKILL)
    deadline, back = time.monotonic() + 180, False
    while time.monotonic() < deadline:
        for name in ("pose-single", "pose-multi"):
            assert httpx.get(f"http://127.0.0.1:{PORTS[name]}/livez", timeout=5).status_code == 200, name
        assert httpx.get(f"http://127.0.0.1:{PORTS['frontend']}/", timeout=5).status_code == 200
        try:
            back = httpx.get(f"http://127.0.0.1:{PORTS['classifier']}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            back = False
        if back:
            break
        time.sleep(1)
    assert back, "the classifier was not started again"
    assert int((logs / "classifier.pid").read_text()) != pid
    assert (logs / "classifier.log").stat().st_size > size  # appended: the first run's lines are kept
    assert proc.poll() is None, "scripts/up stopped"


def test_ctrl_c_stops_everything(stack):
    proc, _, _, _ = stack
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_port_open(p) for p in PORTS.values()):
        time.sleep(0.3)
    assert not any(_port_open(p) for p in PORTS.values()), "a service outlived Ctrl-C"
