"""How NodeResourcesFit and NodeResourcesBalancedAllocation measure "how full" a node is.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/noderesources/
resource_allocation.go, least_allocated.go, most_allocated.go,
requested_to_capacity_ratio.go and helper/shape_score.go — integer arithmetic as in Go.

For each configured resource (default: cpu and memory, weight 1 each) a node has an
``allocatable`` amount and a ``requested`` amount *after* placing the Pod.  NodeResourcesFit
counts CPU/memory with the non-zero defaults (100m / 200Mi for a container without
requests); BalancedAllocation counts the real requests.  A scalar resource (a GPU) the Pod
does not request is left out.
"""
from __future__ import annotations

import math

from ..framework import MAX_NODE_SCORE

DEFAULT_RESOURCES = (("cpu", 1), ("memory", 1))
MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10    # config.MaxCustomPriorityScore (shape scores are 0-10)


def go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero; Python's // floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def pod_request_list(pod_info, resources, use_requested: bool) -> list:
    """calculatePodResourceRequestList: the Pod's request of each resource, in order."""
    out = []
    for name, _ in resources:
        if name == "cpu":
            out.append(pod_info.requests.milli_cpu if use_requested else pod_info.non_zero_cpu)
        elif name == "memory":
            out.append(pod_info.requests.memory if use_requested else pod_info.non_zero_memory)
        else:
            out.append(pod_info.requests.get(name))
    return out


def allocatable_and_requested(node_info, name: str, pod_request: int, use_requested: bool):
    """calculateResourceAllocatableRequest: (allocatable, requested incl. the Pod)."""
    if name == "cpu":
        used = node_info.requested if use_requested else node_info.non_zero_requested
        return node_info.allocatable.milli_cpu, used.milli_cpu + pod_request
    if name == "memory":
        used = node_info.requested if use_requested else node_info.non_zero_requested
        return node_info.allocatable.memory, used.memory + pod_request
    if pod_request == 0 and name != "ephemeral-storage":
        return 0, 0       # a scalar resource the Pod does not ask for is not scored
    if name == "ephemeral-storage":
        return node_info.allocatable.ephemeral_storage, node_info.requested.ephemeral_storage + pod_request
    if name in node_info.allocatable.scalar:
        return node_info.allocatable.scalar[name], node_info.requested.scalar.get(name, 0) + pod_request
    return 0, 0


def least_requested_score(requested: int, capacity: int) -> int:
    """The emptier the better: (capacity - requested) * 100 / capacity, 0 when over."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """The fuller the better (bin packing): requested * 100 / capacity, capped at 100."""
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def weighted(per_resource, requested: list, allocatable: list, resources) -> int:
    """leastResourceScorer / mostResourceScorer: weighted mean over scored resources."""
    total = weights = 0
    for i, (_, weight) in enumerate(resources):
        if allocatable[i] == 0:
            continue
        total += per_resource(requested[i], allocatable[i]) * weight
        weights += weight
    return total // weights if weights else 0


def broken_linear(shape: list):
    """helper.BuildBrokenLinearFunction over [(utilization 0-100, score 0-100)] points."""
    def f(p: int) -> int:
        for i, (u, s) in enumerate(shape):
            if p <= u:
                if i == 0:
                    return shape[0][1]
                u0, s0 = shape[i - 1]
                return s0 + go_div((s - s0) * (p - u0), u - u0)
        return shape[-1][1]
    return f


def requested_to_capacity_ratio(shape_points: list):
    """requestedToCapacityRatioScorer: score each resource's utilization on the shape
    (shape scores are 0-10, scaled to 0-100), then a weighted mean of positive scores."""
    shape = [(int(p["utilization"]), int(p["score"]) * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE))
             for p in shape_points]
    raw = broken_linear(shape)

    def scorer(requested: list, allocatable: list, resources) -> int:
        total = weights = 0
        for i, (_, weight) in enumerate(resources):
            cap = allocatable[i]
            if cap == 0:
                continue
            req = requested[i]
            s = raw(MAX_UTILIZATION) if req > cap else raw(req * MAX_UTILIZATION // cap)
            if s > 0:
                total += s * weight
                weights += weight
        return math.floor(total / weights + 0.5) if weights else 0   # math.Round
    return scorer


def balanced_score(requested: list, allocatable: list, resources=None) -> int:
    """balancedResourceScorer: (1 - standard deviation of the used fractions) * 100."""
    fractions = [min(requested[i] / allocatable[i], 1.0)
                 for i in range(len(requested)) if allocatable[i] != 0]
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    else:
        std = 0.0
    return int((1 - std) * MAX_NODE_SCORE)
