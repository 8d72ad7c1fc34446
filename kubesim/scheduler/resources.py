"""What a Pod requests and a node offers, as the scheduler counts them.

Parsing quantities is the scheduler's hottest path, so a running scheduler caches the
results per object version (uid + resourceVersion), the way kube-scheduler computes a
Pod's requests once in PreFilter and keeps allocatable in its NodeInfo cache.  The cache
belongs to one scheduler (see :func:`using_cache`): two clusters built from the same seed
have objects with equal uids and resourceVersions.
"""
from __future__ import annotations

from contextlib import contextmanager

from ..api.objects import node_allocatable, pod_requests
from ..api.quantity import cpu_millis, memory_bytes

# pkg/scheduler/util/pod_resources.go
DEFAULT_MILLI_CPU_REQUEST = 100              # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024   # 200 MiB

_CACHE_LIMIT = 50_000
_active_cache: dict | None = None


@contextmanager
def using_cache(cache: dict):
    """Within this block, cache computed requests/allocatable in ``cache``."""
    global _active_cache
    previous, _active_cache = _active_cache, cache
    try:
        yield
    finally:
        _active_cache = previous


def _cached(kind: str, obj: dict, compute):
    cache = _active_cache
    meta = obj.get("metadata") or {}
    uid, rv = meta.get("uid"), meta.get("resourceVersion")
    if cache is None or not uid or not rv:
        return compute(obj)
    key = (kind, uid, rv)
    value = cache.get(key)
    if value is None:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = compute(obj)
    return value


def _requests(pod: dict) -> dict:
    req = dict(pod_requests(pod))
    req["pods"] = 1
    return req


def _non_zero(pod: dict) -> dict:
    cpu = mem = 0
    for c in pod["spec"].get("containers", []):
        r = (c.get("resources") or {}).get("requests") or {}
        cpu += cpu_millis(r["cpu"]) if "cpu" in r else DEFAULT_MILLI_CPU_REQUEST
        mem += memory_bytes(r["memory"]) if "memory" in r else DEFAULT_MEMORY_REQUEST
    return {"cpu": cpu, "memory": mem}


def requests(pod: dict) -> dict:
    """Requests as the Filter sees them: ``{"cpu": millicores, "memory": bytes, "pods": 1}``."""
    return _cached("req", pod, _requests)


def non_zero_requests(pod: dict) -> dict:
    """Requests for scoring: a container without a CPU/memory request counts the defaults."""
    return _cached("nz", pod, _non_zero)


def allocatable(node: dict) -> dict:
    """The node's allocatable resources in scheduler units (millicores, bytes, pods)."""
    return _cached("alloc", node, node_allocatable)
