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

from ..api.objects import amount

# pkg/scheduler/util/pod_resources.go
DEFAULT_MILLI_CPU_REQUEST = 100              # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024   # 200 MiB
NON_MISSING = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}


_AMOUNTS: dict = {}


def resource_list(resources: dict | None) -> dict[str, int]:
    """A ResourceList (``{"cpu": "250m", "memory": "256Mi"}``) as ints (cpu in millicores).

    Parsing a quantity is exact but slow, and a cluster repeats the same few strings, so
    the results are memoized."""
    out = {}
    for name, value in (resources or {}).items():
        key = (name, value)
        try:
            out[name] = _AMOUNTS[key]
        except KeyError:
            if len(_AMOUNTS) > 100_000:
                _AMOUNTS.clear()
            out[name] = _AMOUNTS[key] = amount(name, value)
        except TypeError:          # an unhashable value: parse it (and let it fail) as is
            out[name] = amount(name, value)
    return out


def _add(into: dict, other: dict) -> None:
    for name, value in other.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict, other: dict) -> None:
    for name, value in other.items():
        if value > into.get(name, 0):
            into[name] = value


def _container(c: dict, non_missing) -> dict:
    reqs = resource_list((c.get("resources") or {}).get("requests"))
    if non_missing:
        for name, value in non_missing.items():
            reqs.setdefault(name, value)
    return reqs


def pod_requests(pod: dict, non_missing: dict | None = None) -> dict[str, int]:
    """PodRequests: ``{"cpu": millicores, "memory": bytes, ...}`` (no ``pods`` entry)."""
    spec = pod.get("spec") or {}
    total: dict = {}
    for c in spec.get("containers") or []:
        _add(total, _container(c, non_missing))
    sidecars: dict = {}
    init_max: dict = {}
    for c in spec.get("initContainers") or []:
        own = _container(c, non_missing)
        if c.get("restartPolicy") == "Always":      # a sidecar keeps running with the app
            _add(total, own)
            _add(sidecars, own)
            in_use = dict(sidecars)
        else:                                        # runs with the sidecars started before it
            in_use = dict(own)
            _add(in_use, sidecars)
        _max(init_max, in_use)
    _max(total, init_max)
    _add(total, resource_list(spec.get("overhead")))
    return total


def node_allocatable(node: dict) -> dict[str, int]:
    """The node's allocatable resources: ``{"cpu": millicores, "memory": bytes, "pods": n, ...}``."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable")
    return resource_list(allocatable if allocatable is not None else status.get("capacity"))


__all__ = ["DEFAULT_MEMORY_REQUEST", "DEFAULT_MILLI_CPU_REQUEST", "node_allocatable",
           "pod_requests", "resource_list"]
