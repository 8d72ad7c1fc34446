"""What a Pod requests and a node offers, counted the way the scheduler counts.

* :func:`pod_requests` — k8s.io/component-helpers/resource PodRequests: the sum of the
  app containers (and sidecars), or the largest init container if bigger, plus
  ``spec.overhead``.  With ``non_missing`` a container that does not request CPU or memory
  counts 100m / 200Mi (pkg/scheduler/util/pod_resources.go): that is what *scoring* uses,
  so a Pod without requests still makes a node look fuller.  Filtering uses the real
  requests: **limits never matter for scheduling**.
* :func:`node_allocatable` — ``status.allocatable`` (what is left for Pods after the
  system reserve), in millicores and bytes.
"""
from __future__ import annotations

from ..api.objects import aggregate_containers, resource_list

# pkg/scheduler/util/pod_resources.go
DEFAULT_MILLI_CPU_REQUEST = 100              # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024   # 200 MiB
NON_MISSING = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}


def _container(c: dict, non_missing) -> dict:
    reqs = resource_list((c.get("resources") or {}).get("requests"))
    if non_missing:
        for name, value in non_missing.items():
            reqs.setdefault(name, value)
    return reqs


def pod_requests(pod: dict, non_missing: dict | None = None) -> dict[str, int]:
    """PodRequests: ``{"cpu": millicores, "memory": bytes, ...}`` (no ``pods`` entry)."""
    total = aggregate_containers(pod, lambda c: _container(c, non_missing))
    for name, value in resource_list((pod.get("spec") or {}).get("overhead")).items():
        total[name] = total.get(name, 0) + value
    return total


def node_allocatable(node: dict) -> dict[str, int]:
    """The node's allocatable resources: ``{"cpu": millicores, "memory": bytes, "pods": n, ...}``."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable")
    return resource_list(allocatable if allocatable is not None else status.get("capacity"))


__all__ = ["DEFAULT_MEMORY_REQUEST", "DEFAULT_MILLI_CPU_REQUEST", "node_allocatable",
           "pod_requests", "resource_list"]
