"""``har batch`` on a local two-worker Ray cluster against the services' own video jobs, with real
clips and the real models: the same segments, a broken file reported and not fatal, done work
skipped on a second run; and the multi-person back end through the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pandas as pd
import pytest
from har_batch.outputs import SEGMENT_COLUMNS
from har_batch.run import BatchOptions, run_batch
from service_process import ROOT, VENVS, ServiceProcess, wait_for_job

from har_common.schemas import VideoAnalysis

# short clips keep the suite within a couple of minutes: 10 s each at 30 fps, one person
CLIPS = ("ta_chi.mp4", "clean_and_jerk.mp4")
# on a busy machine a classify call can outlast the default 2 s, which leaves windows unlabelled at
# random: both sides get the same, longer timeout
SLOW_MACHINE = {"classifier_timeout_s": 15.0}
SHARED = Path(os.environ.get("HAR_SHARED_DIR", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set HAR_SHARED_DIR to the ../shared folder)")
    return path


def _service_job(svc: ServiceProcess, video: Path) -> VideoAnalysis:
    """The video through the running service's video job, as ``har analyze`` sends it."""
    with open(video, "rb") as fh:
        r = httpx.post(f"{svc.url}/v1/videos", params={"render": "false"}, files={"file": (video.name, fh)}, timeout=60)
    assert r.status_code == 202, r.text
    job = wait_for_job(lambda p: httpx.get(svc.url + p, timeout=10).json(), r.json()["id"], timeout=300, poll=0.5)
    assert job["status"] == "done", job
    return VideoAnalysis.model_validate_json(httpx.get(f"{svc.url}/v1/jobs/{job['id']}/result", timeout=30).content)


def assert_same_analysis(batch: VideoAnalysis, service: VideoAnalysis, name: str) -> None:
    """The same frames, people, labels and segments. Keypoints may differ by float rounding (the
    pose models' thread pools sum in the order their threads finish): up to a pixel."""
    assert batch.source.model_dump(exclude={"filename"}) == service.source.model_dump(exclude={"filename"}), name
    assert batch.models == service.models, name
    assert len(batch.frames) == len(service.frames) == service.source.frame_count, name
    for fb, fs in zip(batch.frames, service.frames):
        assert (fb.frame_index, fb.timestamp_ms) == (fs.frame_index, fs.timestamp_ms), name
        assert [p.track_id for p in fb.persons] == [p.track_id for p in fs.persons], (name, fb.frame_index)
        for pb, ps in zip(fb.persons, fs.persons):
            diff = max(abs(a - b) for jb, js in zip(pb.keypoints, ps.keypoints) for a, b in zip(jb[:2], js[:2]))
            assert diff <= 1.0, (name, fb.frame_index, diff)
            assert (pb.action and pb.action.label) == (ps.action and ps.action.label), (name, fb.frame_index)
    # the classifier must have answered: a clip of none of the classes (tai chi) may be left
    # unlabelled, but then for a reason of its own, not only while the first window fills
    answered = [u for u in batch.unlabelled if u.reason not in ("window_filling", "classifier_unavailable")]
    assert batch.segments or answered, f"{name}: no segment and no classifier-decided unlabelled span"
    assert any(p.action and p.action.top_k for f in batch.frames for p in f.persons), f"{name}: no classifier answer"
    assert [(s.track_id, s.label) for s in batch.segments] == [(s.track_id, s.label) for s in service.segments], name
    assert [(u.track_id, u.reason) for u in batch.unlabelled] == [(u.track_id, u.reason) for u in service.unlabelled], name
    for ub, us in zip(batch.unlabelled, service.unlabelled):
        assert abs(ub.start_ms - us.start_ms) < 1 and abs(ub.end_ms - us.end_ms) < 1, (name, ub, us)
    for sb, ss in zip(batch.segments, service.segments):
        assert abs(sb.start_ms - ss.start_ms) < 1 and abs(sb.end_ms - ss.end_ms) < 1, (name, sb, ss)
        assert abs(sb.mean_confidence - ss.mean_confidence) < 0.02, (name, sb, ss)


