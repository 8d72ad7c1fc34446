"""DefaultPreemption: when no node fits, evict lower-priority Pods to make room.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/defaultpreemption/
default_preemption.go and framework/preemption/preemption.go (tested against
default_preemption_test.go).  It is a **PostFilter** plugin: it runs only after every
node failed Filter.

1. Is the Pod allowed to preempt?  Not with ``preemptionPolicy: Never``, nor while a
   lower-priority Pod it already preempted is still terminating on its nominated node.
2. Which nodes could help?  Only those rejected as plain ``Unschedulable`` (a taint or a
   node selector cannot be fixed by evicting Pods).
3. On each, starting at a random one, *dry-run*: remove every lower-priority Pod; if the
   Pod still does not fit, the node is no candidate.  Otherwise put the victims back one
   by one, most important first, keeping every one that can stay — the rest are victims.
4. Pick one candidate: the lowest highest-victim priority, then the smallest sum of
   priorities, then the fewest victims, then the latest-started victims.

The scheduler then deletes the victims and records the node in the Pod's
``status.nominatedNodeName``; the Pod is scheduled in a later cycle, once they are gone.
"""
from __future__ import annotations

from ..framework import SUCCESS, UNRESOLVABLE, UNSCHEDULABLE, Plugin, Status

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
MAX_INT32 = 2**31 - 1


class PostFilterResult:
    """What PostFilter decided: the node to nominate ("" clears it) and the victims."""

    def __init__(self, nominated_node: str = "", victims=()):
        self.nominated_node = nominated_node
        self.victims = list(victims)

    def __repr__(self) -> str:
        return f"PostFilterResult({self.nominated_node!r}, victims={[v.key for v in self.victims]})"


def start_time(pod_info) -> str:
    """util.GetPodStartTime (a Pod not started yet counts as starting now: latest)."""
    return (pod_info.pod.get("status") or {}).get("startTime") or "9999-12-31T23:59:59Z"


def more_important_first(pod_info):
    """Sort key for util.MoreImportantPod: higher priority, then earlier start."""
    return (-pod_info.priority, start_time(pod_info))


def terminating_by_preemption(pod_info) -> bool:
    """Being deleted, with the DisruptionTarget condition the scheduler sets."""
    if not pod_info.terminating:
        return False
    return any(c.get("type") == "DisruptionTarget" and c.get("reason") == "PreemptionByScheduler"
               for c in (pod_info.pod.get("status") or {}).get("conditions") or [])


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def __init__(self, min_candidate_nodes_percentage: int = 10,
                 min_candidate_nodes_absolute: int = 100):
        self.min_percentage = min_candidate_nodes_percentage
        self.min_absolute = min_candidate_nodes_absolute

    @classmethod
    def from_args(cls, args: dict) -> "DefaultPreemption":
        return cls(args.get("minCandidateNodesPercentage", 10),
                   args.get("minCandidateNodesAbsolute", 100))

    def num_candidates(self, num_nodes: int) -> int:
        """calculateNumCandidates: at least 10 % (and at least 100) of the nodes."""
        return min(max(num_nodes * self.min_percentage // 100, self.min_absolute), num_nodes)

    def post_filter(self, state, pod, statuses, cycle):
        """Returns ``(PostFilterResult or None, Status)``; messages start with "preemption: "."""
        outcome, status = self.preempt(state, pod, cycle)
        if status.message:
            status = Status(status.code, "preemption: " + status.message)
        return outcome, status

    def preempt(self, state, pod, cycle):
        """Evaluator.Preempt — see the module docstring."""
        me = state.pod_info
        if pod["spec"].get("preemptionPolicy") == "Never":
            return None, Status(UNSCHEDULABLE, "not eligible due to preemptionPolicy=Never.")
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated and cycle.status_of(nominated).code != UNRESOLVABLE:
            info = state.snapshot.get(nominated)
            if info is not None and any(p.priority < me.priority and terminating_by_preemption(p)
                                        for p in info.pods):
                return None, Status(UNSCHEDULABLE,
                                    "not eligible due to a terminating pod on the nominated node.")
        potential = [n for n in state.snapshot.node_infos if cycle.status_of(n.name).code == UNSCHEDULABLE]
        node_statuses: dict = {}
        candidates = []
        if potential:
            offset = cycle.rng.randrange(len(potential))
            wanted = self.num_candidates(len(potential))
            for i in range(len(potential)):
                info = potential[(offset + i) % len(potential)].clone()
                victims, status = self.select_victims_on_node(state.clone(), pod, info, cycle)
                if status is None and victims:
                    candidates.append((info.name, victims))
                    if len(candidates) >= wanted:
                        break
                else:
                    node_statuses[info.name] = status
        if not candidates:
            message = cycle.fit_error_message(node_statuses, Status(UNRESOLVABLE, NOT_HELPFUL))
            return PostFilterResult(""), Status(UNSCHEDULABLE, message)
        node, victims = pick_one_node(candidates)
        return PostFilterResult(node, victims), Status(SUCCESS)

    def select_victims_on_node(self, state, pod, info, cycle):
        """SelectVictimsOnNode on copies of the state and the NodeInfo."""
        me = state.pod_info
        potential = [p for p in info.pods if p.priority < me.priority]
        for p in potential:
            info.remove_pod(p)
            cycle.remove_pod(state, pod, p, info)
        if not potential:
            return None, Status(UNRESOLVABLE, NO_VICTIMS)
        status = cycle.filter_with_nominated_pods(state, pod, info)
        if status is not None:
            return None, status
        victims = []
        for p in sorted(potential, key=more_important_first):   # reprieve the important first
            info.add_pod(p)
            cycle.add_pod(state, pod, p, info)
            if cycle.filter_with_nominated_pods(state, pod, info) is not None:
                info.remove_pod(p)
                cycle.remove_pod(state, pod, p, info)
                victims.append(p)
        return victims, None


def pick_one_node(candidates: list):
    """pickOneNodeForPreemption over [(node, victims sorted most important first)]."""
    rules = (
        lambda v: -v[0].priority,                                          # lowest top victim
        lambda v: -sum(p.priority + MAX_INT32 + 1 for p in v),             # smallest sum
        lambda v: -len(v),                                                 # fewest victims
        lambda v: min(start_time(p) for p in v if p.priority == v[0].priority),   # latest start
    )
    for rule in rules:
        best = max(rule(v) for _, v in candidates)
        candidates = [(n, v) for n, v in candidates if rule(v) == best]
        if len(candidates) == 1:
            break
    return candidates[0]
