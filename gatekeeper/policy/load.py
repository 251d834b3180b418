"""Load a policy file: safe YAML with line numbers, JSON Schema validation, all errors at once.

Every error names ``file:line:column``, the key path and what was expected, so a security
engineer can fix a policy without guessing. Unknown keys are errors: a misspelled
``fail_on`` must never be silently ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from gatekeeper.model import Severity
from gatekeeper.policy.model import Action, Policy


class PolicyError(Exception):
    """The policy file cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Mark:
    line: int
    column: int


KEY = object()
"""Marks the position of a mapping key (rather than its value) in the marks table."""

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


@cache
def schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package."""
    text = resources.files("gatekeeper.policy").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _construct(node: Any, path: tuple[Any, ...], marks: dict[tuple[Any, ...], Mark], source: str) -> Any:
    """Turn a composed YAML node into plain data, recording where each value starts."""
    import yaml

    marks[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _PLAIN_TAGS:
        m = node.start_mark
        # NOTE: only plain data: a tag such as !!python/object would construct objects.
        raise PolicyError(f"{source}:{m.line + 1}:{m.column + 1}: YAML tag {node.tag!r} is not allowed in a policy")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                m = key_node.start_mark
                raise PolicyError(f"{source}:{m.line + 1}:{m.column + 1}: keys must be plain strings")
            if key in out:
                m = key_node.start_mark
                raise PolicyError(f"{source}:{m.line + 1}:{m.column + 1}: duplicate key {key!r}")
            marks[(*path, key, KEY)] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, (*path, key), marks, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, (*path, i), marks, source) for i, v in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], Mark]]:
    """Parse YAML safely (no object construction) and keep each value's position."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark
        where = f"{source}:{m.line + 1}:{m.column + 1}" if m else source
        raise PolicyError(f"{where}: YAML syntax error: {e.problem}") from None
    except yaml.YAMLError as e:
        raise PolicyError(f"{source}: YAML error: {e}") from None
    if node is None:
        raise PolicyError(f"{source}: the policy file is empty")
    marks: dict[tuple[Any, ...], Mark] = {}
    return _construct(node, (), marks, source), marks


def _json_path(path: tuple[Any, ...]) -> str:
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def validate(data: Any, marks: dict[tuple[Any, ...], Mark], source: str) -> list[str]:
    """All schema errors, sorted by position, each ``file:line:col: $.path: message``."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema())
    found = []
    for error in validator.iter_errors(data):
        if error.context:
            error = best_match(error.context)
        path = tuple(error.absolute_path)
        extra: list[str] = []
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
        for key in extra or [None]:
            at = (*path, key) if key is not None else path
            lookup = (*at, KEY) if key is not None else at
            while lookup not in marks and lookup:
                lookup = lookup[:-1]
            m = marks.get(lookup, Mark(1, 1))
            if key is not None:
                allowed_list = ", ".join(sorted(error.schema.get("properties", {})))
                msg = f"unknown key {key!r} (allowed here: {allowed_list})"
            else:
                msg = error.message
            found.append((m.line, m.column, f"{source}:{m.line}:{m.column}: {_json_path(at)}: {msg}"))
    return [text for _, _, text in sorted(found)]


def policy_from_data(data: dict[str, Any], name: str) -> Policy:
    """Build the policy object from validated data."""
    defaults = Policy()
    return Policy(
        name=name,
        enforce=data.get("mode", "enforce") == "enforce",
        fail_on=Severity.parse(data["fail_on"]) if "fail_on" in data else defaults.fail_on,
        ignore_unfixed=data.get("ignore_unfixed", defaults.ignore_unfixed),
        secrets=Action(data["secrets"]) if "secrets" in data else defaults.secrets,
        unknown_severity=(
            Severity.parse(data["unknown_severity"]) if "unknown_severity" in data else defaults.unknown_severity
        ),
    )


def load_policy(path: str | Path) -> Policy:
    """Load and validate a policy file."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise PolicyError(f"{source}: cannot read policy: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError(f"{source}: not valid UTF-8 (byte {e.start})") from None
    data, marks = parse_yaml(text, source)
    errors = validate(data, marks, source)
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        raise PolicyError(f"{source}: invalid policy ({count}):\n" + "\n".join(f"  {e}" for e in errors))
    return policy_from_data(data, source)
