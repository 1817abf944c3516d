"""The frontend container's nginx config (deploy/nginx.conf), run natively with Debian's nginx: the
template renders as the nginx image renders it, the static app is served, /api/<service>/ is proxied
with the prefix stripped, and a stopped service answers with a JSON 502."""

import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _render(template: str, env: dict[str, str]) -> str:
    # The nginx image substitutes only variables defined in the environment, leaving $http_upgrade etc.
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), m.group(0)), template)


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        key = self.headers.get("X-API-Key")
        body = (f'{{"path": "{self.path}", "key": ' + (f'"{key}"' if key is not None else "null") + "}").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(params=["", "s3cret"], ids=["no-key", "api-key"])
def nginx(tmp_path, request):
    if NGINX is None:
        pytest.skip("nginx is not installed (scripts/test installs it from Debian's packages)")
    site = tmp_path / "html"
    site.mkdir()
    (site / "index.html").write_text("<html><body>HAR app</body></html>")
    (site / "live.html").write_text("<html><body>live page</body></html>")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port, dead = _free_port(), _free_port()
    env = {
        "HAR_CLASSIFIER_UPSTREAM": f"127.0.0.1:{upstream.server_port}",
        "HAR_POSE_SINGLE_UPSTREAM": f"127.0.0.1:{dead}",
        "HAR_POSE_MULTI_UPSTREAM": f"127.0.0.1:{dead}",
        "HAR_API_KEY": request.param,
        "HAR_FRONTEND_HOSTS_RE": r"localhost|127\.0\.0\.1",
    }
    server = _render((ROOT / "deploy/nginx.conf").read_text(), env)
    proxy = tmp_path / "har-proxy.conf"
    proxy.write_text(_render((ROOT / "deploy/har-proxy.conf").read_text(), env))
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/usr/share/nginx/html", str(site))
    server = server.replace("/etc/nginx/conf.d/har-proxy.inc", str(proxy))
    conf = tmp_path / "nginx.conf"
    # Workers would drop to an unprivileged user that cannot read pytest's private temp folder.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
daemon off;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
{server}
}}
""")
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            httpx.get(base + "/", timeout=0.5)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield base, request.param
    proc.terminate()
    proc.wait(timeout=10)
    upstream.shutdown()


def test_static_app_and_clean_urls(nginx):
    nginx, _ = nginx
    assert "HAR app" in httpx.get(nginx + "/").text
    assert "live page" in httpx.get(nginx + "/live").text
    assert "HAR app" in httpx.get(nginx + "/analysis/whatever").text  # unknown paths: the app


def test_api_prefix_is_stripped_and_the_key_added(nginx):
    nginx, key = nginx
    r = httpx.get(nginx + "/api/classifier/v1/models?x=1")
    assert r.status_code == 200 and r.json() == {"path": "/v1/models?x=1", "key": key or None}


def test_stopped_service_answers_json_502(nginx):
    nginx, _ = nginx
    r = httpx.get(nginx + "/api/pose-single/v1/info")
    assert r.status_code == 502
    assert "not reachable" in r.json()["detail"]


def test_rebinding_hosts_and_cross_site_requests_refused(nginx):
    """/api/ only under the allowed host names (421 otherwise); no state-changing request or WebSocket
    from another site (403); same-origin and non-browser requests pass."""
    base, _ = nginx
    port = base.rsplit(":", 1)[1]
    r = httpx.get(base + "/api/classifier/v1/models", headers={"Host": f"evil.example:{port}"})
    assert r.status_code == 421 and "not served here" in r.json()["detail"]
    assert httpx.get(base + "/", headers={"Host": "evil.example"}).status_code == 200  # the app's pages are not the API
    post = base + "/api/classifier/v1/classify"
    assert httpx.post(post, content=b"x", headers={"Origin": "http://evil.example"}).status_code == 403
    assert httpx.post(post, content=b"x", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    ws = {"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "http://evil.example"}
    assert httpx.get(base + "/api/classifier/v1/stream", headers=ws).status_code == 403
    # same origin, and no Origin at all (not a browser): through to the service (its echo has no POST: 501)
    assert httpx.post(post, content=b"x", headers={"Origin": f"http://127.0.0.1:{port}"}).status_code == 501
    assert httpx.post(post, content=b"x").status_code == 501
    assert httpx.get(base + "/api/classifier/v1/models").status_code == 200
