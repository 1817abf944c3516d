"""The shared HTTP layer with a fake pose back end: every endpoint, every bad input, restarts."""

from __future__ import annotations

import json
import os
import time

import av
import pytest
from service_process import wait_for_job
from starlette.websockets import WebSocketDisconnect

from har_common.schemas import FrameResult, VideoAnalysis

from .conftest import FakeBackend
from .media_util import jpeg, make_video, png


def wait_job(client, job_id, timeout=60):
    return wait_for_job(lambda path: client.get(path).json(), job_id, timeout, poll=0.05)


def leftovers(data_dir):
    return sorted(p.name for p in (data_dir / "uploads").iterdir())


def test_health_info_metrics(make_app):
    client, _ = make_app()
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["pose_model"] == "fake-pose"
    info = client.get("/v1/info").json()
    assert info["pose_model"] == "fake-pose" and info["multi_person"] is False
    assert info["classifier"]["status"] == "off" and info["backend"] == {"engine": "fake"}
    assert info["limits"]["max_upload_bytes"] == 500 * 1024 * 1024
    client.post("/v1/frames", files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    text = client.get("/metrics").text
    assert 'har_frames_processed_total{source="frame"} 1.0' in text
    assert 'har_http_requests_total{method="POST",route="/v1/frames",status="200"} 1.0' in text
    assert "har_job_queue_depth" in text and "har_pose_inference_seconds" in text


def test_frames_endpoint(make_app):
    client, _ = make_app(max_message_bytes=20_000)
    r = client.post("/v1/frames", files={"file": ("x.jpg", jpeg(), "image/jpeg")})
    assert r.status_code == 200, r.text
    frame = FrameResult.model_validate(r.json())
    assert (frame.width, frame.height, len(frame.persons)) == (64, 48, 1)
    assert frame.persons[0].raw_keypoints is None
    r = client.post("/v1/frames?raw=true", content=png(), headers={"content-type": "image/png"})
    assert r.status_code == 200 and len(r.json()["persons"][0]["raw_keypoints"]) == 33
    assert client.post("/v1/frames", content=jpeg(value=0), headers={"content-type": "image/jpeg"}).json()["persons"] == []
    r = client.post("/v1/frames", files={"file": ("x.jpg", b"GIF89a not an image", "image/jpeg")})
    assert r.status_code == 422 and "JPEG or PNG" in r.json()["detail"]
    r = client.post("/v1/frames", files={"file": ("x.jpg", jpeg()[:200], "image/jpeg")})
    assert r.status_code == 422
    r = client.post("/v1/frames", files={"file": ("big.png", os.urandom(30_000), "image/png")})
    assert r.status_code == 413
    r = client.post("/v1/frames", data={"notafile": "1"})
    assert r.status_code == 422


def test_video_job_end_to_end(make_app, tmp_path):
    client, _ = make_app()
    video = make_video(tmp_path / "clip.mp4", seconds=2, fps=15)
    with open(video, "rb") as fh:
        r = client.post("/v1/videos", files={"file": ("../../etc/passwd.mp4", fh, "video/mp4")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["filename"] == "passwd.mp4" and r.headers["location"] == f"/v1/jobs/{job['id']}"
    with client.websocket_connect(f"/v1/jobs/{job['id']}/events") as ws:
        events = []
        while True:
            try:
                events.append(ws.receive_json())
            except WebSocketDisconnect:
                break
    assert events[-1]["job"]["status"] == "done"
    done = wait_job(client, job["id"])
    assert done["progress"] == 100 and done["stats"]["frames"] == 30
    res = client.get(f"/v1/jobs/{job['id']}/result")
    analysis = VideoAnalysis.model_validate(res.json())
    assert analysis.source.frame_count == 30 and analysis.source.filename == "passwd.mp4"
    assert len(analysis.frames) == 30 and all(len(f.persons) == 1 for f in analysis.frames)
    assert analysis.models.pose == "fake-pose" and analysis.models.classifier is None
    ts = [f.timestamp_ms for f in analysis.frames]
    assert ts == sorted(ts) and ts[-1] == pytest.approx(29 * 1000 / 15, abs=1)
    csv = client.get(f"/v1/jobs/{job['id']}/keypoints.csv")
    lines = csv.text.strip().splitlines()
    assert csv.headers["content-type"].startswith("text/csv") and len(lines) == 31
    assert lines[0].split(",")[:6] == ["frame_index", "timestamp_ms", "track_id", "label", "confidence", "person_score"]
    assert len(lines[0].split(",")) == 6 + 17 * 3
    vid = client.get(f"/v1/jobs/{job['id']}/video")
    assert vid.headers["content-type"] == "video/mp4"
    out = tmp_path / "annotated.mp4"
    out.write_bytes(vid.content)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264" and s.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in c.decode(video=0)) == 30
    assert vid.content.find(b"moov") < vid.content.find(b"mdat")  # faststart
    listed = client.get("/v1/jobs").json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 204
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert not (tmp_path / "data" / "jobs" / job["id"]).exists()
    assert client.get("/v1/jobs/not-an-id").status_code == 422
    assert client.get("/v1/jobs/" + "0" * 32 + "/result").status_code == 404


def test_frame_stride_and_raw_body_upload(make_app, tmp_path):
    client, _ = make_app(render_video=False)
    video = make_video(tmp_path / "clip.mkv", seconds=2, fps=15, fmt="matroska")
    r = client.post(
        "/v1/videos?stride=3&filename=my%20clip.mkv", content=video.read_bytes(), headers={"content-type": "video/x-matroska"}
    )
    assert r.status_code == 202, r.text
    done = wait_job(client, r.json()["id"])
    assert done["status"] == "done" and done["stats"]["frames"] == 10 and done["filename"] == "my clip.mkv"
    frames = client.get(f"/v1/jobs/{done['id']}/result").json()["frames"]
    assert [f["frame_index"] for f in frames] == list(range(0, 30, 3))
    assert client.get(f"/v1/jobs/{done['id']}/video").status_code == 404


def test_bad_uploads(make_app, tmp_path):
    data = tmp_path / "data"
    big = make_video(tmp_path / "big.mp4", seconds=3, fps=15, size=(320, 240))
    client, _ = make_app(max_upload_bytes=big.stat().st_size - 1, max_video_duration_s=3)
    r = client.post("/v1/videos", files={"file": ("big.mp4", big.read_bytes(), "video/mp4")})
    assert r.status_code == 413
    r = client.post("/v1/videos", content=big.read_bytes(), headers={"content-type": "video/mp4"})
    assert r.status_code == 413
    # not a video: an image renamed, random bytes, an empty file, a form without a file
    for name, body in [("photo.mp4", png()), ("noise.mp4", os.urandom(5000)), ("empty.mp4", b"")]:
        r = client.post("/v1/videos", files={"file": (name, body, "video/mp4")})
        assert r.status_code == 422, (name, r.text)
        assert r.json()["detail"]
    assert client.post("/v1/videos", data={"x": "1"}).status_code == 422
    # truncated: index at the end cut off, and index at the start with the data cut short
    whole = make_video(tmp_path / "whole.mp4", seconds=2, fps=15).read_bytes()
    assert len(whole) < big.stat().st_size
    r = client.post("/v1/videos", files={"file": ("cut.mp4", whole[: len(whole) // 2], "video/mp4")})
    assert r.status_code == 422 and "truncated" in r.json()["detail"]
    front = make_video(tmp_path / "front.mp4", seconds=2, fps=15, faststart=True).read_bytes()
    r = client.post("/v1/videos", files={"file": ("cut2.mp4", front[: len(front) * 2 // 3], "video/mp4")})
    assert r.status_code == 422 and "truncated" in r.json()["detail"]
    # too long: refused from the container's header, before decoding
    long = make_video(tmp_path / "long.mp4", seconds=4, fps=5)
    r = client.post("/v1/videos", files={"file": ("long.mp4", long.read_bytes(), "video/mp4")})
    assert r.status_code == 422 and "limit" in r.json()["detail"]
    assert leftovers(data) == [] and list((data / "jobs").iterdir()) == []
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_avi_upload(make_app, tmp_path):
    client, _ = make_app(render_video=False)
    video = make_video(tmp_path / "clip.avi", seconds=1, fps=10, fmt="avi")
    r = client.post("/v1/videos", files={"file": ("clip.avi", video.read_bytes(), "video/x-msvideo")})
    assert r.status_code == 202, r.text
    assert wait_job(client, r.json()["id"])["status"] == "done"


def test_jobs_survive_a_restart(make_app, tmp_path):
    from har_pose_service.store import JobStore

    video = make_video(tmp_path / "clip.mp4", seconds=1, fps=10)
    client, _ = make_app()
    r = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    done = wait_job(client, r.json()["id"])
    client.__exit__(None, None, None)
    # simulate a crash mid-job: one running job with its input, one without
    store = JobStore(tmp_path / "data")
    src = done["source"]
    a = store.create("a.mp4", {"stride": 1, "raw": False, "actions": False, "render": False}, src)
    store.dir(a.id).mkdir(parents=True)
    (store.dir(a.id) / "input").write_bytes(video.read_bytes())
    store.update(a.id, status="running", progress=40.0)
    b = store.create("b.mp4", {"stride": 1}, src)
    store.update(b.id, status="running", progress=10.0)
    c = store.create("c.mp4", {"stride": 1}, src)  # killed the process twice already
    store.dir(c.id).mkdir(parents=True)
    (store.dir(c.id) / "input").write_bytes(video.read_bytes())
    store.update(c.id, status="running", stats={"restarts": 2})
    store.close()
    client2, _ = make_app()
    assert client2.get(f"/v1/jobs/{done['id']}/result").status_code == 200  # finished results kept
    assert wait_job(client2, a.id)["status"] == "done"  # resumed
    failed = client2.get(f"/v1/jobs/{b.id}").json()
    assert failed["status"] == "failed" and "restart" in failed["error"]
    poison = client2.get(f"/v1/jobs/{c.id}").json()
    assert poison["status"] == "failed" and "3 times" in poison["error"]
    assert not (tmp_path / "data" / "jobs" / c.id / "input").exists()  # a failed job keeps no upload
    assert client2.get(f"/v1/jobs/{a.id}").json()["stats"]["restarts"] == 1


def test_cancel_running_job(make_app, tmp_path):
    client, _ = make_app(backend=FakeBackend(delay_s=0.05))
    video = make_video(tmp_path / "clip.mp4", seconds=4, fps=15)
    r = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    job_id = r.json()["id"]
    for _ in range(100):
        if client.get(f"/v1/jobs/{job_id}").json()["status"] == "running":
            break
        time.sleep(0.02)
    assert client.get(f"/v1/jobs/{job_id}/result").status_code == 409
    assert client.delete(f"/v1/jobs/{job_id}").status_code == 204
    assert client.get(f"/v1/jobs/{job_id}").status_code == 404


def test_cancel_keeps_the_job_as_cancelled(make_app, tmp_path):
    """POST /v1/jobs/{id}/cancel stops a running job and one waiting behind it; both stay listed as
    cancelled without their uploads; an ended job or an unknown id is refused."""
    client, _ = make_app(backend=FakeBackend(delay_s=0.05), job_workers=1, keep_uploads=False)
    video = make_video(tmp_path / "clip.mp4", seconds=4, fps=15)
    running = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")}).json()["id"]
    queued = client.post("/v1/videos", files={"file": ("b.mp4", video.read_bytes(), "video/mp4")}).json()["id"]
    for _ in range(200):
        if client.get(f"/v1/jobs/{running}").json()["status"] == "running":
            break
        time.sleep(0.02)
    assert client.get(f"/v1/jobs/{queued}").json()["status"] == "queued"
    assert client.get("/v1/jobs").json()["queue_depth"] == 1
    r = client.post(f"/v1/jobs/{queued}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert client.get("/v1/jobs").json()["queue_depth"] == 0  # a cancelled job waits no more
    r = client.post(f"/v1/jobs/{running}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert r.json()["frames_done"] < 60  # stopped part way
    listed = {j["id"]: j["status"] for j in client.get("/v1/jobs").json()["jobs"]}
    assert listed == {running: "cancelled", queued: "cancelled"}
    for _ in range(100):  # the worker takes the queued one off the queue and lets its upload go
        if not (tmp_path / "data" / "jobs" / queued / "input").exists():
            break
        time.sleep(0.05)
    assert not (tmp_path / "data" / "jobs" / queued / "input").exists()
    assert not (tmp_path / "data" / "jobs" / running / "input").exists()
    r = client.post(f"/v1/jobs/{running}/cancel")
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    assert client.get(f"/v1/jobs/{running}/result").status_code == 409
    assert client.post("/v1/jobs/0123456789abcdef0123456789abcdef/cancel").status_code == 404
    # the service goes on: a new job runs to the end
    done = client.post("/v1/videos", files={"file": ("c.mp4", video.read_bytes(), "video/mp4")}).json()["id"]
    assert wait_job(client, done)["status"] == "done"


def test_job_with_actions(make_app, tmp_path, fake_classifier):
    fake_classifier.mode = "ok"
    client, _ = make_app(classifier_url=fake_classifier.url)
    for _ in range(100):
        if client.get("/v1/info").json()["classifier"]["status"] == "ok":
            break
        time.sleep(0.05)
    video = make_video(tmp_path / "clip.mp4", seconds=3, fps=15)
    results = {}
    for timing in ("causal", "centred"):
        calls = fake_classifier.calls
        r = client.post(f"/v1/videos?labels={timing}", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        assert r.json()["options"]["labels"] == timing
        done = wait_job(client, r.json()["id"])
        assert done["status"] == "done" and done["stats"]["classifier"] == "ok"
        res = results[timing] = VideoAnalysis.model_validate(client.get(f"/v1/jobs/{done['id']}/result").json())
        assert res.models.classifier == "fake" and res.labels == timing
        assert [s.label for s in res.segments] == ["waving"]
        assert res.segments[0].end_ms == pytest.approx(res.frames[-1].timestamp_ms)
        assert "classifier_unavailable" not in {n.code for n in res.notices}
        # 45 frames at 15 fps, window 8 frames, stride 2: about one call per 2 frames after the first window
        assert 15 <= fake_classifier.calls - calls <= 25
        assert "waving" in client.get(f"/v1/jobs/{done['id']}/keypoints.csv").text
    causal, centred = results["causal"], results["centred"]
    labels = [f.persons[0].action.label for f in causal.frames]
    assert labels[0] == "uncertain" and labels[-1] == "waving"
    # live-style labels: the frames before the first window is full are unlabelled, and the result says why
    assert [(u.track_id, u.reason) for u in causal.unlabelled] == [(0, "window_filling")]
    assert causal.unlabelled[0].start_ms == 0 and causal.unlabelled[0].end_ms == causal.segments[0].start_ms
    # centred labels: the first window speaks for the frames it covers, so every frame is labelled
    assert {f.persons[0].action.label for f in centred.frames} == {"waving"} and centred.unlabelled == []
    assert centred.segments[0].start_ms == 0
    r = client.post("/v1/videos?labels=sideways", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    assert r.status_code == 422 and "labels" in r.text


def test_a_classifier_outage_mid_job_is_reported(make_app, tmp_path, fake_classifier):
    """The classifier stops answering part way: those frames say uncertain, and the result lists the
    time range with its reason and says so in a notice (stats.classifier alone would not tell)."""
    fake_classifier.mode, fake_classifier.down_after = "ok", fake_classifier.calls + 15
    try:
        client, _ = make_app(classifier_url=fake_classifier.url, job_classifier_wait_s=0)
        video = make_video(tmp_path / "clip.mp4", seconds=8, fps=15)
        r = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        done = wait_job(client, r.json()["id"], timeout=60)
        assert done["status"] == "done", done
        res = VideoAnalysis.model_validate(client.get(f"/v1/jobs/{done['id']}/result").json())
        reasons = [u.reason for u in res.unlabelled]
        assert "classifier_unavailable" in reasons, res.unlabelled
        assert res.frames[0].persons[0].action.label == "waving"  # centred: labelled by the first window
        down = [u for u in res.unlabelled if u.reason == "classifier_unavailable"]
        assert down[-1].end_ms == pytest.approx(res.frames[-1].timestamp_ms)
        assert res.segments and res.segments[0].label == "waving"
        notice = [n.message for n in res.notices if n.code == "classifier_unavailable"]
        assert notice and "did not answer" in notice[0]
    finally:
        fake_classifier.mode, fake_classifier.down_after = "ok", None


def test_a_job_waits_for_a_classifier_still_starting(make_app, tmp_path, fake_classifier):
    """After a restart the classifier may still be loading: a job waits for it (bounded by
    job_classifier_wait_s) and its frames get labels, instead of running through unlabelled."""
    import threading

    fake_classifier.mode = "down"
    try:
        client, _ = make_app(classifier_url=fake_classifier.url, job_classifier_wait_s=30)
        video = make_video(tmp_path / "clip.mp4", seconds=3, fps=15)
        r = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        assert r.status_code == 202
        threading.Timer(2.0, lambda: setattr(fake_classifier, "mode", "ok")).start()  # it finishes loading
        done = wait_job(client, r.json()["id"], timeout=60)
        assert done["status"] == "done" and done["stats"]["classifier"] == "ok", done
        res = VideoAnalysis.model_validate(client.get(f"/v1/jobs/{done['id']}/result").json())
        assert res.models.classifier == "fake" and [s.label for s in res.segments] == ["waving"]
    finally:
        fake_classifier.mode = "ok"


def test_job_with_a_chosen_classifier_model(make_app, tmp_path, fake_classifier):
    fake_classifier.mode = "ok"
    bare, _ = make_app(data_dir=tmp_path / "bare")  # no classifier configured at all
    video = make_video(tmp_path / "clip.mp4", seconds=2, fps=15)
    r = bare.post("/v1/videos?model=fake", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    assert r.status_code == 422 and "no classifier configured" in r.json()["detail"]
    client, _ = make_app(classifier_url=fake_classifier.url)
    r = client.post("/v1/videos?model=no-such-model", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    assert r.status_code == 422 and "no-such-model" in r.json()["detail"]
    r = client.post("/v1/videos?model=bad%20name", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    assert r.status_code == 422
    r = client.post("/v1/videos?model=fake-walker", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    assert r.status_code == 202 and r.json()["options"]["model"] == "fake-walker"
    done = wait_job(client, r.json()["id"])
    res = VideoAnalysis.model_validate(client.get(f"/v1/jobs/{done['id']}/result").json())
    assert res.models.classifier == "fake-walker"
    assert [s.label for s in res.segments] == ["walking"]
    fake_classifier.mode = "down"
    try:
        r = client.post("/v1/videos?model=fake-walker", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        assert r.status_code == 202  # known already: no need to ask the classifier again
        client2, _ = make_app(classifier_url=fake_classifier.url, data_dir=tmp_path / "data2")
        r = client2.post("/v1/videos?model=fake-walker", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        assert r.status_code == 503 and "Retry-After" in r.headers
    finally:
        fake_classifier.mode = "ok"


def recv_frame(ws):
    msg = ws.receive_json()
    assert msg["type"] in ("frame", "error")
    return msg


def test_stream_protocol(make_app):
    client, _ = make_app(max_message_bytes=100_000)
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_bytes((7).to_bytes(4, "big") + jpeg())
        msg = recv_frame(ws)
        assert msg["type"] == "frame" and msg["seq"] == 7 and msg["dropped"] == 0
        assert msg["classifier"] == "off" and msg["segments"] == [] and msg["latency_ms"] >= 0
        frame = FrameResult.model_validate(msg["frame"])
        assert len(frame.persons) == 1 and frame.persons[0].action is None
        ws.send_bytes((8).to_bytes(4, "big") + b"this is no image")
        err = recv_frame(ws)
        assert err == {"type": "error", "seq": 8, "message": "not a JPEG or PNG image"}
        ws.send_bytes(b"\x00\x01")
        assert recv_frame(ws)["type"] == "error"
        ws.send_text("{not json")
        assert recv_frame(ws)["type"] == "error"
        ws.send_text(json.dumps({"type": "config", "raw": True}))
        ws.send_bytes((9).to_bytes(4, "big") + png())
        msg = recv_frame(ws)  # the socket stayed open
        assert msg["seq"] == 9 and len(msg["frame"]["persons"][0]["raw_keypoints"]) == 33
        assert msg["frame"]["frame_index"] == 1
        ws.send_bytes((10).to_bytes(4, "big") + os.urandom(200_000))
        with pytest.raises(WebSocketDisconnect) as exc:
            ws.receive_json()
        assert exc.value.code == 1009


def test_stream_capture_times(make_app):
    """Frames may carry their capture time: the stream's clock is then the client's, from its first
    frame; times must grow, and a stream either sends them with every frame or with none."""
    import struct

    client, _ = make_app()
    with client.websocket_connect("/v1/stream") as ws:
        for seq, t in [(1, 5000.0), (2, 5040.5)]:
            ws.send_bytes(struct.pack(">Id", seq, t) + jpeg())
            msg = recv_frame(ws)
            assert msg["type"] == "frame" and msg["seq"] == seq and msg["frame"]["timestamp_ms"] == t - 5000.0
        ws.send_bytes(struct.pack(">Id", 3, 5040.5) + jpeg())
        assert recv_frame(ws) == {
            "type": "error",
            "seq": 3,
            "message": "capture times must grow: 5040.5 ms is not after the frame before",
        }
        ws.send_bytes((4).to_bytes(4, "big") + jpeg())
        assert "with every frame of a stream, or with none" in recv_frame(ws)["message"]
        ws.send_bytes(struct.pack(">Id", 5, -1.0) + jpeg())
        assert "capture time of frame 5 must be a number of milliseconds" in recv_frame(ws)["message"]
        ws.send_bytes(struct.pack(">Id", 6, 9000.0) + jpeg())
        assert recv_frame(ws)["frame"]["timestamp_ms"] == 4000.0  # the stream goes on


def test_stream_newest_frame_wins(make_app):
    client, backend = make_app(backend=FakeBackend(delay_s=0.1))
    with client.websocket_connect("/v1/stream") as ws:
        for seq in range(10):
            ws.send_bytes(seq.to_bytes(4, "big") + jpeg())
        got = [recv_frame(ws)]
        while got[-1]["seq"] != 9:
            got.append(recv_frame(ws))
    assert len(got) < 10 and got[-1]["dropped"] == 10 - len(got)
    assert [m["seq"] for m in got] == sorted(m["seq"] for m in got)
    for _ in range(100):  # the socket's session is closed
        if all(s.closed for s in backend.sessions if not s.static):
            break
        time.sleep(0.02)
    assert all(s.closed for s in backend.sessions if not s.static), [(s.static, s.closed) for s in backend.sessions]
    assert "har_frames_dropped_total " + str(float(10 - len(got))) in client.get("/metrics").text


def test_stream_actions_degrade_and_recover(make_app, fake_classifier):
    fake_classifier.mode = "down"
    client, _ = make_app(classifier_url=fake_classifier.url)
    statuses, labels = [], []
    with client.websocket_connect("/v1/stream") as ws:
        for seq in range(200):
            if seq == 20:
                fake_classifier.mode = "ok"
            ws.send_bytes(seq.to_bytes(4, "big") + jpeg())
            msg = recv_frame(ws)
            assert len(msg["frame"]["persons"]) == 1  # poses keep flowing
            statuses.append(msg["classifier"])
            action = msg["frame"]["persons"][0]["action"]
            labels.append(action and action["label"])
            if seq > 20 and labels[-1] == "waving":
                break
            time.sleep(0.03)
    assert statuses[0] == "unavailable" and statuses[-1] == "ok"
    assert labels[-1] == "waving"


def test_stream_url_disabled_and_schemes(make_app):
    client, _ = make_app()
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/v1/stream/url?url=rtsp://127.0.0.1:1/x") as ws:
            ws.receive_json()
    client2, _ = make_app(allow_stream_urls=True, data_dir=client.app.state.har.settings.data_dir.parent / "d2")
    with pytest.raises(WebSocketDisconnect):
        with client2.websocket_connect("/v1/stream/url?url=file:///etc/passwd") as ws:
            ws.receive_json()


def test_api_key(make_app):
    client, _ = make_app(api_key="s3cret")
    assert client.get("/v1/info").status_code == 401
    assert client.get("/v1/info", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert client.get("/livez").status_code == 200 and client.get("/readyz").status_code == 200
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/v1/stream?api_key=wrong") as ws:
            ws.receive_json()
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_text(json.dumps({"type": "auth", "api_key": "s3cret"}))
        ws.send_bytes((1).to_bytes(4, "big") + jpeg())
        assert recv_frame(ws)["seq"] == 1


@pytest.mark.parametrize("render", [True, False])
def test_chunked_job_equals_one_piece(make_app, tmp_path, fake_classifier, render):
    """Posing in parallel chunks gives the very result one session gives (single-person back ends),
    and the annotated video, drawn after the labels are decided, has every analysed frame."""
    fake_classifier.mode = "ok"
    video = make_video(tmp_path / "clip.mp4", seconds=10, fps=15)
    results = {}
    for workers in (1, 2):
        client, _ = make_app(
            job_pose_workers=workers, classifier_url=fake_classifier.url, render_video=render, data_dir=tmp_path / f"d{workers}"
        )
        for _ in range(100):
            if client.get("/v1/info").json()["classifier"]["status"] == "ok":
                break
            time.sleep(0.05)
        r = client.post("/v1/videos?stride=2", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
        done = wait_job(client, r.json()["id"])
        assert done["status"] == "done" and done["stats"]["pose_chunks"] == workers, done
        results[workers] = client.get(f"/v1/jobs/{done['id']}/result").json()
        if render:
            with av.open(str(tmp_path / f"d{workers}" / "jobs" / done["id"] / "annotated.mp4")) as c:
                assert sum(1 for _ in c.decode(video=0)) == 75
    one, two = results[1], results[2]
    assert [f["frame_index"] for f in two["frames"]] == list(range(0, 150, 2))
    assert one["frames"] == two["frames"] and one["segments"] == two["segments"]


def test_stream_url_reads_a_served_video(make_app, tmp_path):
    """WS /v1/stream/url with a video served over HTTP on loopback: same frame messages."""
    import functools
    import http.server
    import threading

    make_video(tmp_path / "cam.mp4", seconds=2, fps=15, faststart=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        client, _ = make_app(allow_stream_urls=True)
        url = f"http://127.0.0.1:{httpd.server_address[1]}/cam.mp4"
        got = []
        with client.websocket_connect(f"/v1/stream/url?url={url}") as ws:
            while True:
                msg = ws.receive_json()
                got.append(msg)
                if msg["type"] == "error":
                    break
        frames = [m for m in got if m["type"] == "frame"]
        assert frames and all(len(m["frame"]["persons"]) == 1 for m in frames)
        assert frames[-1]["seq"] + 1 == len(frames) + frames[-1]["dropped"]
        assert got[-1]["message"] == "the stream ended"
    finally:
        httpd.shutdown()


def test_readyz_waits_for_the_model(tmp_path):
    import threading

    from fastapi.testclient import TestClient

    from har_pose_service import PoseServiceSettings, create_app

    gate = threading.Event()

    def slow_factory(settings):
        gate.wait(10)
        return FakeBackend()

    app = create_app(slow_factory, PoseServiceSettings(data_dir=tmp_path / "d", classifier_url=None))
    with TestClient(app, base_url="http://localhost") as client:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        assert client.get("/livez").status_code == 200
        r = client.post("/v1/frames", content=jpeg(), headers={"content-type": "image/jpeg"})
        assert r.status_code == 503 and r.headers["retry-after"]
        gate.set()
        for _ in range(100):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.02)
        assert client.get("/readyz").status_code == 200


def test_retention_deletes_ended_jobs_by_age_and_by_size(make_app, tmp_path):
    """Ended jobs go with their files once older than retention_days, and the longest-ended first while
    the jobs' files exceed retention_max_gb; the service applies it by itself."""
    from har_pose_service.retention import folder_bytes, purge
    from har_pose_service.store import JobStore

    video = make_video(tmp_path / "clip.mp4", seconds=1, fps=10)
    client, _ = make_app(retention_days=1.0 / 86400, retention_interval_s=0.2)  # one second
    r = client.post("/v1/videos", files={"file": ("a.mp4", video.read_bytes(), "video/mp4")})
    job_id = r.json()["id"]
    assert wait_job(client, job_id)["status"] == "done"
    deadline = time.time() + 10
    while client.get(f"/v1/jobs/{job_id}").status_code != 404 and time.time() < deadline:
        time.sleep(0.2)
    assert client.get(f"/v1/jobs/{job_id}").status_code == 404
    assert not (tmp_path / "data" / "jobs" / job_id).exists()
    client.__exit__(None, None, None)

    client, _ = make_app()  # the defaults keep fresh jobs
    ids = []
    for name in ("old.mp4", "new.mp4"):
        r = client.post("/v1/videos", files={"file": (name, video.read_bytes(), "video/mp4")})
        ids.append(r.json()["id"])
        assert wait_job(client, ids[-1])["status"] == "done"
    client.__exit__(None, None, None)
    store = JobStore(tmp_path / "data")
    newest = folder_bytes(store.dir(ids[1]))
    assert purge(store, max_age_s=0, max_bytes=newest + 1) == [ids[0]]  # over the cap: the longest-ended goes
    assert [j.id for j in store.ended()] == [ids[1]]
    assert purge(store, max_age_s=3600, max_bytes=0) == []  # nothing older than an hour
    store.close()


def test_a_failed_model_load_refuses_work(tmp_path):
    """When the pose model cannot load, uploads are refused with the reason (503), not queued for ever."""
    from fastapi.testclient import TestClient

    from har_pose_service import PoseServiceSettings, create_app

    def missing(settings):
        raise FileNotFoundError("yolo11n-pose.onnx not found")

    app = create_app(missing, PoseServiceSettings(data_dir=tmp_path / "d", classifier_url=None))
    with TestClient(app, base_url="http://localhost") as client:
        for _ in range(100):
            if client.get("/readyz").json()["status"] == "failed":
                break
            time.sleep(0.02)
        assert "yolo11n-pose.onnx" in client.get("/readyz").json()["error"]
        r = client.post("/v1/videos", files={"file": ("a.mp4", make_video(tmp_path / "a.mp4").read_bytes())})
        assert r.status_code == 503 and "failed to load" in r.json()["detail"] and "yolo11n-pose.onnx" in r.json()["detail"]
        assert client.get("/v1/jobs").json()["jobs"] == []
        r = client.post("/v1/frames", content=jpeg(), headers={"content-type": "image/jpeg"})
        assert r.status_code == 503 and "yolo11n-pose.onnx" in r.json()["detail"]
