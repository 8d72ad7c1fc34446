"""The API server's watch cache (k8s.io/apiserver/pkg/storage/cacher).

The API server watches etcd from one revision onward and keeps every object decoded in
memory, plus a window of recent changes.  Lists are served from here, and every watch
(an informer's, a kubelet's) is fed from here — etcd sees one watch per API server, not
one per client.  A watch that asks for a resourceVersion older than the window gets
``410 Gone: too old resource version``, and the client must list again.
"""
from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Callable, Optional

from ..api.resources import RESOURCE_TYPES, ResourceType
from .registry import etcd_prefix

WINDOW = 5000   # changes kept for watchers that resume (watch cache capacity)


@dataclass
class Change:
    rv: int
    type: str               # ADDED | MODIFIED | DELETED
    rt: ResourceType
    obj: dict               # the new object (the last state for DELETED)
    old: Optional[dict]     # the previous object, None for ADDED


_PREFIXES = sorted(((etcd_prefix(rt), rt) for rt in RESOURCE_TYPES), key=lambda p: -len(p[0]))


def resource_of_key(key: str) -> Optional[ResourceType]:
    """Which resource an etcd key belongs to."""
    for prefix, rt in _PREFIXES:
        if key.startswith(prefix):
            return rt
    return None


def object_key(obj: dict) -> str:
    meta = obj["metadata"]
    ns = meta.get("namespace")
    return f"{ns}/{meta['name']}" if ns else meta["name"]


class WatchCache:
    """Decoded objects by resource, the current revision, and a window of changes."""

    def __init__(self) -> None:
        self.revision = 0
        self.objects: dict[str, dict[str, dict]] = {rt.plural: {} for rt in RESOURCE_TYPES}
        self.window: deque[Change] = deque(maxlen=WINDOW)
        self.listeners: list[Callable[[Change], None]] = []

    def oldest_resumable(self) -> int:
        """The oldest resourceVersion a watch may resume from."""
        return self.window[0].rv - 1 if self.window else self.revision

    def replace(self, kvs: list, revision: int) -> None:
        """Initial fill from an etcd range (the API server's first list)."""
        for bucket in self.objects.values():
            bucket.clear()
        self.window.clear()
        for kv in kvs:
            rt = resource_of_key(kv.key)
            if rt is not None:
                obj = decode(kv)
                self.objects[rt.plural][object_key(obj)] = obj
        self.revision = revision

    def apply(self, event) -> Optional[Change]:
        """Apply one etcd watch event; returns the change it made (None if ignored)."""
        rt = resource_of_key(event.kv.key)
        self.revision = max(self.revision, event.revision)
        if rt is None:
            return None
        bucket = self.objects[rt.plural]
        if event.type == "PUT":
            obj = decode(event.kv)
            key = object_key(obj)
            old = bucket.get(key)
            bucket[key] = obj
            change = Change(event.revision, "MODIFIED" if old else "ADDED", rt, obj, old)
        else:
            prev = decode(event.prev) if event.prev is not None else None
            if prev is None:
                return None
            key = object_key(prev)
            old = bucket.pop(key, prev)
            prev["metadata"]["resourceVersion"] = str(event.revision)
            change = Change(event.revision, "DELETED", rt, prev, old)
        self.window.append(change)
        for listener in list(self.listeners):
            listener(change)
        return change

    def since(self, rv: int) -> list[Change]:
        """Changes after ``rv`` (callers check :meth:`oldest_resumable` first)."""
        return [c for c in self.window if c.rv > rv]


def decode(kv) -> dict:
    """Decode a stored object and stamp its resourceVersion (= etcd mod_revision)."""
    obj = json.loads(kv.value)
    obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
    return obj
