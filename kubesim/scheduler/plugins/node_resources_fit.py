"""NodeResourcesFit: does the Pod's *request* fit what is left on the node?

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/noderesources/fit.go
(``fitsRequest``) and the scorers in resource_allocation.py (tested against fit_test.go,
least_allocated_test.go, most_allocated_test.go, requested_to_capacity_ratio_test.go).

* **Filter** — ``Too many pods`` when the node already runs ``allocatable.pods`` Pods;
  then for CPU, memory, ephemeral storage and every extended resource (GPUs …):
  ``request > allocatable - already requested`` gives ``Insufficient <resource>``.  Only
  *requests* count: a container's limits never matter for scheduling.
* **Score** — the scoring strategy (``LeastAllocated`` by default: the emptier node wins;
  ``MostAllocated``: the fuller node wins, i.e. bin packing; ``RequestedToCapacityRatio``:
  a custom utilization→score shape), over ``resources`` (default cpu and memory, weight 1).
"""
from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, POD_DELETE, Plugin, unschedulable
from .resource_allocation import (DEFAULT_RESOURCES, allocatable_and_requested,
                                  least_requested_score, most_requested_score,
                                  pod_request_list, requested_to_capacity_ratio, weighted)

STRATEGIES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")


def is_extended(name: str) -> bool:
    """v1helper.IsExtendedResourceName: has a domain that is not kubernetes.io."""
    return "/" in name and not name.startswith("requests.") and "kubernetes.io/" not in name


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_DELETE})

    def __init__(self, strategy: str = "LeastAllocated", resources=DEFAULT_RESOURCES,
                 shape=None, ignored_resources=(), ignored_resource_groups=()):
        if strategy not in STRATEGIES:
            raise ValueError(f"scoring strategy {strategy} is not supported")
        self.strategy = strategy
        self.resources = tuple((r["name"], r.get("weight", 1)) if isinstance(r, dict) else tuple(r)
                               for r in resources)
        self.shape = shape or [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
        self.ignored = set(ignored_resources)
        self.ignored_groups = set(ignored_resource_groups)
        if strategy == "RequestedToCapacityRatio":
            self._rtcr = requested_to_capacity_ratio(self.shape)

    @classmethod
    def from_args(cls, args: dict) -> "NodeResourcesFit":
        """From NodeResourcesFitArgs (``scoringStrategy``, ``ignoredResources`` …)."""
        strategy = args.get("scoringStrategy") or {}
        return cls(strategy.get("type", "LeastAllocated"),
                   strategy.get("resources") or DEFAULT_RESOURCES,
                   (strategy.get("requestedToCapacityRatio") or {}).get("shape"),
                   args.get("ignoredResources") or (), args.get("ignoredResourceGroups") or ())

    # ------------------------------------------------------------------ Filter
    def filter(self, state, pod, node_info):
        want = state.pod_info.requests
        have, used = node_info.allocatable, node_info.requested
        reasons = []
        if len(node_info.pods) + 1 > have.allowed_pod_number:
            reasons.append("Too many pods")
        if want.milli_cpu > have.milli_cpu - used.milli_cpu and want.milli_cpu > 0:
            reasons.append("Insufficient cpu")
        if want.memory > have.memory - used.memory and want.memory > 0:
            reasons.append("Insufficient memory")
        if want.ephemeral_storage > 0 and \
                want.ephemeral_storage > have.ephemeral_storage - used.ephemeral_storage:
            reasons.append("Insufficient ephemeral-storage")
        for name in sorted(want.scalar):
            qty = want.scalar[name]
            if qty == 0 or (is_extended(name) and (name in self.ignored or
                                                   name.split("/")[0] in self.ignored_groups)):
                continue
            if qty > have.scalar.get(name, 0) - used.scalar.get(name, 0):
                reasons.append(f"Insufficient {name}")
        return unschedulable(*reasons) if reasons else None

    # ------------------------------------------------------------------ Score
    def pre_score(self, state, pod, nodes):
        state.write("PreScoreNodeResourcesFit",
                    pod_request_list(state.pod_info, self.resources, use_requested=False))

    def score(self, state, pod, node_info):
        pod_requests = state.read("PreScoreNodeResourcesFit") or \
            pod_request_list(state.pod_info, self.resources, use_requested=False)
        requested, allocatable = [], []
        for (name, _), want in zip(self.resources, pod_requests):
            alloc, req = allocatable_and_requested(node_info, name, want, False)
            allocatable.append(alloc)
            requested.append(req if alloc else 0)
        if self.strategy == "LeastAllocated":
            return weighted(least_requested_score, requested, allocatable, self.resources)
        if self.strategy == "MostAllocated":
            return weighted(most_requested_score, requested, allocatable, self.resources)
        return self._rtcr(requested, allocatable, self.resources)
