"""``gatekeeper data fetch`` against a local HTTP server speaking as CISA's and FIRST's do:
stored only when the gate's own readers accept the bytes, atomically, with digest and date."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.risk.helpers import EPSS_GZ, KEV_SMALL, TRIVY_LOW
from tests.test_cli import run

ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/feeds/known_exploited_vulnerabilities.json": (200, {"Content-Type": "application/json"}, KEV_SMALL.read_bytes()),
    "/epss_scores-current.csv.gz": (200, {"Content-Type": "application/gzip"}, EPSS_GZ.read_bytes()),
    "/moved": (302, {"Location": "/feeds/known_exploited_vulnerabilities.json"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/empty-catalog": (200, {}, json.dumps({"catalogVersion": "x", "dateReleased": "2025-08-25T00:00:00Z", "count": 0,
                                            "vulnerabilities": []}).encode()),
    "/html": (200, {"Content-Type": "text/html"}, b"<html><body>Access denied</body></html>"),
    "/gone": (404, {}, b"not here"),
    "/unsized": (200, {"Content-Length": ""}, KEV_SMALL.read_bytes()),  # read until the server closes
    "/cut": (200, {"Content-Length": str(len(KEV_SMALL.read_bytes()) + 100)}, KEV_SMALL.read_bytes()),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        status, headers, body = ROUTES.get(self.path, (404, {}, b""))
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **headers}
        for k, v in headers.items():
            if v:
                self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fetch(server: str, cache: Path, *args: str, kev: str = "/feeds/known_exploited_vulnerabilities.json",
          epss: str = "/epss_scores-current.csv.gz"):  # type: ignore[no-untyped-def]
    return run("data", "fetch", "--kev-url", server + kev, "--epss-url", server + epss, *args,
               env={"GATEKEEPER_CACHE_DIR": str(cache), "NO_PROXY": "*"})


def test_both_feeds_are_stored_with_digest_and_date_and_gate(server: str, tmp_path: Path) -> None:
    r = fetch(server, tmp_path)
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    kev, epss = data / "known_exploited_vulnerabilities.json", data / "epss_scores-current.csv.gz"
    assert kev.read_bytes() == KEV_SMALL.read_bytes() and epss.read_bytes() == EPSS_GZ.read_bytes()
    assert r.stdout.strip() == f"--kev {kev} --epss {epss}"
    digest = hashlib.sha256(KEV_SMALL.read_bytes()).hexdigest()
    assert f"KEV catalog: {kev} (2025.08.25, released 2025-08-25T17:04:19Z, 4 entries" in r.stderr and digest in r.stderr
    meta = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    assert meta["kev"]["sha256"] == digest and meta["kev"]["url"].endswith("/feeds/known_exploited_vulnerabilities.json")
    assert meta["epss"]["released"] == "2025-08-25T12:55:00Z" and meta["epss"]["entries"] == 2010
    assert sorted(p.name for p in data.iterdir()) == ["epss_scores-current.csv.gz", "known_exploited_vulnerabilities.json",
                                                      "metadata.json"]  # no temporary file left
    gate = run("check", *r.stdout.split(), TRIVY_LOW)
    assert gate.returncode == 1 and "[KEV] freetype" in gate.stdout, gate.stdout + gate.stderr


def test_a_redirect_is_followed(server: str, tmp_path: Path) -> None:
    r = fetch(server, tmp_path, "--no-epss", kev="/moved")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "known_exploited_vulnerabilities.json").read_bytes() == KEV_SMALL.read_bytes()


@pytest.mark.parametrize(("path", "message"), [
    ("/empty-catalog", "the KEV catalog has no entries"),
    ("/html", "not a KEV catalog: invalid JSON"),
    ("/gone", "HTTP 404"),
    ("/loop", "more than 5 redirects"),
    ("/cut", "the download broke off"),
])
def test_a_bad_download_keeps_the_previous_copy(server: str, tmp_path: Path, path: str, message: str) -> None:
    assert fetch(server, tmp_path, "--no-epss").returncode == 0
    before = (tmp_path / "data" / "metadata.json").read_bytes()
    r = fetch(server, tmp_path, "--no-epss", kev=path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"gatekeeper: error: {server}{path}: " in r.stderr and message in r.stderr and "nothing was stored" in r.stderr
    assert (tmp_path / "data" / "known_exploited_vulnerabilities.json").read_bytes() == KEV_SMALL.read_bytes()
    assert (tmp_path / "data" / "metadata.json").read_bytes() == before
    assert "Traceback" not in r.stderr


def test_the_size_cap_and_the_other_feed(server: str, tmp_path: Path) -> None:
    r = fetch(server, tmp_path, "--max-bytes", "1000")
    assert r.returncode == 2
    assert "known_exploited_vulnerabilities.json: 4,029 bytes, more than the 1,000 allowed (--max-bytes)" in r.stderr
    assert "epss_scores-current.csv.gz: 15,608 bytes, more than the 1,000 allowed" in r.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
    # no Content-Length: counted while streaming
    r = fetch(server, tmp_path, "--max-bytes", "1000", "--no-epss", kev="/unsized")
    assert r.returncode == 2 and "/unsized: more than the 1,000 bytes allowed (--max-bytes); nothing was stored" in r.stderr
    # one feed failing does not stop the other
    r = fetch(server, tmp_path, kev="/gone")
    assert r.returncode == 2 and "/gone: HTTP 404" in r.stderr
    assert r.stdout.strip() == f"--epss {tmp_path / 'data' / 'epss_scores-current.csv.gz'}"


def test_nothing_to_fetch_is_a_usage_error(tmp_path: Path) -> None:
    r = run("data", "fetch", "--no-kev", "--no-epss", env={"GATEKEEPER_CACHE_DIR": str(tmp_path)})
    assert r.returncode == 2 and "nothing to fetch" in r.stderr


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    r = run("data", "fetch", "--no-epss", "--kev-url", "http://127.0.0.1:9/kev.json", "--timeout", "2",
            env={"GATEKEEPER_CACHE_DIR": str(tmp_path), "NO_PROXY": "*"})
    assert r.returncode == 2 and "http://127.0.0.1:9/kev.json: cannot connect; nothing was stored" in r.stderr
