"""Safe YAML for policies: plain data only, positions kept, and bounded.

``yaml.compose`` builds a node graph in which an alias is a shared node, so an alias bomb
("billion laughs") costs nothing until it is expanded; we expand it ourselves, counting
values, and refuse a policy that expands beyond ``MAX_NODES`` or nests beyond ``MAX_DEPTH``
(which also stops a recursive alias).
"""

from __future__ import annotations

from typing import Any

from gatekeeper.policy.errors import KEY, Mark, Marks, PolicyError, quoted

MAX_NODES = 100_000
MAX_DEPTH = 64
MAX_BYTES = 2_000_000

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Builder:
    def __init__(self, source: str) -> None:
        import yaml

        self.yaml = yaml
        self.source = source
        self.marks: Marks = {}
        self.count = 0
        self.loader = yaml.SafeLoader("")

    def fail(self, node: Any, message: str) -> PolicyError:
        m = node.start_mark
        return PolicyError(f"{self.source}:{m.line + 1}:{m.column + 1}: {message}")

    def build(self, node: Any, path: tuple[Any, ...], depth: int = 0) -> Any:
        yaml = self.yaml
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"the policy expands to more than {MAX_NODES} values (YAML aliases?); refused")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the policy nests deeper than {MAX_DEPTH} levels (a recursive YAML alias?); refused")
        self.marks[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            # NOTE: only plain data: a tag such as !!python/object would construct objects.
            raise self.fail(node, f"YAML tag {quoted(node.tag, 100)} is not allowed in a policy")
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                    raise self.fail(key_node, "keys must be plain strings")
                if key in out:
                    raise self.fail(key_node, f"duplicate key {quoted(key)}")
                self.marks[(*path, key, KEY)] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i), depth + 1) for i, v in enumerate(node.value)]
        if node.tag == _TIMESTAMP:
            # Dates stay text: the schema checks their form, ``build`` their calendar validity.
            return str(node.value)
        return self.loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: str) -> tuple[Any, Marks]:
    """Parse YAML safely (no object construction) and keep each value's position."""
    import yaml

    if len(text) > MAX_BYTES:
        raise PolicyError(f"{source}: the policy is larger than {MAX_BYTES} bytes; refused")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        # NOTE: PyYAML's composer recurses once per nesting level ("[" * 5000).
        raise PolicyError(f"{source}: the policy nests deeper than Python can parse; refused") from None
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark
        where = f"{source}:{m.line + 1}:{m.column + 1}" if m else source
        raise PolicyError(f"{where}: YAML syntax error: {e.problem}") from None
    except yaml.YAMLError as e:
        raise PolicyError(f"{source}: YAML error: {e}") from None
    if node is None:
        raise PolicyError(f"{source}: the policy file is empty")
    builder = _Builder(source)
    return builder.build(node, ()), builder.marks
