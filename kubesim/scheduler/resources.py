"""What a Pod requests, as the scheduler counts it (k8s.io/component-helpers/resource)."""
from __future__ import annotations

from ..api.objects import node_allocatable, pod_requests

# pkg/scheduler/util/pod_resources.go
DEFAULT_MILLI_CPU_REQUEST = 100              # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024   # 200 MiB


def requests(pod: dict) -> dict:
    """Requests as the Filter sees them: ``{"cpu": millicores, "memory": bytes, "pods": 1}``."""
    req = dict(pod_requests(pod))
    req["pods"] = 1
    return req


def non_zero_requests(pod: dict) -> dict:
    """Requests for scoring: a container without a CPU/memory request counts the defaults."""
    from ..api.quantity import cpu_millis, memory_bytes
    cpu = mem = 0
    for c in pod["spec"].get("containers", []):
        r = (c.get("resources") or {}).get("requests") or {}
        cpu += cpu_millis(r["cpu"]) if "cpu" in r else DEFAULT_MILLI_CPU_REQUEST
        mem += memory_bytes(r["memory"]) if "memory" in r else DEFAULT_MEMORY_REQUEST
    return {"cpu": cpu, "memory": mem}


def allocatable(node: dict) -> dict:
    return node_allocatable(node)
