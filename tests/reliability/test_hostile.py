"""Hostile input: broken media, oversized and chunked bodies, hostile file names, and schemathesis
against each service's OpenAPI (no 5xx)."""

from __future__ import annotations

import json
import subprocess
import time

import corpus
import httpx
import pytest
from harness import VENVS, leftovers, ta_chi_jpegs
from service_process import wait_for_job
from websockets.sync.client import connect


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    return corpus.make_corpus(tmp_path_factory.mktemp("corpus"))


def _jobs(svc) -> int:
    return len(httpx.get(svc.url + "/v1/jobs", timeout=10).json()["jobs"])


def _assert_4xx_with_message(r: httpx.Response, what: str) -> None:
    assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert detail and isinstance(detail, (str, list)), (what, r.text)


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_broken_videos_refused_and_cleaned(kind, request, broken):
    svc = request.getfixturevalue(kind)
    before = _jobs(svc)
    for name, path in broken.items():
        data = path.read_bytes()
        # multipart, as browsers send it
        r = httpx.post(svc.url + "/v1/videos", files={"file": (name, data, "video/mp4")}, timeout=60)
        _assert_4xx_with_message(r, name)
        # raw body
        r = httpx.post(svc.url + f"/v1/videos?filename={name}", content=data, headers={"content-type": "video/mp4"}, timeout=60)
        _assert_4xx_with_message(r, name + " (raw)")
    assert _jobs(svc) == before, "a refused upload left a job behind"
    assert leftovers(svc.data) == []


def test_absurd_dimension_messages(pose_single, broken):
    for name in ("huge-dims.avi", "big-dims.avi"):
        r = httpx.post(pose_single.url + "/v1/videos", files={"file": (name, broken[name].read_bytes())}, timeout=30)
        assert r.status_code == 422 and "frame size" in r.json()["detail"], r.text


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_broken_images_refused(kind, request, broken):
    svc = request.getfixturevalue(kind)
    cases = {
        "empty": b"",
        "random": broken["random.mp4"].read_bytes()[:4096],
        "png header only, 100000x100000": corpus.png_header_only(100000, 100000),
        "png header only, 30000x30000": corpus.png_header_only(30000, 30000),
        "png header, cut": corpus.png_bytes()[:40],
        "jpeg magic then garbage": b"\xff\xd8\xff" + b"\x00" * 100,
        "mp4 as image": broken["moov-cut.mp4"].read_bytes(),
    }
    for what, data in cases.items():
        r = httpx.post(svc.url + "/v1/frames", content=data, headers={"content-type": "image/png"}, timeout=30)
        _assert_4xx_with_message(r, what)
        r = httpx.post(svc.url + "/v1/frames", files={"file": ("x.png", data, "image/png")}, timeout=30)
        _assert_4xx_with_message(r, what + " (multipart)")


def test_decompression_bomb_png_refused_fast(pose_single):
    """A 240 KB PNG that decodes to 16000 x 16000 pixels (768 MB): refused from its header."""
    bomb = corpus.huge_png(16000, 16000)
    assert len(bomb) < 1_000_000
    t0 = time.perf_counter()
    r = httpx.post(pose_single.url + "/v1/frames", content=bomb, headers={"content-type": "image/png"}, timeout=60)
    took = time.perf_counter() - t0
    _assert_4xx_with_message(r, "png bomb")
    assert took < 3.0, f"took {took:.1f} s: the image was decoded"


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_pixel_limits_hold_on_what_is_decoded(kind, request, tmp_path):
    """A 633-byte JPEG claiming 20000 x 20000 behind a stray byte, as a frame and over the live socket,
    and a video whose header and first frames are 320x240 with one 5000 x 5000 frame in the middle:
    each refused on its real size (images before decoding, video frames before conversion)."""
    svc = request.getfixturevalue(kind)
    bomb = corpus.jpeg_bomb(20000)
    t0 = time.monotonic()
    r = httpx.post(svc.url + "/v1/frames", content=bomb, headers={"content-type": "image/jpeg"}, timeout=60)
    assert r.status_code == 422 and "over the limit" in r.json()["detail"], r.text
    assert time.monotonic() - t0 < 3.0  # refused from the header, not after decoding 400 M pixels
    with connect(svc.ws + "/v1/stream?actions=false", open_timeout=10) as ws:
        ws.send((1).to_bytes(4, "big") + bomb)
        reply = json.loads(ws.recv(timeout=20))
        assert reply["type"] == "error" and "over the limit" in reply["message"], reply
    video = corpus.video_with_a_giant_frame(tmp_path / "giant.avi")
    r = httpx.post(svc.url + "/v1/videos", content=video.read_bytes(), headers={"content-type": "video/x-msvideo"}, timeout=60)
    assert r.status_code == 202, r.text
    job = wait_for_job(lambda path: httpx.get(svc.url + path, timeout=10).json(), r.json()["id"], 120, poll=0.3)
    assert job["status"] == "failed" and "frame 10 is 5000x5000 pixels, over the limit" in job["error"], job


