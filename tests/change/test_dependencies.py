"""Dependencies and images in a change: real Trivy and pip-audit reports, lockfile diffs made by git.

A vulnerable package is in the change when an added line of its manifest or lockfile names
it at its version (on the line, or in the hunk's lines above: a lockfile writes the name and
the version on separate lines); an untouched one is not. An image's package is in the change
when a Dockerfile's FROM line changed, or the instruction that built its layer did.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.change.repo import PIP_AUDIT, git
from tests.change.test_check_diff import run
from tests.conftest import CORPUS, ROOT, require_shared

NPM = CORPUS / "trivy" / "trivy-golden-npm-ubuntu-severity.json"  # package-lock.json: jquery 3.3.9
GOMOD = CORPUS / "trivy" / "trivy-golden-gomod-vex.json"  # go.mod: golang.org/x/text v0.3.6, docker/distribution; submod*/go.mod
ALPINE = CORPUS / "trivy" / "trivy-golden-alpine-310.json"  # an alpine 3.10 image: libcrypto1.1, libssl1.1

LOCK_BEFORE = {
    "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
    "packages": {
        "": {"name": "app", "version": "1.0.0", "dependencies": {"jquery": "^3.3.1", "left-pad": "^1.3.0"}},
        "node_modules/jquery": {"version": "3.3.1", "resolved": "https://registry.npmjs.org/jquery/-/jquery-3.3.1.tgz",
                                "integrity": "sha512-old"},
        "node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
                                  "integrity": "sha512-pad"},
    },
}


def repository(tmp_path: Path, before: dict[str, str | bytes], after: dict[str, str | bytes | None]) -> Path:
    """A repository of two commits; the diff between them at ``tmp_path/pr.diff``."""
    r = tmp_path / "repo"
    r.mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    for files in (before, after):
        for name, text in files.items():
            path = r / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
        git(r, "add", "-A")
        git(r, "commit", "-qm", "commit")
    (tmp_path / "pr.diff").write_text(git(r, "diff", "-M", "HEAD~1", "HEAD"))
    return r


def placed(tmp_path: Path, report: Path, repo: Path, *args: str) -> dict[tuple[str, str], tuple[str, str]]:
    out = tmp_path / "out.json"
    r = run("check", report, "--diff", tmp_path / "pr.diff", "--json", out, *args, cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    # NOTE: Trivy's golden reports scanned testdata/fixtures/repo/NAME: the adapter prefixes
    # their paths with it; the change finds the file by its tail (a report made in a folder).
    return {(re.sub(r"^testdata/fixtures/repo/[^/]+/", "", f["location"]["path"] or f["location"]["target"] or "-"), f["package"]["name"]):
            (f["change"]["placed"], f["decision"]["outcome"]) for f in doc["findings"]}


def test_an_upgrade_in_package_lock_is_in_the_change_an_untouched_package_is_not(tmp_path: Path) -> None:
    require_shared()
    after = json.loads(json.dumps(LOCK_BEFORE))
    after["packages"]["node_modules/jquery"].update(
        version="3.3.9", resolved="https://registry.npmjs.org/jquery/-/jquery-3.3.9.tgz", integrity="sha512-new")
    before = {"package-lock.json": json.dumps(LOCK_BEFORE, indent=2) + "\n"}
    repo = repository(tmp_path, before, {"package-lock.json": json.dumps(after, indent=2) + "\n"})
    diff = (tmp_path / "pr.diff").read_text()
    assert '+      "version": "3.3.9",' in diff and '"node_modules/jquery": {' in diff  # the name is a context line
    assert {k: v[0] for k, v in placed(tmp_path, NPM, repo).items()} == {("package-lock.json", "jquery"): "in"}
    # A change to left-pad only: jquery 3.3.9 is an untouched dependency.
    after2 = json.loads(json.dumps(after))
    after2["packages"]["node_modules/left-pad"]["version"] = "1.3.1"
    two = tmp_path / "two"
    repo2 = repository(two, {"package-lock.json": json.dumps(after, indent=2) + "\n"},
                       {"package-lock.json": json.dumps(after2, indent=2) + "\n"})
    got = placed(two, NPM, repo2)
    assert got[("package-lock.json", "jquery")][0] == "outside"
    assert got[("package-lock.json", "jquery")][1] in ("ignore", "pass")


def test_go_mod_a_new_requirement_is_in_the_change_other_modules_are_not(tmp_path: Path) -> None:
    require_shared()
    gomod = "module example.com/app\n\ngo 1.20\n\nrequire (\n\tgithub.com/docker/distribution v2.7.1+incompatible\n)\n"
    added = gomod.replace(")\n", "\tgolang.org/x/text v0.3.6\n)\n")
    sub = "module example.com/app/submod\n\ngo 1.20\n\nrequire github.com/docker/distribution v2.7.1+incompatible\n"
    repo = repository(tmp_path, {"go.mod": gomod, "submod/go.mod": sub, "submod2/go.mod": sub}, {"go.mod": added})
    got = placed(tmp_path, GOMOD, repo)
    assert {k: v[0] for k, v in got.items()} == {
        ("go.mod", "golang.org/x/text"): "in",
        ("go.mod", "github.com/docker/distribution"): "outside",
        ("submod/go.mod", "github.com/docker/distribution"): "outside",
        ("submod2/go.mod", "github.com/docker/distribution"): "outside",
    }


def test_pip_audit_findings_name_no_file_and_are_placed_by_any_changed_lockfile(tmp_path: Path) -> None:
    # pip-audit names packages, not files: an added line of any manifest or lockfile counts.
    lock = '[[package]]\nname = "django"\nversion = "2.2.1"\n\n[[package]]\nname = "pyyaml"\nversion = "5.3"\n'
    added = lock + '\n[[package]]\nname = "urllib3"\nversion = "1.24.1"\n'
    repo = repository(tmp_path, {"poetry.lock": lock}, {"poetry.lock": added})
    got = {k[1]: v[0] for k, v in placed(tmp_path, PIP_AUDIT, repo).items()}
    assert got["urllib3"] == "in"
    assert {got[n] for n in ("django", "pyyaml", "requests", "jinja2")} == {"outside"}


def _dockerfile(tmp_path: Path, before: str, after: str) -> Path:
    return repository(tmp_path, {"Dockerfile": before, "README.md": "x\n"}, {"Dockerfile": after} if after != before else {"README.md": "y\n"})


@pytest.mark.parametrize(
    ("after", "state"),
    [
        ("FROM alpine:3.10.2\nRUN apk add curl\n", "in"),  # the base image line changed
        ("FROM alpine:3.10\nRUN apk add curl wget\n", "in"),  # a layer changed, and the report does not say which built it
        ("FROM alpine:3.10\nRUN apk add curl\n", "outside"),  # no Dockerfile changed (README only)
    ],
    ids=["from-line", "run-line-without-layer-info", "no-dockerfile"],
)
def test_image_findings_follow_the_dockerfile(tmp_path: Path, after: str, state: str) -> None:
    require_shared()
    repo = _dockerfile(tmp_path, "FROM alpine:3.10\nRUN apk add curl\n", after)
    got = placed(tmp_path, ALPINE, repo)
    assert len(got) == 2 and {v[0] for v in got.values()} == {state}


def test_image_findings_by_the_layer_trivy_says_built_them(tmp_path: Path) -> None:
    require_shared()
    # NOTE: the golden report has Layer.Digest/DiffID only; Trivy adds Layer.CreatedBy (the
    # history entry) when the image config has one. An edited copy carries it.
    doc = json.loads(ALPINE.read_text())
    for v in doc["Results"][0]["Vulnerabilities"]:
        v["Layer"]["CreatedBy"] = "/bin/sh -c apk add --no-cache openssl" if v["PkgName"] == "libssl1.1" else "/bin/sh -c #(nop) ADD file:abc in / "
    report = tmp_path / "alpine-created-by.json"
    report.write_text(json.dumps(doc))
    before = "FROM alpine:3.10\nRUN apk add curl\n"
    repo = _dockerfile(tmp_path, before, before + "RUN apk add --no-cache openssl\n")
    got = {k[1]: v[0] for k, v in placed(tmp_path, report, repo).items()}
    assert got == {"libssl1.1": "in", "libcrypto1.1": "outside"}
    # Read with another report, the image report keeps no raw items (sources/files.py): the
    # layer is the finding's own (Location.layer), and places it the same.
    out = tmp_path / "both.json"
    r = run("check", report, ROOT / "fixtures" / "pipeline" / "hadolint.json", "--diff", tmp_path / "pr.diff", "--json", out, cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    both = {f["package"]["name"]: f["change"]["placed"] for f in json.loads(out.read_text())["findings"] if f["package"]}
    assert both == {"libssl1.1": "in", "libcrypto1.1": "outside"}


def test_grype_image_findings_name_paths_inside_the_image_and_follow_the_dockerfile(tmp_path: Path) -> None:
    require_shared()
    grype = CORPUS / "grype" / "dd_many_vulns_with_epss_values.json"  # an image scan: paths are the image's
    repo = _dockerfile(tmp_path, "FROM debian:11\nRUN true\n", "FROM debian:12\nRUN true\n")
    got = placed(tmp_path, grype, repo)
    assert got and {v[0] for v in got.values()} == {"in"}
    repo2 = _dockerfile(tmp_path / "two", "FROM debian:11\nRUN true\n", "FROM debian:11\nRUN true\n")
    got = placed(tmp_path / "two", grype, repo2)
    assert {v[0] for v in got.values()} == {"outside"}
