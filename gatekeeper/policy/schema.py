"""The policy JSON Schema (package data) and validation against it, every error at once.

Messages follow check-jsonschema: ``file:line:col: $.path: message``, sorted by position,
``best_match`` for alternatives, and for an unknown key the keys allowed there (with a
"did you mean" when one is close), because a misspelled ``fail_on`` must never pass.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

from gatekeeper.policy.errors import Marks, Problems, quoted


@cache
def schema() -> dict[str, Any]:
    """The policy JSON Schema shipped in the package."""
    text = resources.files("gatekeeper.policy").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def schema_text() -> str:
    """The schema as ``gatekeeper policy schema`` prints it."""
    return json.dumps(schema(), indent=2) + "\n"


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _message(error: Any) -> str:
    """jsonschema's message with the value it quotes (``repr`` of any size) ``quoted``."""
    message: str = error.message
    shown = repr(error.instance)
    if shown in message:
        return message.replace(shown, quoted(error.instance))
    return message if len(message) <= 300 else message[:299] + "…"


def check_schema(data: Any, problems: Problems) -> None:
    """Add every schema error in ``data`` to ``problems``."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema())
    for error in validator.iter_errors(data):
        if error.context:
            error = best_match(error.context)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            for key in sorted(k for k in error.instance if k not in allowed):
                hint = _suggest(key, allowed)
                problems.add((*path, key), f"unknown key {quoted(key)} ({hint}allowed here: {', '.join(allowed)})", key=True)
        elif error.validator == "enum" and isinstance(error.instance, str):
            options = [str(o) for o in error.validator_value]
            hint = _suggest(error.instance, options)
            problems.add(path, f"{quoted(error.instance)} is not one of {options}" + (f" ({hint.strip()})" if hint else ""))
        elif "propertyNames" in error.schema_path:
            problems.add((*path, error.instance), f"{quoted(error.instance)} is not a valid name (letters, digits, _ . -)", key=True)
        elif error.validator == "pattern" and error.schema.get("format") == "date":
            problems.add(path, f"{quoted(error.instance)} is not a date (expected YYYY-MM-DD)")
        elif error.validator == "pattern" and path and path[-1] == "id":
            problems.add(path, f"{quoted(error.instance)} is not a valid id (letters, digits and _ . : / -, no spaces)")
        elif error.validator == "dependentRequired":
            problems.add(path, f"{error.message} (a version selects nothing without a package name)")
        else:
            problems.add(path, _message(error))


def validate(data: Any, marks: Marks, source: str) -> list[str]:
    """All schema errors, sorted by position, each ``file:line:col: $.path: message``."""
    problems = Problems(source, marks)
    check_schema(data, problems)
    return problems.messages()
