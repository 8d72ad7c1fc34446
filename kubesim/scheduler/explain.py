"""``explain``: why a Pod would land where it lands — no simulation needed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from .cycle import Profile, default_profile, schedule_one
from .framework import NodeInfo


@dataclass
class Explanation:
    """The filter table, the per-plugin scores, the weighted totals and the winners."""

    feasible: list          # node names that pass every filter
    filtered: dict          # {node: "Plugin: reason"}
    scores: dict            # {node: {plugin: normalized score 0-100}}
    total: dict             # {node: weighted total}
    best: set               # nodes with the highest total

    def __repr__(self) -> str:
        lines = [f"feasible: {', '.join(self.feasible) or '(none)'}"]
        lines += [f"filtered: {n}: {r}" for n, r in self.filtered.items()]
        lines += [f"total: {n}: {t}" for n, t in sorted(self.total.items())]
        lines.append(f"best: {', '.join(sorted(self.best)) or '(none)'}")
        return "\n".join(lines)


def build_node_infos(nodes: Iterable[dict], pods: Iterable[dict] = ()) -> list[NodeInfo]:
    """NodeInfos for ``nodes`` holding the ``pods`` bound to them (``spec.nodeName``)."""
    infos = {n["metadata"]["name"]: NodeInfo(n) for n in nodes}
    for pod in pods:
        node = pod["spec"].get("nodeName")
        if node in infos and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            infos[node].add_pod(pod)
    return list(infos.values())


def explain(pod: dict, nodes: Iterable[dict], pods: Iterable[dict] = (),
            config: Optional[Profile] = None) -> Explanation:
    """Run one scheduling cycle for ``pod`` over every node and report each step."""
    profile = config or default_profile()
    infos = build_node_infos(nodes, pods)
    result = schedule_one(pod, infos, profile, evaluate_all=True)
    filtered = {n: f"{v.plugin}: {', '.join(v.reasons)}" for n, v in result.filtered.items()}
    return Explanation(result.feasible, filtered, result.scores, result.total, result.best)
