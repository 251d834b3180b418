"""The layer order of the packages, written once, and held against every import.

Data flows one way (ARCHITECTURE.md): sources read, adapters turn documents into findings, the
policy decides a verdict, reporters turn it into text, the CLI writes and exits. A module may
import only from its own layer's package or from a lower layer; no two modules may import each
other, even indirectly. Every import counts: those at the top of a module and those inside a
function (deferred for start-up time) alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gatekeeper"

# Lowest first. A module belongs to the longest prefix listed; the entries of one line are
# one layer (they may import each other's lower layers, never a higher one).
LAYERS: list[tuple[str, ...]] = [
    ("gatekeeper", "gatekeeper.speed", "gatekeeper.paths"),  # the version; the speed devices that are not I/O; repository paths
    ("gatekeeper.model",),
    ("gatekeeper.adapters", "gatekeeper.risk"),  # documents -> findings; KEV/EPSS data -> lookup tables
    ("gatekeeper.sources", "gatekeeper.scanners", "gatekeeper.vex"),  # vex: VEX documents read and indexed
    ("gatekeeper.verdict",),
    ("gatekeeper.integrity", "gatekeeper.baseline", "gatekeeper.signing", "gatekeeper.change"),  # change: a diff and what lies in it
    ("gatekeeper.policy",),  # loading, evaluation, correlation, the policy diff
    ("gatekeeper.approval", "gatekeeper.export"),
    ("gatekeeper.gate",),  # the one pipeline: request -> verdict
    ("gatekeeper.record", "gatekeeper.attestation"),
    ("gatekeeper.reporters",),  # verdict -> text, pure
    ("gatekeeper.output", "gatekeeper.github", "gatekeeper.pr_comment"),  # the only writers
    ("gatekeeper.cli_options", "gatekeeper.cli", "gatekeeper.cli_beyond", "gatekeeper.cli_attest", "gatekeeper.cli_data", "gatekeeper.__main__"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every gatekeeper module ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from gatekeeper.policy import evaluate` imports a module when one is named so.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        found.update(t for t in targets if t == "gatekeeper" or t.startswith("gatekeeper."))
    found.discard(name)
    return found


def layer_of(module: str) -> int:
    best, length = None, -1
    for i, names in enumerate(LAYERS):
        for prefix in names:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = i, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}"
    return best


def unit_of(module: str) -> str:
    """The layer entry a module belongs to (its package, or the module itself)."""
    return max((p for names in LAYERS for p in names if module == p or module.startswith(p + ".")), key=len)


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_no_import_points_up() -> None:
    upward = []
    for name, targets in graph().items():
        for target in targets:
            if unit_of(target) != unit_of(name) and layer_of(target) > layer_of(name):
                upward.append(f"{name} imports {target} (layer {layer_of(name)} -> {layer_of(target)})")
    assert not upward, "imports against the layer order:\n" + "\n".join(sorted(upward))


def test_no_import_cycle_between_units() -> None:
    # Units: the entries of LAYERS (a package or a module). Within a package, its modules
    # may import its __init__'s names; between units, imports form no cycle.
    edges: dict[str, set[str]] = {}
    for name, targets in graph().items():
        for target in targets:
            if unit_of(target) != unit_of(name):
                edges.setdefault(unit_of(name), set()).add(unit_of(target))
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycles.append(" -> ".join([*path[path.index(nxt):], nxt]))
            elif len(path) < len(edges) + 1:
                visit(nxt, [*path, nxt])

    for start in sorted(edges):
        visit(start, [start])
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_no_module_imports_the_cli() -> None:
    cli = {"gatekeeper.cli", "gatekeeper.cli_beyond"}
    offenders = sorted(name for name, targets in graph().items() if targets & cli and name not in cli | {"gatekeeper.__main__"})
    assert not offenders
    # Nor does the CLI's second module import the first (cli imports it lazily, by name).
    assert "gatekeeper.cli" not in graph()["gatekeeper.cli_beyond"]


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    probe = tmp_path / "gatekeeper" / "policy" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    from gatekeeper.reporters import escape\n    from ..cli import main\n    from . import evaluate\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = imports("gatekeeper.policy.probe", probe, {"gatekeeper.reporters.escape", "gatekeeper.policy.evaluate"})
    finally:
        ROOT = saved
    assert found == {"gatekeeper.reporters.escape", "gatekeeper.cli", "gatekeeper.policy.evaluate"}
