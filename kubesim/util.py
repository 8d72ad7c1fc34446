"""Small helpers shared by every module (no simulation logic here)."""
from __future__ import annotations

from typing import Any


def deep_copy(value: Any) -> Any:
    """Copy a JSON-shaped tree (dicts, lists, scalars) — much faster than ``copy.deepcopy``.

    Objects cross the simulated network and etcd by value, so no component can change
    another's copy by accident.
    """
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def get_path(obj: dict, path: str, default: Any = None) -> Any:
    """``get_path(pod, "spec.nodeName")`` — read a dotted path, ``default`` when absent."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur
