"""NodeResourcesBalancedAllocation: prefer nodes whose CPU and memory stay in balance.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go
(tested against balanced_allocation_test.go).

Score = ``(1 − std) × 100`` where ``std`` is the standard deviation of the fractions
requested/allocatable of each resource *after* placing the Pod (each capped at 1); for
two resources ``std = |cpu − memory| / 2``.  It counts the real requests (not the
100m/200Mi defaults) and sits out (PreScore ``Skip``) for a Pod that requests nothing.
"""
from __future__ import annotations

from ..framework import SKIPPED, Plugin
from .resource_allocation import (DEFAULT_RESOURCES, allocatable_and_requested, balanced_score,
                                  pod_request_list)


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"
    node_local = True

    def __init__(self, resources=DEFAULT_RESOURCES):
        self.resources = tuple((r["name"], r.get("weight", 1)) if isinstance(r, dict) else tuple(r)
                               for r in resources)

    @classmethod
    def from_args(cls, args: dict) -> "NodeResourcesBalancedAllocation":
        return cls(args.get("resources") or DEFAULT_RESOURCES)

    def pre_score(self, state, pod, nodes):
        requests = pod_request_list(state.pod_info, self.resources, use_requested=True)
        if not any(requests):
            return SKIPPED        # a best-effort Pod: do not pile them onto one node (#129138)
        state.write("PreScoreNodeResourcesBalancedAllocation", requests)
        return None

    def score(self, state, pod, node_info):
        pod_requests = state.read("PreScoreNodeResourcesBalancedAllocation") or \
            pod_request_list(state.pod_info, self.resources, use_requested=True)
        requested, allocatable = [], []
        for (name, _), want in zip(self.resources, pod_requests):
            alloc, req = allocatable_and_requested(node_info, name, want, True)
            allocatable.append(alloc)
            requested.append(req if alloc else 0)
        return balanced_score(requested, allocatable)
