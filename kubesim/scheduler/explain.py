"""``explain``: why a Pod would land where it lands — no simulation needed.

    >>> from kubesim.scheduler import explain
    >>> x = explain(pod, nodes, pods=running_pods)
    >>> x.feasible, x.filtered, x.scores, x.total, x.best
    >>> print(x.table())

It runs :func:`~kubesim.scheduler.cycle.schedule_one` — the very cycle the running
scheduler runs — on every node (no early stop), and keeps everything it saw.
"""
from __future__ import annotations

import random
from typing import Iterable

from .cycle import CycleResult, schedule_one
from .nodeinfo import PodInfo
from .profile import Profile, as_profiles
from .snapshot import Snapshot


class Explanation:
    """The filter table, the per-plugin scores, the weighted totals and the winners.

    * ``feasible`` — node names that pass every filter;
    * ``filtered`` — ``{node: "Plugin: reason"}`` for the nodes filtered out;
    * ``scores`` — ``{node: {plugin: normalized score 0-100}}``; ``raw_scores`` —
      ``{plugin: {node: score before NormalizeScore}}``; ``weights`` — ``{plugin: weight}``;
    * ``total`` — ``{node: Σ weight × score}``; ``best`` — the nodes with the top total;
      ``selected`` — the one the (seeded) tie-break picked;
    * ``message`` — the FailedScheduling text when nothing fits; ``preemption`` — the
      node preemption would nominate and its ``victims`` (Pod keys), if any;
    * ``skipped`` — plugins that sat this Pod out (PreFilter/PreScore said Skip);
    * ``filter_plugins`` / ``score_plugins`` — the profile's filters in order, scorers and
      weights (for the figures in :mod:`kubesim.scheduler.viz`).
    """

    def __init__(self, result: CycleResult, node_order: list, profile: Profile = None):
        self.result = result
        self.pod = result.pod_info.pod
        #: filter plugins in the order they run, and score plugins with their weights
        self.filter_plugins = [p.name for p in profile.filter_plugins] if profile else []
        self.score_plugins = {p.name: w for p, w in profile.score_plugins} if profile else {}
        self.nodes = node_order
        self.feasible = [n for n in node_order if n in set(result.feasible)]
        self.statuses = result.statuses
        self.filtered = {n: f"{result.statuses[n].plugin}: {result.statuses[n].message}"
                         for n in node_order if n in result.statuses}
        self.scores = result.scores
        self.raw_scores = result.raw_scores
        self.weights = result.weights
        self.total = result.total
        self.best = result.best
        self.selected = result.selected
        self.message = result.message
        post = result.post_filter
        self.preemption = None
        if post is not None and post.nominated_node:
            self.preemption = {"node": post.nominated_node, "victims": [v.key for v in post.victims]}
        self.skipped = {"filter": list(result.skipped_filter), "score": list(result.skipped_score)}

    def verdicts(self) -> dict:
        """``{node: {filter plugin: "✓" | "✗ reason" | "skip" | ""}}``: what each filter said.

        Filters run in order and stop at the first rejection, so the plugins after it say
        nothing ("") for that node; "skip" marks a plugin whose PreFilter sat this Pod out."""
        out = {}
        skipped = set(self.skipped["filter"])
        for n in self.nodes:
            row, stopped = {}, False
            status = self.statuses.get(n)
            if status is None and n not in self.feasible:
                status = self.result.absent_status          # PreFilter decided for every node
            for plugin in self.filter_plugins:
                if plugin in skipped:
                    row[plugin] = "skip"
                elif stopped:
                    row[plugin] = ""
                elif status is not None and status.plugin == plugin:
                    row[plugin] = "✗ " + status.message
                    stopped = True
                else:
                    row[plugin] = "✓"
            out[n] = row
        return out

    def table(self) -> str:
        """The filter table, then the score table, as text (one line per node)."""
        width = max((len(n) for n in self.nodes), default=4)
        lines = ["Filter:"]
        for n in self.nodes:
            verdict = "fits" if n in self.feasible else f"✗ {self.filtered.get(n, '')}"
            lines.append(f"  {n:<{width}}  {verdict}")
        if self.total:
            plugins = list(self.weights)
            lines.append("Score (normalized × weight):")
            for n in self.feasible:
                parts = [f"{p} {self.scores[n].get(p, 0)}×{self.weights[p]}" for p in plugins]
                mark = "  ← best" if n in self.best else ""
                lines.append(f"  {n:<{width}}  {' + '.join(parts)} = {self.total[n]}{mark}")
        else:
            lines.append(self.message)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()


def _with_priority(pod: dict, classes: dict) -> dict:
    """Resolve ``priorityClassName`` the way the Priority admission plugin would."""
    spec = pod.get("spec") or {}
    name = spec.get("priorityClassName")
    if spec.get("priority") is not None or not name or name not in classes:
        return pod
    pod = dict(pod, spec=dict(spec, priority=classes[name].get("value", 0)))
    pod["spec"].setdefault("preemptionPolicy", classes[name].get("preemptionPolicy",
                                                                  "PreemptLowerPriority"))
    return pod


def explain(pod: dict, nodes: Iterable[dict], pods: Iterable[dict] = (),
            config=None, *, objects: Iterable[dict] = (), seed: int = 0) -> Explanation:
    """Run one scheduling cycle for ``pod`` over every node and report each step.

    ``nodes`` are Node manifests, ``pods`` the Pods already bound (``spec.nodeName``);
    ``config`` a :class:`Profile` or a KubeSchedulerConfiguration (YAML text or dict; its
    first profile is used); ``objects`` may add Services, ReplicaSets, Namespaces and
    PriorityClasses the plugins consult.
    """
    profile: Profile = config if isinstance(config, Profile) else as_profiles(config)[0]
    objects = list(objects)
    classes = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "PriorityClass"}
    nodes = list(nodes)
    pods = [_with_priority(p, classes) for p in pods]
    snapshot = Snapshot(nodes, pods, [o for o in objects if o.get("kind") != "PriorityClass"])
    pod = _with_priority(pod, classes)
    result = schedule_one(pod, snapshot, profile, random.Random(seed), evaluate_all=True,
                          pod_info=PodInfo(pod))
    return Explanation(result, [n["metadata"]["name"] for n in nodes], profile)
