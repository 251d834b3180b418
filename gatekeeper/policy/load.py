"""Load a policy: safe YAML with positions, JSON Schema and semantic checks, ``extends`` and
environments, into one frozen ``Policy``.

Every error names ``file:line:column``, the key path and what was expected, all at once.
Unknown keys are errors: a misspelled ``fail_on`` must never be silently ignored.
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper.policy.errors import KEY, Mark, PolicyError, Problems
from gatekeeper.policy.model import Policy

if TYPE_CHECKING:
    from gatekeeper.policy.layers import Layer
    from gatekeeper.sources.remote import FetchOptions

__all__ = ["KEY", "Mark", "PolicyError", "load_policy", "parse_yaml", "policy_from_data", "schema", "validate"]

# NOTE: reading a policy file needs YAML, the JSON Schema and difflib (about 10 ms of imports);
# a gate with the built-in policy needs none of them, so they are imported on first use.
_LAZY = {
    "schema": "gatekeeper.policy.schema",
    "validate": "gatekeeper.policy.schema",
    "parse_yaml": "gatekeeper.policy.yamlfile",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(__import__(_LAZY[name], fromlist=[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_policy(merged: Layer, name: str, env: str | None = None) -> Policy:
    """The policy for ``env`` from the merged layers of a file and its bases."""
    from gatekeeper.policy.environments import apply_environment

    chosen, notices = apply_environment(merged, env)
    return Policy(
        name=name,
        **chosen.settings,
        rules=tuple(r for r in chosen.rules if r.enabled),
        severity_overrides=chosen.overrides,
        exceptions=chosen.exceptions,
        required=chosen.required,
        max_exception_days=dict(chosen.max_days),
        environment=env or None,
        environments=tuple(sorted(merged.environments)),
        notices=(*merged.notices, *notices),
        files=merged.files,
    )


def policy_from_data(data: dict[str, Any], name: str, env: str | None = None) -> Policy:
    """Build the policy from data already parsed (no ``extends``); raises on any problem."""
    from gatekeeper.policy.build import layer

    problems = Problems(name, {})
    built = layer(data, problems)
    problems.raise_if_any()
    return to_policy(built, name, env)


def load_layers(path: str | Path, remote: FetchOptions | None = None) -> Layer:
    """The file and every base it extends, merged (environments not yet applied); ``remote``:
    how bases named by URL are read (default: from the cache, else the server)."""
    from gatekeeper.policy.extends import load_chain
    from gatekeeper.policy.layers import merge

    layers = load_chain(Path(path), str(path), remote)
    return reduce(merge, layers)


def load_policy(path: str | Path, env: str | None = None, remote: FetchOptions | None = None) -> Policy:
    """Load and validate a policy file, for environment ``env`` when given."""
    return to_policy(load_layers(path, remote), str(path), env)


def resolve_policy(path: str | Path | None, env: str | None = None, remote: FetchOptions | None = None) -> Policy:
    """What ``check`` uses: the file when given, else the built-in default (for ``env``)."""
    if path:
        return load_policy(path, env, remote)
    if not env:
        # NOTE: the built-in default is ``Policy()`` (tests/test_startup.py checks it equals
        # the merged empty layer), so a small gate needs neither the policy builder nor layers.
        return Policy()
    from gatekeeper.policy.layers import Layer

    return to_policy(Layer(source="built-in default"), "built-in default", env)
