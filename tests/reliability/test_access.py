"""Access control: the optional API key (REST header, WebSocket query or first message) on every
service, CORS and the WebSocket Origin check, and stream URLs (only when enabled, only
rtsp/http/https)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from contextlib import contextmanager

import corpus
import httpx
import pytest
from harness import ROOT, Service, free_port, ta_chi_jpegs
from service_process import wait_for_job
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

KEY = "k3y-for-tests"
FRONTEND = "http://localhost:3000"  # the default allowed origin


@pytest.fixture(scope="module")
def keyed_classifier(logs):
    svc = Service("classifier", logs, threads=1, api_key=KEY)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def keyed(logs, tmp_path_factory, request):
    """pose-single with an API key and the default origin settings; talks to a keyed classifier."""
    from harness import why_missing

    clf = None if why_missing("classifier") else request.getfixturevalue("keyed_classifier")
    data = tmp_path_factory.mktemp("keyed-data")
    # no classifier_api_key: the service's own key goes to the classifier (one key for the stack)
    svc = Service("pose-single", logs, data_dir=data, api_key=KEY, classifier_url=clf.url if clf else "", render_video="false")
    svc.classifier = clf
    svc.data = data
    yield svc
    svc.stop()


def _frame(seq: int = 1) -> bytes:
    return seq.to_bytes(4, "big") + ta_chi_jpegs(1)[0]


def test_rest_needs_the_key(keyed):
    jpeg = ta_chi_jpegs(1)[0]
    for method, path in [
        ("GET", "/v1/info"),
        ("GET", "/v1/jobs"),
        ("POST", "/v1/frames"),
        ("POST", "/v1/videos"),
        ("GET", "/v1/jobs/" + "0" * 32),
        ("DELETE", "/v1/jobs/" + "0" * 32),
    ]:
        r = httpx.request(method, keyed.url + path, content=jpeg if method == "POST" else None, timeout=10)
        assert r.status_code == 401, (path, r.status_code)
        assert "X-API-Key" in r.json()["detail"]
        r = httpx.request(method, keyed.url + path, headers={"X-API-Key": "wrong"}, timeout=10)
        assert r.status_code == 401, path
    r = httpx.post(keyed.url + "/v1/frames", content=jpeg, headers={"X-API-Key": KEY, "content-type": "image/jpeg"})
    assert r.status_code == 200
    assert httpx.get(keyed.url + "/v1/jobs", headers={"X-API-Key": KEY}).status_code == 200


def test_health_and_docs_stay_open(keyed):
    for path in ("/livez", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert httpx.get(keyed.url + path, timeout=10).status_code == 200, path


def test_websocket_key(keyed):
    # on the URL
    with connect(keyed.ws + f"/v1/stream?actions=false&api_key={KEY}", open_timeout=10) as ws:
        ws.send(_frame(1))
        assert json.loads(ws.recv(timeout=20))["type"] == "frame"
    # in the X-API-Key header, as REST takes it and the web app's proxy sends it
    with connect(keyed.ws + "/v1/stream?actions=false", additional_headers={"X-API-Key": KEY}, open_timeout=10) as ws:
        ws.send(_frame(4))
        assert json.loads(ws.recv(timeout=20))["seq"] == 4
    with pytest.raises(InvalidStatus) as e:
        connect(keyed.ws + "/v1/stream", additional_headers={"X-API-Key": "wrong"}, open_timeout=10)
    assert e.value.response.status_code == 403
    # as the first message
    with connect(keyed.ws + "/v1/stream?actions=false", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "api_key": KEY}))
        ws.send(_frame(2))
        assert json.loads(ws.recv(timeout=20))["seq"] == 2
    # wrong key on the URL: refused at the handshake
    with pytest.raises(InvalidStatus) as e:
        connect(keyed.ws + "/v1/stream?api_key=wrong", open_timeout=10)
    assert e.value.response.status_code == 403
    # no key: the first message is a frame, not auth -> closed with 1008 (policy), no frame answered
    with connect(keyed.ws + "/v1/stream?actions=false", open_timeout=10) as ws:
        ws.send(_frame(3))
        with pytest.raises(ConnectionClosed) as e:
            while True:
                assert json.loads(ws.recv(timeout=10))["type"] != "frame"
        assert e.value.rcvd.code == 1008
    # wrong key as the first message
    with connect(keyed.ws + "/v1/stream", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "api_key": "wrong"}))
        with pytest.raises(ConnectionClosed) as e:
            ws.recv(timeout=10)
        assert e.value.rcvd.code == 1008
    # the key given on the URL never reaches the service's log
    log = keyed.log.read_text(errors="replace")
    assert "/v1/stream" in log and KEY not in log, log[-2000:]


def test_job_events_need_the_key(keyed, tmp_path):
    video = corpus.small_video(tmp_path / "v.mp4")
    r = httpx.post(
        keyed.url + "/v1/videos?actions=false",
        content=video.read_bytes(),
        headers={"X-API-Key": KEY, "content-type": "video/mp4"},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(keyed.ws + f"/v1/jobs/{job}/events", open_timeout=10) as ws:
            msg = json.loads(ws.recv(timeout=10))  # a first message that is not auth: closed
            assert msg.get("type") != "progress", "job progress leaked without the key"
            ws.recv(timeout=10)
    with connect(keyed.ws + f"/v1/jobs/{job}/events?api_key={KEY}", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "progress"


def test_job_files_are_private(keyed, tmp_path):
    """The upload, the results, the annotated video and the job database are readable by the
    service's user only (files 600, folders 700): videos of people are personal data."""
    video = corpus.small_video(tmp_path / "v.mp4")
    r = httpx.post(
        keyed.url + "/v1/videos?actions=false&render=true",
        content=video.read_bytes(),
        headers={"X-API-Key": KEY, "content-type": "video/mp4"},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    job = wait_for_job(lambda path: httpx.get(keyed.url + path, headers={"X-API-Key": KEY}).json(), r.json()["id"], 120)
    assert job["status"] == "done", job
    written = list(keyed.data.rglob("*"))
    assert any(p.name == "annotated.mp4" for p in written) and any(p.name == "result.json" for p in written)
    loose = [(str(p.relative_to(keyed.data)), oct(p.stat().st_mode & 0o777)) for p in written if p.stat().st_mode & 0o077]
    assert not loose, loose


def test_classifier_key(keyed_classifier):
    body = {"sequences": [{"keypoints": [[[1.0, 2.0, 0.9]] * 17] * 30, "fps": 30}]}
    assert httpx.post(keyed_classifier.url + "/v1/classify", json=body).status_code == 401
    assert httpx.get(keyed_classifier.url + "/v1/models").status_code == 401
    r = httpx.post(keyed_classifier.url + "/v1/classify", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    for path in ("/livez", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert httpx.get(keyed_classifier.url + path).status_code == 200, path


def test_pose_service_reaches_the_keyed_classifier(keyed):
    if keyed.classifier is None:
        pytest.skip("no classifier")
    deadline = time.time() + 20
    while time.time() < deadline:
        info = httpx.get(keyed.url + "/v1/info", headers={"X-API-Key": KEY}).json()
        if info["classifier"]["status"] == "ok":
            break
        time.sleep(0.5)
    assert info["classifier"]["status"] == "ok", info["classifier"]


# -- CORS and Origin ----------------------------------------------------------------------------


def _preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(
        url + "/v1/frames",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key,content-type",
        },
    )


@pytest.mark.parametrize("kind", ["keyed", "keyed_classifier"])
def test_cors_only_for_the_frontend_origin(kind, request):
    svc = request.getfixturevalue(kind)
    r = _preflight(svc.url, FRONTEND)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == FRONTEND
    r = _preflight(svc.url, "http://evil.example")
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(svc.url + "/livez", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(svc.url + "/livez", headers={"Origin": FRONTEND})
    assert r.headers.get("access-control-allow-origin") == FRONTEND


def test_websocket_origin(keyed):
    url = keyed.ws + f"/v1/stream?actions=false&api_key={KEY}"
    with pytest.raises(InvalidStatus) as e:
        connect(url, origin="http://evil.example", open_timeout=10)
    assert e.value.response.status_code == 403
    for origin in (FRONTEND, None, keyed.url):  # the frontend, no browser, the service's own origin
        with connect(url, origin=origin, open_timeout=10) as ws:
            ws.send(_frame(5))
            assert json.loads(ws.recv(timeout=20))["seq"] == 5
    # a proxy in front says which host the browser talked to (same origin through the proxy)
    with connect(
        url, origin="http://har.example:8080", open_timeout=10, additional_headers={"X-Forwarded-Host": "har.example:8080"}
    ) as ws:
        ws.send(_frame(6))
        assert json.loads(ws.recv(timeout=20))["seq"] == 6


@contextmanager
def _frontend_proxy(service_url: str, folder, **env):
    """frontend/server.mjs in front of ``service_url`` as /api/pose-single/; yields its base URL."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    (folder / "index.html").write_text("<!doctype html><title>t</title>")
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HAR_FRONTEND_PORT": str(port),
        "HAR_FRONTEND_DIR": str(folder),
        "HAR_POSE_SINGLE_URL": service_url,
        **env,
    }
    proc = subprocess.Popen(
        [node, str(ROOT / "frontend/server.mjs")], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(50):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_same_origin_through_the_frontend_proxy(keyed, tmp_path):
    """frontend/server.mjs on another port and host name: the browser's Origin is the proxy's."""
    with _frontend_proxy(keyed.url, tmp_path) as host:
        origin = f"http://{host}"
        with connect(f"ws://{host}/api/pose-single/v1/stream?actions=false&api_key={KEY}", origin=origin, open_timeout=10) as ws:
            ws.send(_frame(7))
            assert json.loads(ws.recv(timeout=20))["seq"] == 7
        r = httpx.get(f"http://{host}/api/pose-single/v1/info", headers={"Origin": origin, "X-API-Key": KEY})
        assert r.status_code == 200


def test_the_live_page_path_through_a_keyed_proxy(keyed, tmp_path):
    """With HAR_API_KEY given to the web app's proxy, a browser's live socket carries no key: the proxy
    adds it as the X-API-Key header on the upgrade, and the service takes it there."""
    with _frontend_proxy(keyed.url, tmp_path, HAR_API_KEY=KEY) as host:
        with connect(f"ws://{host}/api/pose-single/v1/stream?actions=false", origin=f"http://{host}", open_timeout=10) as ws:
            ws.send(_frame(8))
            assert json.loads(ws.recv(timeout=20))["seq"] == 8


# -- stream URLs --------------------------------------------------------------------------------


def test_stream_urls_off_by_default(keyed):
    with pytest.raises(InvalidStatus) as e:
        connect(keyed.ws + f"/v1/stream/url?url=rtsp://127.0.0.1:1/x&api_key={KEY}", open_timeout=10)
    assert e.value.response.status_code == 403


@pytest.fixture(scope="module")
def urls_on(logs, tmp_path_factory):
    data = tmp_path_factory.mktemp("urls-data")
    # api_key set but empty, as docker-compose passes it when HAR_API_KEY is unset: no key required
    svc = Service("pose-single", logs, data_dir=data, allow_stream_urls="true", classifier_url="", api_key="")
    yield svc
    svc.stop()


def test_empty_api_key_means_no_key(urls_on):
    assert httpx.get(urls_on.url + "/v1/info").status_code == 200
    with connect(urls_on.ws + "/v1/stream?actions=false", open_timeout=10) as ws:
        ws.send(_frame(4))
        assert json.loads(ws.recv(timeout=20))["seq"] == 4


def test_stream_url_schemes(urls_on, tmp_path):
    video = corpus.small_video(tmp_path / "v.mp4")
    for bad in (
        str(video),
        f"file://{video}",
        "/etc/passwd",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "concat:/etc/passwd",
        "subfile:,,start,0,end,0,,:/etc/passwd",
        "rtsp:",
        "http://",
        "data:video/mp4;base64,AAAA",
        "",
        "../../x.mp4",
        "pipe:0",
    ):
        with pytest.raises(InvalidStatus) as e:
            connect(urls_on.ws + "/v1/stream/url?url=" + httpx.QueryParams({"u": bad})["u"].replace("&", "%26"), open_timeout=10)
        assert e.value.response.status_code == 403, bad
    # an allowed scheme that does not answer, and a port that answers but is no camera (the service's
    # own): accepted, then one and the same message (which would otherwise tell a client which
    # ports behind the service are open), never a hang
    messages = set()
    for cam in ("http://127.0.0.1:1/cam.mjpg", urls_on.url + "/livez"):
        with connect(urls_on.ws + "/v1/stream/url?url=" + cam, open_timeout=10) as ws:
            msg = json.loads(ws.recv(timeout=30))
            assert msg["type"] == "error", msg
            messages.add(msg["message"])
    assert messages == {"cannot read the stream: the camera is unreachable, or not a video stream"}


@contextmanager
def _http_server(folder, handler_class=None):
    """A loopback HTTP server in this process serving ``folder``; yields (url, paths requested)."""
    import functools
    import http.server
    import threading

    requested: list[str] = []

    class Handler(handler_class or http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requested.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requested
    finally:
        httpd.shutdown()
        httpd.server_close()


def _stream_messages(svc, camera: str, limit: int = 5) -> list[dict]:
    got = []
    with connect(svc.ws + "/v1/stream/url?url=" + camera, open_timeout=10) as ws:
        while len(got) < limit:
            try:
                msg = json.loads(ws.recv(timeout=30))
            except ConnectionClosed:
                break
            got.append(msg)
            if msg["type"] == "error":
                break
    return got


def test_camera_urls_go_to_no_other_host(urls_on, tmp_path):
    """A camera URL is read from the host it names and no other: an http redirect, or a playlist (HLS)
    naming a segment elsewhere, ends with the one generic error and the other host gets no request.
    The same video served directly streams (so the refusals are not a camera that never works)."""
    import http.server

    corpus.small_video(tmp_path / "cam.ts", n=20, fmt="mpegts")
    (tmp_path / "target").mkdir()
    shutil.copy(tmp_path / "cam.ts", tmp_path / "target" / "cam.ts")
    with _http_server(tmp_path / "target") as (target, target_hits):

        class Redirect(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", target + "/cam.ts")
                    self.end_headers()
                else:
                    super().do_GET()

        (tmp_path / "front").mkdir()
        (tmp_path / "front" / "cam.m3u8").write_text(
            f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{target}/cam.ts\n#EXT-X-ENDLIST\n"
        )
        with _http_server(tmp_path / "front", Redirect) as (front, _):
            direct = _stream_messages(urls_on, target + "/cam.ts", limit=3)
            assert direct and direct[0]["type"] == "frame", direct
            assert target_hits, "the direct camera URL was not read"
            target_hits.clear()
            for camera in (front + "/redirect", front + "/cam.m3u8"):
                got = _stream_messages(urls_on, camera)
                assert got and got[-1] == {
                    "type": "error",
                    "seq": None,
                    "message": "cannot read the stream: the camera is unreachable, or not a video stream",
                }, (camera, got)
                assert target_hits == [], (camera, target_hits)


def test_cross_site_posts_refused_without_a_key(urls_on, tmp_path):
    """With no API key set, a page on another site must not create jobs: a state-changing request with a
    foreign Origin, or Sec-Fetch-Site cross-site, gets 403 and leaves no job; the web app's own origin and
    non-browser clients get through."""
    video = corpus.small_video(tmp_path / "v.mp4").read_bytes()
    before = httpx.get(urls_on.url + "/v1/jobs").json()["jobs"]

    def post(headers):
        return httpx.post(urls_on.url + "/v1/videos?actions=false", content=video, headers=headers, timeout=30)

    assert post({"Origin": "http://evil.example", "content-type": "text/plain"}).status_code == 403
    assert post({"Sec-Fetch-Site": "cross-site", "content-type": "video/mp4"}).status_code == 403
    assert httpx.post(urls_on.url + "/v1/frames", content=b"x", headers={"Origin": "http://evil.example"}).status_code == 403
    assert httpx.get(urls_on.url + "/v1/jobs").json()["jobs"] == before  # nothing was created
    assert post({"Origin": FRONTEND, "content-type": "video/mp4"}).status_code == 202
    assert post({"content-type": "video/mp4"}).status_code == 202


def test_idle_sockets_close_and_streams_are_capped_per_client(logs, tmp_path):
    """One client cannot hold every live slot: at most max_streams_per_client sockets per address
    (behind a proxy, the address X-Forwarded-For gives, which uvicorn takes from a trusted proxy,
    127.0.0.1 by default), and a socket that sends nothing for stream_idle_timeout_s is closed."""
    svc = Service(
        "pose-single",
        logs,
        data_dir=tmp_path / "data",
        classifier_url="",
        max_streams=6,
        max_streams_per_client=2,
        stream_idle_timeout_s=2,
    )
    try:
        url = svc.ws + "/v1/stream?actions=false"
        with connect(url, open_timeout=10) as a, connect(url, open_timeout=10) as b:
            with connect(url, open_timeout=10) as third:
                with pytest.raises(ConnectionClosed) as closed:
                    third.recv(timeout=10)
                assert closed.value.rcvd.code == 1013 and "per_client" in closed.value.rcvd.reason
            # another client behind the same proxy is another address
            with connect(url, open_timeout=10, additional_headers={"X-Forwarded-For": "203.0.113.7"}) as other:
                other.send(_frame(1))
                assert json.loads(other.recv(timeout=30))["seq"] == 1
            # a socket that keeps sending stays open past the idle time; one that sends nothing is closed
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3.5:
                a.send(_frame(2))
                assert json.loads(a.recv(timeout=30))["seq"] == 2
                time.sleep(0.5)
            with pytest.raises(ConnectionClosed) as closed:
                b.recv(timeout=10)
            assert closed.value.rcvd.code == 1000 and "stream_idle_timeout_s" in closed.value.rcvd.reason
        # the slots are free again
        with connect(url, open_timeout=10) as again:
            again.send(_frame(3))
            assert json.loads(again.recv(timeout=30))["seq"] == 3
    finally:
        svc.stop()


@pytest.mark.parametrize("kind", ["pose_single", "classifier"])
def test_other_host_names_refused(kind, request):
    """DNS rebinding straight to a service: a page on a name that resolves to 127.0.0.1 sends its own
    name as Host; only the allowed names (allowed_hosts: localhost, 127.0.0.1) are served, before any
    route, health included."""
    svc = request.getfixturevalue(kind)
    port = svc.url.rsplit(":", 1)[1]
    for path in ("/livez", "/v1/models" if kind == "classifier" else "/v1/info"):
        r = httpx.get(svc.url + path, headers={"Host": f"rebind.example:{port}"})
        assert r.status_code == 400 and "host" in r.text.lower(), (path, r.status_code, r.text)
        assert httpx.get(svc.url + path, headers={"Host": f"localhost:{port}"}).status_code == 200
    if kind == "pose_single":
        with pytest.raises(InvalidStatus) as refused:
            connect(svc.ws + "/v1/stream", open_timeout=10, additional_headers={"Host": "rebind.example"})
        assert refused.value.response.status_code == 400
