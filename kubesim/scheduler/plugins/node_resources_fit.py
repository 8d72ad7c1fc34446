"""NodeResourcesFit: does the Pod's request fit what is left of the node? (plugins/noderesources/fit.go)

Filter: for each resource, ``requested on node + pod request > allocatable`` rejects the
node with ``Insufficient <resource>`` (``Too many pods`` for the pod count).  Only
*requests* count — limits never matter for scheduling.

Score (strategy ``LeastAllocated``, the default): for CPU and memory,
``(allocatable − requested) × 100 / allocatable``, averaged with weight 1 each — the
emptiest node wins.  ``MostAllocated`` is the reverse (bin packing).
"""
from ..framework import MAX_NODE_SCORE, Plugin, Unschedulable
from ..resources import allocatable, non_zero_requests, requests


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"

    def __init__(self, strategy: str = "LeastAllocated", resources=(("cpu", 1), ("memory", 1))):
        self.strategy = strategy
        self.resources = tuple(resources)

    def filter(self, pod, node_info):
        want = requests(pod)
        have = allocatable(node_info.node)
        reasons = []
        if node_info.requested.get("pods", 0) + 1 > have.get("pods", 110):
            reasons.append("Too many pods")
        for res in ("cpu", "memory"):
            if want.get(res, 0) and node_info.requested.get(res, 0) + want[res] > have.get(res, 0):
                reasons.append(f"Insufficient {res}")
        for res, qty in want.items():
            if res in ("cpu", "memory", "pods") or not qty:
                continue
            if node_info.requested.get(res, 0) + qty > have.get(res, 0):
                reasons.append(f"Insufficient {res}")
        return Unschedulable(self.name, reasons) if reasons else None

    def score(self, pod, node_info, nodes):
        want = non_zero_requests(pod)
        have = allocatable(node_info.node)
        total = weights = 0
        for res, weight in self.resources:
            cap = have.get(res, 0)
            used = node_info.non_zero_requested.get(res, 0) + want.get(res, 0)
            if cap == 0:
                continue
            if self.strategy == "MostAllocated":
                score = min(used, cap) * MAX_NODE_SCORE // cap
            else:
                score = 0 if used > cap else (cap - used) * MAX_NODE_SCORE // cap
            total += score * weight
            weights += weight
        return total // weights if weights else 0