def test_stream_survives_bad_frames(pose_single):
    """Bad frames over the live socket: an error message each, and the socket keeps working."""

    good = ta_chi_jpegs(1)[0]
    bad = [
        b"\x00\x00\x00\x01" + b"garbage",
        b"\x00\x00\x00\x02" + corpus.png_header_only(100000, 100000),
        b"\x00\x00\x00\x03" + corpus.png_bytes()[:40],
        b"\x00\x00",
    ]
    with connect(pose_single.ws + "/v1/stream?actions=false", open_timeout=10) as ws:
        for msg in bad:
            ws.send(msg)
            reply = json.loads(ws.recv(timeout=20))
            assert reply["type"] == "error" and reply["message"], reply
        ws.send(b"\x00\x00\x00\x09" + good)
        reply = json.loads(ws.recv(timeout=20))
        assert reply["type"] == "frame" and reply["seq"] == 9, reply
        ws.send(json.dumps([1, 2]))
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
        ws.send("[" * 200_000 + "]" * 200_000)  # deeper than the JSON parser's stack: a message, not a dead socket
        assert json.loads(ws.recv(timeout=10)) == {"type": "error", "seq": None, "message": "text message nested too deeply"}
        ws.send(b"\x00\x00\x00\x0a" + good)
        assert json.loads(ws.recv(timeout=20))["seq"] == 10


