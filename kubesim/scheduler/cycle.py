"""One scheduling cycle as a pure function: filter, score, normalize, weigh, pick.

:func:`schedule_one` is what the running scheduler calls for every Pod and what
:func:`kubesim.scheduler.explain` calls to show its work — one code path.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

from .framework import NodeInfo, Plugin, Unschedulable
from .plugins import (NodeName, NodeResourcesBalancedAllocation, NodeResourcesFit,
                      NodeUnschedulable, TaintToleration)

MIN_FEASIBLE_NODES_TO_FIND = 100            # schedule_one.go: minFeasibleNodesToFind
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5   # schedule_one.go: minFeasibleNodesPercentageToFind


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: int = 0) -> int:
    """How many feasible nodes kube-scheduler looks for before it stops filtering.

    Adaptive when ``percentage_of_nodes_to_score`` is 0 (the default): 50 % minus 1 % per
    125 nodes, at least 5 %, and never fewer than 100 nodes.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        percentage = max(percentage, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    num = num_all_nodes * percentage // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass
class Profile:
    """Which plugins run and their Score weights (a KubeSchedulerConfiguration profile)."""

    plugins: list                      # [(plugin, weight)]
    percentage_of_nodes_to_score: int = 0
    scheduler_name: str = "default-scheduler"

    @property
    def filters(self) -> list[Plugin]:
        return [p for p, _ in self.plugins if p.has_filter]

    @property
    def scorers(self) -> list[tuple[Plugin, int]]:
        return [(p, w) for p, w in self.plugins if p.has_score]


def default_profile() -> Profile:
    """The default plugins kubesim implements, with kube-scheduler's default weights."""
    return Profile([(NodeUnschedulable(), 0), (NodeName(), 0), (TaintToleration(), 3),
                    (NodeResourcesFit(), 1), (NodeResourcesBalancedAllocation(), 1)])


@dataclass
class CycleResult:
    """What one cycle found out (the basis of :class:`~kubesim.scheduler.Explanation`)."""

    feasible: list = field(default_factory=list)
    filtered: dict = field(default_factory=dict)     # node -> Unschedulable
    scores: dict = field(default_factory=dict)       # node -> {plugin: normalized score}
    total: dict = field(default_factory=dict)        # node -> weighted sum
    selected: Optional[str] = None
    evaluated: int = 0

    @property
    def best(self) -> set:
        if not self.total:
            return set()
        top = max(self.total.values())
        return {n for n, s in self.total.items() if s == top}


def run_filters(profile: Profile, pod: dict, info: NodeInfo) -> Optional[Unschedulable]:
    for plugin in profile.filters:
        verdict = plugin.filter(pod, info)
        if verdict is not None:
            return verdict
    return None


def schedule_one(pod: dict, node_infos: list[NodeInfo], profile: Profile,
                 rng: Optional[random.Random] = None, start: int = 0,
                 evaluate_all: bool = False) -> CycleResult:
    """Filter (from node index ``start``, until enough feasible nodes), score, pick."""
    result = CycleResult()
    n = len(node_infos)
    want = n if evaluate_all else num_feasible_nodes_to_find(n, profile.percentage_of_nodes_to_score)
    feasible_infos = []
    for i in range(n):
        info = node_infos[(start + i) % n]
        result.evaluated += 1
        verdict = run_filters(profile, pod, info)
        if verdict is None:
            feasible_infos.append(info)
            if len(feasible_infos) >= want:
                break
        else:
            result.filtered[info.name] = verdict
    result.feasible = [i.name for i in feasible_infos]
    if not feasible_infos:
        return result
    if len(feasible_infos) == 1 and not evaluate_all:
        result.selected = feasible_infos[0].name   # schedule_one.go: no scoring needed
        result.total = {result.selected: 0}
        return result
    nodes = [i.node for i in feasible_infos]
    for name in result.feasible:
        result.scores[name] = {}
        result.total[name] = 0
    for plugin, weight in profile.scorers:
        raw = {info.name: plugin.score(pod, info, nodes) for info in feasible_infos}
        normalized = plugin.normalize(pod, raw)
        for name, score in normalized.items():
            result.scores[name][plugin.name] = score
            result.total[name] += score * weight
    # selectHost: reservoir sampling among the best, so ties break uniformly at random.
    rng = rng or random.Random(0)
    best, count = None, 0
    for name in result.feasible:
        if best is None or result.total[name] > result.total[best]:
            best, count = name, 1
        elif result.total[name] == result.total[best]:
            count += 1
            if rng.randrange(count) == 0:
                best = name
    result.selected = best
    return result


def failure_message(pod: dict, result: CycleResult, num_nodes: int, node_infos: dict) -> str:
    """FailedScheduling text exactly as kube-scheduler's FitError formats it."""
    histogram: dict[str, int] = {}
    for verdict in result.filtered.values():
        for reason in verdict.reasons:
            histogram[reason] = histogram.get(reason, 0) + 1
    parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
    msg = f"0/{num_nodes} nodes are available: " + ", ".join(parts) + "."
    return msg + " " + preemption_message(pod, result, num_nodes, node_infos)


def preemption_message(pod: dict, result: CycleResult, num_nodes: int, node_infos: dict) -> str:
    """DefaultPreemption's PostFilter verdict when no victims can make room."""
    if pod["spec"].get("preemptionPolicy") == "Never":
        return "preemption: not eligible due to preemptionPolicy=Never."
    priority = pod["spec"].get("priority", 0)
    histogram: dict[str, int] = {}
    for node, verdict in result.filtered.items():
        if not verdict.resolvable:
            reason = "Preemption is not helpful for scheduling"
        else:
            lower = [p for p in node_infos[node].pods if p["spec"].get("priority", 0) < priority]
            reason = ("No preemption victims found for incoming pod" if not lower
                      else "Insufficient resources after preemption")
        histogram[reason] = histogram.get(reason, 0) + 1
    parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
    return f"preemption: 0/{num_nodes} nodes are available: " + ", ".join(parts) + "."
