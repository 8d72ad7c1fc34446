"""Which Pods a ReplicaSet deletes first when it scales down (pkg/controller/controller_utils.go).

Pure functions, no clock: ``now`` is passed in.  The order is ``ActivePodsWithRanks.Less``
in Kubernetes v1.33 with its default feature gates (PodDeletionCost and
LogarithmicScaleDown both on):

1. unscheduled before scheduled;
2. phase Pending before Unknown before Running;
3. not Ready before Ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost`` before higher;
5. "doubled up" first: more related Pods on the same node before fewer (the *rank*);
6. both Ready: Ready for a shorter time first, compared in powers of two of the age
   (log2 of nanoseconds), ties inside one power broken by uid;
7. more container restarts first;
8. newer before older, again in powers of two, ties broken by uid.

The ReplicaSet controller ranks the Pods it may delete by how many active Pods of *related*
ReplicaSets (those with the same controller, i.e. all of one Deployment's ReplicaSets) run
on the same node (replica_set.go getPodsRankedByRelatedPodsOnSameNode), so a scale-down
spreads the survivors over nodes.
"""
from __future__ import annotations

import functools
import math

from ..api import clock
from ..api.podutil import is_pod_active, is_pod_ready, pod_condition

POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}   # podPhaseToOrdinal


def deletion_cost(pod: dict) -> int:
    """The Pod's deletion cost annotation as an int32; absent or invalid counts as 0
    (helper.GetDeletionCostFromPodAnnotations; the API server rejects invalid values)."""
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(POD_DELETION_COST)
    if value is None:
        return 0
    try:
        cost = int(str(value).strip())
    except ValueError:
        return 0
    return cost if -2**31 <= cost < 2**31 else 0


def _ready_time(pod: dict) -> float | None:
    cond = pod_condition(pod, "Ready")
    if cond and cond.get("status") == "True" and cond.get("lastTransitionTime"):
        return clock.seconds(cond["lastTransitionTime"])
    return None


def _creation_time(pod: dict) -> float | None:
    ts = pod["metadata"].get("creationTimestamp")
    return clock.seconds(ts) if ts else None


def _log2_age(t: float, now: float) -> int:
    """int64(math.Log2(float64(now - t))) on nanoseconds; -1 for no age."""
    age_ns = (now - t) * 1e9
    return int(math.log2(age_ns)) if age_ns > 0 else -1


def _newer_first(t1: float | None, t2: float | None, uid1: str, uid2: str, now: float | None):
    """True/False when the times order the Pods, None when they tie (afterOrZero and
    logarithmicRankDiff)."""
    if t1 == t2:
        return None
    if now is None or t1 is None or t2 is None:
        # afterOrZero: a zero time sorts first, then the later time.
        if t1 is None or t2 is None:
            return t1 is None
        return t1 > t2
    diff = _log2_age(t1, now) - _log2_age(t2, now)
    if diff == 0:
        return uid1 < uid2
    return diff < 0


def _max_restarts(pod: dict) -> int:
    return max((cs.get("restartCount", 0)
                for cs in (pod.get("status") or {}).get("containerStatuses") or []), default=0)


def active_pods_less(a: dict, b: dict, rank_a: int, rank_b: int, now: float | None) -> bool:
    """``ActivePodsWithRanks.Less``: should Pod ``a`` be deleted before Pod ``b``?"""
    node_a, node_b = a["spec"].get("nodeName", ""), b["spec"].get("nodeName", "")
    if node_a != node_b and (not node_a or not node_b):
        return not node_a                                            # 1
    sa, sb = a.get("status") or {}, b.get("status") or {}
    pa, pb = _PHASE_ORDINAL.get(sa.get("phase"), 0), _PHASE_ORDINAL.get(sb.get("phase"), 0)
    if pa != pb:
        return pa < pb                                               # 2
    ready_a, ready_b = is_pod_ready(a), is_pod_ready(b)
    if ready_a != ready_b:
        return not ready_a                                           # 3
    cost_a, cost_b = deletion_cost(a), deletion_cost(b)
    if cost_a != cost_b:
        return cost_a < cost_b                                       # 4
    if rank_a != rank_b:
        return rank_a > rank_b                                       # 5
    uid_a, uid_b = a["metadata"].get("uid", ""), b["metadata"].get("uid", "")
    if ready_a and ready_b:
        verdict = _newer_first(_ready_time(a), _ready_time(b), uid_a, uid_b, now)
        if verdict is not None:
            return verdict                                           # 6
    restarts_a, restarts_b = _max_restarts(a), _max_restarts(b)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b                               # 7
    verdict = _newer_first(_creation_time(a), _creation_time(b), uid_a, uid_b, now)
    return bool(verdict)                                             # 8


def ranks_by_related_pods_on_same_node(pods: list[dict], related: list[dict]) -> list[int]:
    """How many active related Pods share each Pod's node (getPodsRankedByRelatedPodsOnSameNode)."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = pod["spec"].get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    return [on_node.get(pod["spec"].get("nodeName", ""), 0) for pod in pods]


def pods_to_delete(pods: list[dict], related: list[dict], count: int, now: float) -> list[dict]:
    """The ``count`` Pods a ReplicaSet deletes first (replica_set.go getPodsToDelete)."""
    if count >= len(pods):
        return list(pods)
    ranks = ranks_by_related_pods_on_same_node(pods, related)
    ranked = list(zip(pods, ranks))

    def compare(x, y) -> int:
        if active_pods_less(x[0], y[0], x[1], y[1], now):
            return -1
        if active_pods_less(y[0], x[0], y[1], x[1], now):
            return 1
        return 0

    return [pod for pod, _ in sorted(ranked, key=functools.cmp_to_key(compare))[:count]]
