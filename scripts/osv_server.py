"""A tiny offline OSV API server backed by the PyPA advisory database.

It exists so that ``scripts/make_fixtures.sh`` can run the real ``pip-audit``
without network access to osv.dev. It serves, on loopback only:

* ``POST /v1/query`` with ``{"package": {"name", "ecosystem"}, "version"}``:
  answers ``{"vulns": [<full OSV record>, ...]}``, or ``{}`` when nothing matches
  (osv.dev answers ``{}`` too, and pip-audit treats an empty body as "no vulns").
* ``POST /v1/querybatch`` with ``{"queries": [<query>, ...]}``: answers
  ``{"results": [{"vulns": [{"id", "modified"}]}, ...]}``, like osv.dev.
  NOTE: pip-audit 2.10 only calls ``/v1/query`` (see ``pip_audit/_service/osv.py``);
  the batch endpoint is here for other clients.

Matching follows the OSV schema: a record applies when one of its ``affected``
entries names the package (PyPI ecosystem, names compared after PEP 503
normalisation) and the version is listed in ``versions`` or falls inside an
``ECOSYSTEM`` range (``introduced`` .. ``fixed`` exclusive / ``last_affected``
inclusive). Withdrawn records are returned as they are: the client decides.

Records are returned exactly as written in the YAML files; timestamps are kept
as the strings in the file (the YAML timestamp type is switched off).

Usage (needs PyYAML and packaging, both present in the scanners' venv)::

    python scripts/osv_server.py --db /path/to/vulns --port 0 --port-file FILE

With ``--port 0`` the OS picks a free port; it is written to ``--port-file``
once the server is listening, so a caller can wait for that file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


class _StringTimestampLoader(yaml.SafeLoader):
    """A SafeLoader that keeps timestamps as the strings written in the file."""


# NOTE: drop the implicit timestamp resolver so `published: 2020-01-01T00:00:00Z`
# stays a string; pip-audit parses it with strptime and needs the RFC 3339 text.
_StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class AdvisoryDB:
    """Lazily loaded view of ``vulns/<package>/*.yaml``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs = {canonicalize_name(p.name): p for p in root.iterdir() if p.is_dir()}
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def records(self, name: str) -> list[dict[str, Any]]:
        key = canonicalize_name(name)
        if key not in self._cache:
            folder = self._dirs.get(key)
            files = sorted(folder.glob("*.yaml")) if folder else []
            self._cache[key] = [
                yaml.load(f.read_text(encoding="utf-8"), Loader=_StringTimestampLoader)
                for f in files
            ]
        return self._cache[key]

    def query(self, name: str, version: str | None) -> list[dict[str, Any]]:
        key = canonicalize_name(name)
        return [r for r in self.records(name) if _affects(r, key, version)]


def _affects(record: dict[str, Any], key: str, version: str | None) -> bool:
    for affected in record.get("affected") or []:
        pkg = affected.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != key:
            continue
        if version is None:
            return True
        if version in [str(v) for v in affected.get("versions") or []]:
            return True
        for rng in affected.get("ranges") or []:
            if rng.get("type") == "ECOSYSTEM" and _in_range(rng.get("events") or [], version):
                return True
    return False


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _in_range(events: list[dict[str, Any]], version: str) -> bool:
    """OSV range evaluation for one ECOSYSTEM range."""
    target = _parse(version)
    if target is None:
        return False
    affected = False
    points: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, raw in event.items():
            if kind == "introduced" and str(raw) == "0":
                affected = True
                continue
            parsed = _parse(str(raw))
            if parsed is not None:
                # at the same version: introduced applies before fixed / last_affected
                order = {"introduced": 0, "fixed": 1, "last_affected": 2}.get(kind, 3)
                points.append((parsed, order, kind))
    for parsed, _, kind in sorted(points):
        if kind == "introduced" and parsed <= target:
            affected = True
        elif kind == "fixed" and parsed <= target:
            affected = False
        elif kind == "last_affected" and parsed < target:
            affected = False
    return affected


class _Handler(BaseHTTPRequestHandler):
    db: AdvisoryDB

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        sys.stderr.write("osv_server: " + (format % args) + "\n")

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _one(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        pkg = query.get("package") or {}
        if pkg.get("ecosystem", "PyPI") != "PyPI" or not pkg.get("name"):
            return []
        return self.db.query(pkg["name"], query.get("version"))

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, json.JSONDecodeError):
            self._reply(400, {"code": 3, "message": "invalid JSON body"})
            return
        if self.path == "/v1/query":
            vulns = self._one(payload)
            self._reply(200, {"vulns": vulns} if vulns else {})
        elif self.path == "/v1/querybatch":
            results = [
                {"vulns": [{"id": v["id"], "modified": v.get("modified")} for v in self._one(q)]}
                for q in payload.get("queries") or []
            ]
            self._reply(200, {"results": results})
        else:
            self._reply(404, {"code": 5, "message": "not found"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the advisory database's vulns/ folder")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the listening port here")
    args = parser.parse_args()

    _Handler.db = AdvisoryDB(args.db)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _Handler)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(f"{port}\n")
        os.replace(tmp, args.port_file)
    sys.stderr.write(f"osv_server: listening on http://127.0.0.1:{port}/v1/query\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
