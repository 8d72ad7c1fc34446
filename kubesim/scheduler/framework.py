"""The kube-scheduler framework: plugins at extension points, run in a fixed order.

One scheduling cycle for one Pod (pkg/scheduler/schedule_one.go):

* **Filter** — every plugin may reject a node, with a reason ("Insufficient cpu");
* **Score** — every plugin scores each feasible node, then **NormalizeScore** maps the
  scores to 0–100 (``MAX_NODE_SCORE``);
* the **weighted sum** over plugins decides; ties are broken at random (seeded).

Plugins are small classes (one file each under ``plugins/``) implementing only the
extension points they need.  A learner's plugin has the same shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

MAX_NODE_SCORE = 100   # framework.MaxNodeScore


@dataclass
class NodeInfo:
    """A node and the Pods already on it, with the resources they request.

    ``requested`` sums the Pods' requests; ``non_zero_requested`` counts a container
    without requests as 100m CPU / 200Mi memory, which is what scoring uses
    (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest).
    """

    node: dict
    pods: list = field(default_factory=list)
    requested: dict = field(default_factory=dict)
    non_zero_requested: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node["metadata"]["name"]

    def add_pod(self, pod: dict) -> None:
        from .resources import non_zero_requests, requests
        self.pods.append(pod)
        for res, qty in requests(pod).items():
            self.requested[res] = self.requested.get(res, 0) + qty
        for res, qty in non_zero_requests(pod).items():
            self.non_zero_requested[res] = self.non_zero_requested.get(res, 0) + qty


@dataclass
class Unschedulable:
    """A Filter verdict: why ``plugin`` rejected the node.

    ``resolvable=False`` is UnschedulableAndUnresolvable: preempting Pods would not help.
    """

    plugin: str
    reasons: list
    resolvable: bool = True


class Plugin:
    """Base class for scheduler plugins; override what you need.

    * ``filter(pod, node_info) -> Unschedulable | None``
    * ``score(pod, node_info, nodes) -> int``
    * ``normalize(pod, scores: dict[str, int]) -> dict[str, int]`` (default: unchanged)
    """

    name = "Plugin"

    def filter(self, pod: dict, node_info: NodeInfo) -> Optional[Unschedulable]:
        return None

    def score(self, pod: dict, node_info: NodeInfo, nodes: list) -> int:
        return 0

    def normalize(self, pod: dict, scores: dict) -> dict:
        return scores

    @property
    def has_filter(self) -> bool:
        return type(self).filter is not Plugin.filter

    @property
    def has_score(self) -> bool:
        return type(self).score is not Plugin.score


def default_normalize(scores: dict, reverse: bool = False) -> dict:
    """helper.DefaultNormalizeScore: scale so the best is 100 (or invert with ``reverse``)."""
    top = max(scores.values(), default=0)
    if top == 0:
        return {n: MAX_NODE_SCORE if reverse else 0 for n in scores}
    out = {}
    for node, s in scores.items():
        s = MAX_NODE_SCORE * s // top
        out[node] = MAX_NODE_SCORE - s if reverse else s
    return out
