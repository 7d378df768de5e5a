"""Escaping, media paths, tokens, cross-site requests and body limits — against real servers."""

from __future__ import annotations

import http.client

import httpx
from fastapi.testclient import TestClient

from conftest import run_cli
from runnotes.web.app import create_app
from runnotes.web.security import Guard
from web.seed import XSS, Seeded


def test_script_in_a_note_renders_as_text(client, seeded: Seeded) -> None:
    page = client.get(f"/runs/{seeded.baseline}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; lr too high" in page
    assert "<script>alert" not in client.get("/runs", params={"q": XSS}).text


TRAVERSALS = [
    "/media/../../etc/passwd",
    "/media/..%2F..%2Fetc%2Fpasswd",
    "/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/media/..%252F..%252Fetc%252Fpasswd",
    "/media/%2Fetc%2Fpasswd",
    "/media/..%5C..%5Cetc%5Cpasswd",
    "/media/" + "a" * 63 + "%00",
    "/media/" + "A" * 64,
    "/static/../../../../etc/passwd",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
]


def _raw_get(url: str, path: str, host: str | None = None) -> tuple[int, str]:
    """Send the request line exactly as written: no client-side normalisation of the dots."""
    parts = httpx.URL(url)
    conn = http.client.HTTPConnection(parts.host, parts.port, timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response.status, body


def test_media_paths_outside_the_folder_are_refused(tmp_path, serve, seeded: Seeded) -> None:
    server = serve(log_dir=tmp_path)
    for path in TRAVERSALS:
        status, body = _raw_get(server.url, path)
        assert status in (400, 404), (path, status)
        assert "root:" not in body
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 must get nothing.
    assert _raw_get(server.url, "/api/runs", host="evil.example:8765")[0] == 400
    assert _raw_get(server.url, "/api/runs", host=httpx.URL(server.url).netloc.decode())[0] == 200


def test_unknown_but_valid_digest_is_404(client) -> None:
    assert client.get("/media/" + "0" * 64).status_code == 404


def test_non_loopback_bind_without_token_refuses_to_start(home) -> None:
    done = run_cli("serve", "--host", "0.0.0.0", "--port", "1", check=False, timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip().startswith(
        "runnotes: error: binding 0.0.0.0 (not loopback) needs a token"
    )


def test_with_a_token_requests_without_it_get_401(tmp_path, serve, home) -> None:
    server = serve("--token", "s3cret-token", log_dir=tmp_path, token="s3cret-token")
    assert httpx.get(server.url + "/api/runs").status_code == 401
    assert httpx.get(server.url + "/").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.get(server.url + "/api/runs", headers=wrong).status_code == 401
    assert httpx.post(server.url + "/api/runs", json={"name": "x"}).status_code == 401
    good = {"Authorization": "Bearer s3cret-token"}
    assert httpx.get(server.url + "/api/runs", headers=good).status_code == 200
    with httpx.Client(base_url=server.url) as browser:  # log in, then the cookie carries it
        assert browser.post("/login", data={"token": "nope"}).status_code == 401
        browser.post("/login", data={"token": "s3cret-token"})
        assert browser.get("/runs").status_code == 200


def test_token_from_environment(tmp_path, serve, home) -> None:
    server = serve(env={"RUNNOTES_TOKEN": "from-env"}, log_dir=tmp_path, token="from-env")
    assert httpx.get(server.url + "/api/runs").status_code == 401


def test_cross_site_posts_are_refused(client, seeded: Seeded) -> None:
    csrf = client.app.state.guard.csrf_token()
    form = {"review": "approved", "csrf": csrf}
    url = f"/captures/{seeded.voice}/review"
    evil = client.post(url, data=form, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    fetch = client.post(url, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status_code == 403
    api = client.post(
        f"/api/captures/{seeded.voice}/review",
        json={"review": "approved"},
        headers={"Origin": "http://attacker.test"},
    )
    assert api.status_code == 403
    same = client.post(
        url,
        data=form,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_body_size_limits(store, seeded: Seeded) -> None:
    client = TestClient(create_app(store, Guard(max_body=1024, max_upload=4096)))
    big = client.post(
        f"/api/runs/{seeded.other}/captures",
        json={"captures": [{"kind": "note", "text": "x" * 5000}]},
    )
    assert big.status_code == 413
    upload = client.post("/api/media", files={"file": ("big.bin", b"\0" * 10_000)})
    assert upload.status_code == 413

    def chunks():  # no Content-Length: the limit is counted as the body streams in
        for _ in range(10):
            yield b"\0" * 1000

    streamed = client.post(
        "/api/media", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert streamed.status_code == 413
    small = client.post("/api/media", files={"file": ("ok.bin", b"\1" * 100)})
    assert small.status_code == 200


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _upload(client: TestClient, data: bytes, name: str, mime: str) -> str:
    answer = client.post("/api/media", files={"file": (name, data)}, data={"mime": mime})
    return str(answer.json()["sha256"])


def test_media_is_inline_only_for_types_that_cannot_run_script(client) -> None:
    cases = {
        ("chart.svg", "image/svg+xml; charset=utf-8"): ("application/octet-stream", "attachment"),
        ("page.html", "text/html"): ("application/octet-stream", "attachment"),
        ("x.xml", "IMAGE/SVG+XML"): ("application/octet-stream", "attachment"),
        ("shot.png", "Image/PNG; name=x"): ("image/png", "inline"),
        ("say.wav", "audio/wav"): ("audio/wav", "inline"),
    }
    for index, ((name, mime), (served, disposition)) in enumerate(cases.items()):
        sha = _upload(client, SVG + str(index).encode(), name, mime)
        answer = client.get(f"/media/{sha}")
        assert answer.headers["content-type"] == served, (name, mime)
        assert answer.headers["content-disposition"].startswith(disposition)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]


def test_no_page_can_be_framed_or_run_inline_script(client, seeded: Seeded) -> None:
    for path in ("/", "/runs", f"/runs/{seeded.baseline}", "/review", "/api/runs", "/login"):
        answer = client.get(path, headers={"accept": "text/html"})
        assert answer.headers["x-frame-options"] == "DENY", path
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    refused = TestClient(create_app(client.app.state.store, Guard(token="t"))).get("/runs")
    assert refused.status_code == 401 and refused.headers["x-frame-options"] == "DENY"


def test_unknown_huge_run_ids_are_404_not_500(client) -> None:
    for path in ("/runs/99999999999999999999999", "/api/runs/99999999999999999999999"):
        assert client.get(path).status_code == 404
    assert client.post("/api/runs/99999999999999999999999/end", json={}).status_code == 404
    body = client.post("/api/runs", content=b"name=x", headers={"content-type": "text/plain"})
    assert body.status_code == 422 and "\n" not in body.json()["detail"]