@pytest.mark.skipif(
    not (VENVS / "batch-multi/bin/python").exists(), reason="no batch-multi environment (scripts/setup batch-multi)"
)
def test_multi_person_command_line_on_its_own_local_cluster(tmp_path, classifier):
    """``python -m har_batch --multi`` starts its own local cluster (two CPUs) and agrees with the
    pose-multi service's job on a clip of two people. First in the file, so that the suite's own
    cluster is not running yet (two clusters on two cores start slowly)."""
    clip = shared_path("data", "videos", "real", "apple_dance_2p.mp4")  # two people, 5 s at 10 fps
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / clip.name).symlink_to(clip)
    python = VENVS / "batch-multi/bin/python"
    clf = classifier
    data = tmp_path / "pose-multi-data"
    svc = None
    temp = tempfile.mkdtemp(prefix="ray-batch-")
    try:
        env = {
            "HAR_POSE_MULTI_DATA_DIR": str(data),
            "HAR_POSE_MULTI_CLASSIFIER_URL": clf.url,
            "HAR_POSE_MULTI_CLASSIFIER_TIMEOUT_S": str(SLOW_MACHINE["classifier_timeout_s"]),
        }
        svc = ServiceProcess(python, "har_pose_multi.main:app", env, tmp_path / "pose-multi.log", ready_timeout=120)
        out = tmp_path / "results"
        cmd = [str(python), "-m", "har_batch", str(folder), "--out", str(out), "--multi", "--num-cpus", "2"]
        cmd += ["--classifier-url", clf.url, "--ray-temp-dir", temp, "--json"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, **env})
        assert p.returncode == 0, p.stderr[-3000:]
        summary = json.loads(p.stdout)
        assert summary["analysed"] == 1 and not summary["failed"], summary
        batch = VideoAnalysis.model_validate_json((out / f"{clip.stem}.analysis.json").read_bytes())
        service = _service_job(svc, clip)
        assert batch.models.pose == service.models.pose and "yolo" in batch.models.pose.lower()
        assert len({p.track_id for f in batch.frames for p in f.persons}) >= 2
        assert_same_analysis(batch, service, clip.name)
    finally:
        if svc is not None:
            svc.stop()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A folder of real clips (linked) and a broken one: an MP4 cut off after its first 40 kB."""
    folder = tmp_path_factory.mktemp("archive")
    for name in CLIPS:
        (folder / name).symlink_to(shared_path("data", "videos", name))
    (folder / "nested").mkdir()
    (folder / "nested" / "cut_off.mp4").write_bytes(shared_path("data", "videos", "ta_chi.mp4").read_bytes()[:40_000])
    return folder


def test_batch_matches_the_services_jobs_and_resumes(archive, tmp_path, ray_cluster, pose_single, classifier):
    out = tmp_path / "results"
    opts = BatchOptions(source=str(archive), dest=str(out), workers=2, classifier_url=classifier.url, overrides=SLOW_MACHINE)
    summary = run_batch(opts)
    # the broken file is reported with the service's own message, and the others are analysed
    assert summary["analysed"] == 2 and summary["skipped"] == 0, summary
    assert [f["video"] for f in summary["failed"]] == [str(archive / "nested" / "cut_off.mp4")], summary
    assert "truncated" in summary["failed"][0]["error"] or "readable" in summary["failed"][0]["error"], summary
    assert json.loads((out / "summary.json").read_text()) == summary

    table = pd.read_parquet(out / "segments.parquet")
    assert tuple(table.columns) == SEGMENT_COLUMNS
    assert pd.read_csv(out / "segments.csv").shape == table.shape
    for name in CLIPS:
        stem = Path(name).stem
        batch = VideoAnalysis.model_validate_json((out / f"{stem}.analysis.json").read_bytes())
        service = _service_job(pose_single, archive / name)
        assert_same_analysis(batch, service, name)
        rows = table[table.video == stem]
        assert len(rows) == len(batch.segments)
        assert list(rows.label) == [s.label for s in batch.segments]
        assert list(rows.start) == [round(s.start_ms / 1000, 3) for s in batch.segments]
        assert (out / f"{stem}.keypoints.csv").stat().st_size > 0

    # a second run skips what is done, tries the broken file again, and rebuilds the same table
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.analysis.json")}
    again = run_batch(opts)
    assert again["skipped"] == 2 and again["analysed"] == 0 and len(again["failed"]) == 1, again
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.analysis.json")} == mtimes
    assert pd.read_parquet(out / "segments.parquet").equals(table)


def test_a_half_written_result_is_analysed_again(tmp_path, ray_cluster):
    """A result that does not parse (a run stopped while copying it) is not taken as done; a list
    file names the videos."""
    clip = shared_path("data", "videos", "ntu_sample_hugging_2persons.avi")  # 2.4 s
    listing = tmp_path / "videos.txt"
    listing.write_text(f"# one video\n{clip}\n")
    out = tmp_path / "results"
    out.mkdir()
    (out / f"{clip.stem}.analysis.json").write_text('{"schema_version": "1.0", "source": {"width"')
    summary = run_batch(BatchOptions(source=str(listing), dest=str(out), workers=1, actions=False))
    assert summary["analysed"] == 1 and summary["skipped"] == 0, summary
    assert VideoAnalysis.model_validate_json((out / f"{clip.stem}.analysis.json").read_bytes()).frames


def test_the_label_timing_is_an_option_of_the_run(monkeypatch, capsys):
    """``--labels`` reaches the run's options (centred unless asked); a wrong value is refused."""
    from har_batch import cli

    seen = []
    monkeypatch.setattr(cli, "run_batch", lambda opts, say: seen.append(opts) or {"failed": []})
    assert cli.main(["videos/", "--out", "out/", "--json"]) == 0
    assert cli.main(["videos/", "--out", "out/", "--json", "--labels", "causal"]) == 0
    assert [o.labels for o in seen] == ["centred", "causal"]
    with pytest.raises(SystemExit):
        cli.main(["videos/", "--out", "out/", "--labels", "sideways"])
    assert "--labels" in capsys.readouterr().err
