"""Run a composite action's ``run:`` steps from ``action.yml`` as a GitHub runner would.

Enough of the runner for our own action: each step's ``env:`` has its ``${{ }}``
expressions replaced (``inputs.*``, ``github.action_path``, ``runner.temp``,
``steps.<id>.outputs.*``; anything else is an error, so the action cannot come to rely on
something this test does not model), then the script runs as GitHub runs ``shell: bash``
(``bash --noprofile --norc -eo pipefail {0}``) in ``$GITHUB_WORKSPACE``, with a fresh
``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY`` per step. A failing step stops the action.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)


def load_action(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def parse_output_file(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` or ``name<<DELIM`` ... ``DELIM``."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            values[line[:eq]] = line[eq + 1 :]
            continue
        assert heredoc > 0, f"invalid GITHUB_OUTPUT line {line!r}"
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        body: list[str] = []
        while True:
            assert i < len(lines), f"GITHUB_OUTPUT: no closing delimiter for {name!r}"
            if lines[i] == delimiter:
                i += 1
                break
            body.append(lines[i])
            i += 1
        values[name] = "\n".join(body)
    return values


@dataclass
class Context:
    inputs: dict[str, str]
    action_path: str
    runner_temp: str
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    def evaluate(self, expression: str) -> str:
        if m := re.fullmatch(r"inputs\.([A-Za-z_][\w-]*)", expression):
            return self.inputs[m.group(1)]
        if expression == "github.action_path":
            return self.action_path
        if expression == "runner.temp":
            return self.runner_temp
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return self.steps.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"expression not modelled by this test runner: ${{{{ {expression} }}}}")

    def substitute(self, value: Any) -> str:
        return EXPRESSION.sub(lambda m: self.evaluate(m.group(1)), str(value))


@dataclass
class ActionRun:
    exit_code: int
    """The exit code of the last step run (the action's)."""
    outputs: dict[str, str]
    """The action's declared outputs, evaluated."""
    steps: dict[str, dict[str, str]]
    summary: str
    """Every step's summary, in order."""
    log: str
    """stdout and stderr of every step."""


def run_action(
    action_file: Path,
    inputs: dict[str, str],
    *,
    workspace: Path,
    runner_temp: Path,
    action_path: Path,
    env: dict[str, str] | None = None,
) -> ActionRun:
    action = load_action(action_file)
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs not declared by the action: {unknown}"
    missing = [k for k, v in declared.items() if v.get("required") and k not in inputs]
    assert not missing, f"required inputs not given: {missing}"
    values = {k: inputs.get(k, str(v.get("default", ""))) for k, v in declared.items()}
    ctx = Context(values, str(action_path), str(runner_temp))

    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(runner_temp)),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(action_path),
        **(env or {}),
    }
    code, summary, log = 0, [], []
    for n, step in enumerate(action["runs"]["steps"]):
        assert "if" not in step, "conditional steps are not modelled"
        assert step.get("shell") == "bash", "only shell: bash steps are modelled"
        script = runner_temp / f"step-{n}.sh"
        script.write_text(step["run"], encoding="utf-8")
        output_file, summary_file = runner_temp / f"output-{n}", runner_temp / f"summary-{n}"
        output_file.write_text("")
        summary_file.write_text("")
        step_env = {k: ctx.substitute(v) for k, v in (step.get("env") or {}).items()}
        full_env = {**base, **step_env, "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file)}
        r = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=step.get("working-directory", workspace),
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log.append(f"--- step {step.get('id', n)} (exit {r.returncode})\n{r.stdout}{r.stderr}")
        if "id" in step:
            ctx.steps[step["id"]] = parse_output_file(output_file.read_text(encoding="utf-8"))
        summary.append(summary_file.read_text(encoding="utf-8"))
        code = r.returncode
        if code != 0:
            break
    outputs = {k: ctx.substitute(v["value"]) for k, v in action.get("outputs", {}).items()}
    return ActionRun(code, outputs, ctx.steps, "".join(summary), "\n".join(log))
