"""What a Pod requests and a node offers, as the scheduler counts them.

Parsing quantities is the scheduler's hottest path, so results are cached per object
version (uid + resourceVersion): kube-scheduler does the same by computing a Pod's
requests once in PreFilter and keeping allocatable in its NodeInfo cache.
"""
from __future__ import annotations

from ..api.objects import node_allocatable, pod_requests
from ..api.quantity import cpu_millis, memory_bytes

# pkg/scheduler/util/pod_resources.go
DEFAULT_MILLI_CPU_REQUEST = 100              # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024   # 200 MiB

_CACHE: dict = {}
_CACHE_LIMIT = 50_000


def _cached(kind: str, obj: dict, compute):
    meta = obj.get("metadata") or {}
    uid, rv = meta.get("uid"), meta.get("resourceVersion")
    if not uid or not rv:
        return compute(obj)
    key = (kind, uid, rv)
    value = _CACHE.get(key)
    if value is None:
        if len(_CACHE) > _CACHE_LIMIT:
            _CACHE.clear()
        value = _CACHE[key] = compute(obj)
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
