import json

import pytest

from har_cli import cli
from har_cli import delegate as delegate_cli
from har_cli.analyze import Progress, format_segments
from har_common.schemas import ActionSegment, ModelInfo, SourceInfo, VideoAnalysis


@pytest.fixture
def recorded(monkeypatch):
    calls = []
    monkeypatch.setattr(delegate_cli, "_exec", lambda cmd, cwd=None: calls.append(cmd) or 0)
    return calls


def test_train_hands_every_argument_to_the_classifier_environment(recorded, tmp_path, monkeypatch):
    (tmp_path / "classifier" / "bin").mkdir(parents=True)
    (tmp_path / "classifier" / "bin" / "python").write_text("")
    monkeypatch.setattr(delegate_cli, "VENVS", tmp_path)
    assert cli.main(["train", "--model", "stgcn", "--epochs", "3", "--help"]) == 0
    assert recorded == [
        [str(tmp_path / "classifier/bin/python"), "-m", "har_classifier", "train", "--model", "stgcn", "--epochs", "3", "--help"]
    ]


def test_missing_environment_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(delegate_cli, "VENVS", tmp_path)
    with pytest.raises(FileNotFoundError, match="scripts/setup classifier"):
        cli.main(["evaluate"])


def test_bench_runs_each_script_with_its_service_python(recorded, tmp_path, monkeypatch):
    for env in ("classifier", "pose-single", "pose-multi"):
        (tmp_path / env / "bin").mkdir(parents=True)
        (tmp_path / env / "bin" / "python").write_text("")
    monkeypatch.setattr(delegate_cli, "VENVS", tmp_path)
    assert cli.main(["bench", "pose-single", "--frames", "50"]) == 0
    assert recorded == [[str(tmp_path / "pose-single/bin/python"), "benchmarks/pose_single_bench.py", "--frames", "50"]]
    recorded.clear()
    cli.main(["bench"])
    assert [c[1] for c in recorded] == [s for _, s in delegate_cli.BENCHMARKS.values()]


def test_segments_table():
    analysis = VideoAnalysis(
        source=SourceInfo(width=1, height=1, fps=30, frame_count=0, duration_ms=0),
        models=ModelInfo(pose="p"),
        frames=[],
        segments=[
            ActionSegment(track_id=2, label="walking", start_ms=500, end_ms=2000, mean_confidence=0.91),
            ActionSegment(track_id=1, label="standing", start_ms=0, end_ms=1000, mean_confidence=0.8),
        ],
    )
    lines = format_segments(analysis).splitlines()
    assert lines[0].split() == ["track", "action", "start", "s", "end", "s", "duration", "s", "confidence"]
    assert lines[1].split() == ["1", "standing", "0.00", "1.00", "1.00", "0.80"]
    assert lines[2].split() == ["2", "walking", "0.50", "2.00", "1.50", "0.91"]


def test_progress_bar_text(capsys):
    import io

    out = io.StringIO()
    bar = Progress("upload", out)
    for p in (0, 5, 50, 100):
        bar.update(p)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("upload") and lines[-1].endswith("100%")


def test_analyze_says_so_when_the_job_is_deleted_while_it_runs(tmp_path):
    """Plumbing: a stand-in service that accepts the upload, then answers 404 for the job (deleted meanwhile)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from har_cli.analyze import analyze
    from har_common.schemas import Job, JobOptions

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.headers.get("Content-Length") else None
            job = Job(id="j1", status="queued", progress=0, created_at=0, updated_at=0, options=JobOptions())
            self._send(202, job.model_dump(mode="json"))

        def do_GET(self):
            self._send(404, {"detail": "no such job"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00" * 1000)
    try:
        with pytest.raises(RuntimeError, match="deleted while it ran"):
            analyze(video, tmp_path / "out", False, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
