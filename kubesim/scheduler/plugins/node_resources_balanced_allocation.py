"""NodeResourcesBalancedAllocation: prefer nodes whose CPU and memory use stay in balance.

Score = ``(1 − std) × 100`` where ``std`` is the standard deviation of the requested
fractions of CPU and memory after placing the Pod (each fraction capped at 1); for two
resources ``std = |cpu − memory| / 2`` (plugins/noderesources/balanced_allocation.go).
"""
import math

from ..framework import MAX_NODE_SCORE, Plugin
from ..resources import allocatable, non_zero_requests


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def score(self, pod, node_info, nodes):
        want = non_zero_requests(pod)
        have = allocatable(node_info.node)
        fractions = []
        for res in ("cpu", "memory"):
            cap = have.get(res, 0)
            if cap == 0:
                continue
            used = node_info.non_zero_requested.get(res, 0) + want.get(res, 0)
            fractions.append(min(used / cap, 1.0))
        if len(fractions) == 2:
            std = abs(fractions[0] - fractions[1]) / 2
        elif len(fractions) > 2:
            mean = sum(fractions) / len(fractions)
            std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
        else:
            std = 0.0
        return int((1 - std) * MAX_NODE_SCORE)
