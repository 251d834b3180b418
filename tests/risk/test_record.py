"""``check --record`` keeps the digests of the KEV and EPSS data; ``replay`` reads the same
files again, says which changed, and refuses when one is gone."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from tests.risk.helpers import EPSS_CSV, KEV_SMALL, TRIVY_LOW
from tests.test_cli import run


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    kev, epss = tmp_path / "kev.json", tmp_path / "epss.csv"
    shutil.copy(KEV_SMALL, kev)
    shutil.copy(EPSS_CSV, epss)
    policy = tmp_path / "policy.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        warn_on_epss: 0.5
        data:
          epss: epss.csv
    """), encoding="utf-8")
    return kev, epss, policy


def test_a_record_names_the_data_and_replays_the_same(tmp_path: Path) -> None:
    kev, epss, policy = _setup(tmp_path)
    record = tmp_path / "record.json"
    r = run("check", "--policy", policy, "--kev", kev, "--record", record, TRIVY_LOW)
    assert r.returncode == 1, r.stderr
    doc = json.loads(record.read_text(encoding="utf-8"))
    assert [(d["kind"], d["path"]) for d in doc["data"]] == [("kev", str(kev)), ("epss", str(epss))]
    assert all(len(d["sha256"]) == 64 for d in doc["data"])
    r = run("replay", record)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SAME" in r.stdout or "same" in r.stdout


def test_replay_says_which_data_changed(tmp_path: Path) -> None:
    kev, epss, policy = _setup(tmp_path)
    record = tmp_path / "record.json"
    assert run("check", "--policy", policy, "--kev", kev, "--record", record, TRIVY_LOW).returncode == 1
    catalog = json.loads(kev.read_text(encoding="utf-8"))
    catalog["vulnerabilities"] = [v for v in catalog["vulnerabilities"] if v["cveID"] != "CVE-2020-15999"]
    catalog["count"] = len(catalog["vulnerabilities"])
    kev.write_text(json.dumps(catalog), encoding="utf-8")
    r = run("replay", record)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"KEV catalog {kev} changed (sha256 " in r.stdout
    assert "trivy CVE-2020-15999 app/libs/freetype-2.9.1-r2 teamdojo:latest: fail (kev) -> warn (warn_on_epss)" in r.stdout


def test_replay_refuses_without_the_data(tmp_path: Path) -> None:
    kev, epss, policy = _setup(tmp_path)
    record = tmp_path / "record.json"
    assert run("check", "--policy", policy, "--kev", kev, "--record", record, TRIVY_LOW).returncode == 1
    epss.unlink()
    r = run("replay", record)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"cannot replay: EPSS scores {epss} cannot be read" in r.stderr


def test_replay_ignores_the_environment(tmp_path: Path) -> None:
    # recorded without a catalog, replayed without one, whatever $GATEKEEPER_KEV says now
    record = tmp_path / "record.json"
    assert run("check", "--record", record, TRIVY_LOW).returncode == 0
    assert "data" not in json.loads(record.read_text(encoding="utf-8"))
    r = run("replay", record, env={"GATEKEEPER_KEV": str(KEV_SMALL)})
    assert r.returncode == 0, r.stdout + r.stderr