def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"\x00" * n


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi"])
def test_chunked_upload_over_the_limit(kind, request):
    """No Content-Length (chunked): the limit still holds, 413, nothing left on disk."""
    svc = request.getfixturevalue(kind)
    before = _jobs(svc)
    r = httpx.post(svc.url + "/v1/videos", content=_chunks(3_000_000), headers={"content-type": "video/mp4"}, timeout=60)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, r.text
    assert "limit" in r.json()["detail"]
    r = httpx.post(svc.url + "/v1/frames", content=_chunks(1_500_000), headers={"content-type": "image/jpeg"}, timeout=60)
    assert r.status_code == 413, r.text
    # multipart, chunked
    boundary = "b0undary"

    def form():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        yield from _chunks(3_000_000)
        yield f"\r\n--{boundary}--\r\n".encode()

    r = httpx.post(
        svc.url + "/v1/videos", content=form(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}, timeout=60
    )
    assert r.status_code == 413, r.text
    # multipart, chunked, a small file with a large extra part: every byte of the body counts
    jpeg = ta_chi_jpegs(1)[0]

    def padded_form():
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n'.encode()
        yield from _chunks(3_000_000)
        yield (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        yield jpeg
        yield f"\r\n--{boundary}--\r\n".encode()

    for route in ("/v1/frames", "/v1/videos"):
        r = httpx.post(
            svc.url + route,
            content=padded_form(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            timeout=60,
        )
        assert r.status_code == 413, (route, r.status_code, r.text)
    # a declared Content-Length over the limit is refused before the body is read
    r = httpx.post(svc.url + "/v1/videos", content=b"\x00" * 3_000_000, headers={"content-type": "video/mp4"}, timeout=60)
    assert r.status_code == 413
    assert _jobs(svc) == before
    assert leftovers(svc.data) == []


def test_classifier_body_limit(classifier):
    """The classifier caps its JSON bodies too, chunked or declared (max_body_bytes=5 MB here)."""

    def body():
        yield b'{"sequences": ['
        for _ in range(200):
            yield b'{"keypoints": [' + b",".join([b"[[1.0, 2.0, 0.9]" + b", [1.0, 2.0, 0.9]" * 16 + b"]"] * 100) + b"]},"
        yield b'{"keypoints": [[[1,2,0.9]]]}]}'

    r = httpx.post(classifier.url + "/v1/classify", content=body(), headers={"content-type": "application/json"}, timeout=60)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, r.text[:300]
    r = httpx.post(
        classifier.url + "/v1/classify", content=b"".join(body()), headers={"content-type": "application/json"}, timeout=60
    )
    assert r.status_code == 413, r.text[:300]
    assert httpx.get(classifier.url + "/readyz").status_code == 200


def test_classifier_says_where_a_body_is_not_json(classifier):
    for body, where in ((b'{"sequences": [', "line 1 column 15"), (b'{"sequences": [}', "line 1 column 16")):
        r = httpx.post(classifier.url + "/v1/classify", content=body, headers={"content-type": "application/json"}, timeout=30)
        assert r.status_code == 422, r.text
        msg = r.json()["detail"][0]["msg"]
        assert msg.startswith("Invalid JSON") and where in msg, msg


def test_classifier_health_answers_during_large_requests(classifier):
    """Four legal requests of about 4.5 MB at once (parsing and validating one takes about a second
    of CPU): /livez keeps answering, because large bodies are parsed in a worker process, not on the
    event loop (where they blocked health checks for 6 s under the same load)."""
    import threading

    import numpy as np

    rng = np.random.default_rng(0)
    xy, score = rng.uniform(0, 640, (300, 17, 2)), rng.uniform(0.5, 1.0, (300, 17, 1))
    one = json.dumps({"fps": 30, "keypoints": np.round(np.concatenate([xy, score], axis=2), 2).tolist()})
    body = ('{"sequences": [' + ",".join([one] * int(4.4e6 / len(one))) + "]}").encode()
    assert 4e6 < len(body) < 5 * 1024 * 1024
    codes: list[int] = []

    def post():
        r = httpx.post(classifier.url + "/v1/classify", content=body, headers={"content-type": "application/json"}, timeout=120)
        codes.append(r.status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    waits = []
    while any(t.is_alive() for t in threads):
        t0 = time.perf_counter()
        assert httpx.get(classifier.url + "/livez", timeout=30).status_code == 200
        waits.append(time.perf_counter() - t0)
        time.sleep(0.02)
    assert codes == [200] * 4, codes
    assert len(waits) >= 3 and max(waits) < 1.5, (len(waits), max(waits))


def test_upload_names_are_never_paths(pose_single, tmp_path):
    """Hostile file names are display-only; files live under generated names in the job folder."""
    video = corpus.small_video(tmp_path / "v.mp4")
    for name in (
        "../../../../tmp/evil.mp4",
        "/etc/passwd",
        "..\\..\\win.mp4",
        "a\x00b.mp4",
        "x" * 1000 + ".mp4",
        "log\r\nINJECTED line\x1b[31m.mp4",
    ):
        r = httpx.post(
            pose_single.url + "/v1/videos?actions=false", files={"file": (name, video.read_bytes(), "video/mp4")}, timeout=30
        )
        assert r.status_code == 202, (name, r.text)
        job = r.json()
        assert "/" not in (job["filename"] or "") and "\\" not in (job["filename"] or "")
        assert len(job["filename"] or "") <= 255
        assert (job["filename"] or "").isprintable(), job["filename"]  # no newlines or terminal escapes
        files = sorted(p.name for p in (pose_single.data / "jobs" / job["id"]).iterdir())
        assert set(files) <= {
            "input",
            "result.json",
            "keypoints.csv",
            "annotated.mp4",
            ".result.json.tmp",
            ".keypoints.csv.tmp",
            ".annotated.tmp.mp4",
        }, files
    assert not (tmp_path.parent / "evil.mp4").exists()
    names = {p.name for p in pose_single.data.rglob("*")}
    assert not names & {"evil.mp4", "passwd", "win.mp4"}


# -- schemathesis -------------------------------------------------------------------------------


def _schemathesis(url: str, tmp_path, extra: list[str] = ()) -> None:
    for seed in ("1", "2"):
        cmd = [
            str(VENVS / "reliability/bin/schemathesis"),
            "run",
            url + "/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "8",
            "--workers",
            "2",
            "--seed",
            seed,
            "--phases",
            "examples,coverage,fuzzing",
            "--no-shrink",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--max-time",
            "35",
            "--suppress-health-check",
            "all",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path / seed),
            *extra,
        ]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        out = p.stdout + p.stderr
        server_error = "ST101" in out or "Server error" in out
        # schemathesis' own trouble (e.g. a Hypothesis internal error), not the API's: once more
        if p.returncode != 0 and not server_error and "Runtime Error" in out and seed == "1":
            continue
        break
    assert not server_error, out[-6000:]
    assert p.returncode == 0, out[-6000:]


@pytest.mark.parametrize("kind", ["pose_single", "pose_multi", "classifier"])
def test_schemathesis_no_5xx(kind, request, tmp_path):
    svc = request.getfixturevalue(kind)
    _schemathesis(svc.url, tmp_path)
    assert httpx.get(svc.url + "/readyz", timeout=5).status_code == 200
    if hasattr(svc, "data"):
        assert leftovers(svc.data) == []
