"""The kube-scheduler framework: plugins at extension points, run in a fixed order.

One scheduling cycle for one Pod (k8s.io/kubernetes pkg/scheduler/schedule_one.go,
framework/runtime/framework.go):

* **PreFilter** — look at the Pod once, precompute what Filter needs into the
  :class:`CycleState` (or say ``SKIP``: "nothing for me to check for this Pod");
* **Filter** — every plugin may reject a node with a :class:`Status` and a reason
  ("Insufficient cpu"); the first rejection wins;
* **PostFilter** — only when no node fits: DefaultPreemption looks for lower-priority
  Pods to evict;
* **PreScore / Score** — every plugin scores each feasible node, then **NormalizeScore**
  maps the scores to 0–100 (``MAX_NODE_SCORE``);
* the **weighted sum** over plugins decides; ties are broken at random (seeded).

Plugins are small classes (one file each under ``plugins/``) implementing only the
extension points they need.  A learner's plugin has the same shape — see :class:`Plugin`.
"""
from __future__ import annotations

import inspect
from typing import Optional

MAX_NODE_SCORE = 100   # framework.MaxNodeScore
MIN_NODE_SCORE = 0     # framework.MinNodeScore

# Status codes (framework/interface.go Code).
SUCCESS = "Success"
UNSCHEDULABLE = "Unschedulable"
#: Preempting Pods on this node would not help (UnschedulableAndUnresolvable).
UNRESOLVABLE = "UnschedulableAndUnresolvable"
SKIP = "Skip"
ERROR = "Error"

#: Cluster events a plugin can ask to be woken up for (framework/types.go ClusterEvent).
NODE_ADD, NODE_UPDATE = "Node/Add", "Node/Update"
POD_ADD, POD_UPDATE, POD_DELETE = "AssignedPod/Add", "AssignedPod/Update", "AssignedPod/Delete"
ALL_EVENTS = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE})


class Status:
    """What a plugin says about a Pod (and a node): ``code`` plus human ``reasons``.

    ``None`` means success everywhere in kubesim; a Status is returned only to say
    "no" (``UNSCHEDULABLE``/``UNRESOLVABLE``), "not my business" (``SKIP``) or ``ERROR``.
    """

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: str, *reasons: str, plugin: str = ""):
        self.code = code
        self.reasons = list(reasons)
        self.plugin = plugin

    @property
    def resolvable(self) -> bool:
        """Could preempting Pods make the node fit?  (code is plain Unschedulable)"""
        return self.code == UNSCHEDULABLE

    @property
    def rejected(self) -> bool:
        return self.code in (UNSCHEDULABLE, UNRESOLVABLE)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def __repr__(self) -> str:
        who = f"{self.plugin}: " if self.plugin else ""
        return f"<{self.code} {who}{self.message}>"


def unschedulable(*reasons: str) -> Status:
    """A Filter verdict: the node does not fit now (preemption might help)."""
    return Status(UNSCHEDULABLE, *reasons)


def unresolvable(*reasons: str) -> Status:
    """A Filter verdict: the node can never fit this Pod (preemption would not help)."""
    return Status(UNRESOLVABLE, *reasons)


SKIPPED = Status(SKIP)


class CycleState:
    """Scratch space for one Pod's cycle (framework.CycleState).

    PreFilter/PreScore plugins ``write`` what they computed once; Filter/Score read it for
    every node.  ``pod_info`` is the parsed Pod and ``snapshot`` the cluster the cycle
    sees.  ``clone()`` is what preemption uses to try "what if these Pods were gone".
    """

    __slots__ = ("data", "pod_info", "snapshot", "skip_filter", "skip_score")

    def __init__(self, pod_info=None, snapshot=None):
        self.data: dict = {}
        self.pod_info = pod_info
        self.snapshot = snapshot
        self.skip_filter: set = set()
        self.skip_score: set = set()

    def write(self, key: str, value) -> None:
        self.data[key] = value

    def read(self, key: str, default=None):
        return self.data.get(key, default)

    def clone(self) -> "CycleState":
        other = CycleState(self.pod_info, self.snapshot)
        other.data = {k: (v.clone() if hasattr(v, "clone") else v) for k, v in self.data.items()}
        other.skip_filter = set(self.skip_filter)
        other.skip_score = set(self.skip_score)
        return other


class Plugin:
    """Base class for scheduler plugins: override only the extension points you need.

    The smallest plugins a learner writes::

        class NoFridays(Plugin):
            name = "NoFridays"
            def filter(self, state, pod, node_info):          # a Filter plugin
                if node_info.labels.get("day") == "friday":
                    return "node(s) are resting on Friday"     # a reason = rejected
                return None                                    # None = the node fits

        class Emptiest(Plugin):
            name = "Emptiest"
            def score(self, state, pod, node_info):            # a Score plugin, 0-100
                return 100 - len(node_info.pods)

    ``pod`` is the Pod manifest (a dict), ``node_info`` a :class:`~kubesim.scheduler.NodeInfo`
    (``node_info.node`` is the Node manifest, ``node_info.pods`` the Pods on it,
    ``node_info.allocatable`` / ``node_info.requested`` the resources).  ``state`` may be
    left out of the signature (``def filter(self, pod, node_info)``).  A filter may return
    ``None``/``True`` (fits), a reason string or ``False`` (does not fit), or a
    :class:`Status`.  A score must be an int in 0..100 unless ``normalize_score`` maps
    it there.

    Built-in plugins also use: ``pre_filter(state, pod, nodes)``, ``pre_score(state, pod,
    nodes)`` (return ``SKIPPED`` to sit this Pod out), ``normalize_score(state, pod,
    scores)`` (``scores`` is ``{node name: score}``, change it in place),
    ``add_pod``/``remove_pod`` (keep PreFilter state right when preemption removes Pods)
    and ``post_filter``.  ``events`` lists the cluster changes that may make a Pod this
    plugin rejected schedulable again (EnqueueExtensions).  ``node_local = True`` promises
    that ``filter``/``score`` depend only on the Pod's :attr:`PodInfo.signature` and the node,
    so the framework may reuse an answer until the node changes.
    """

    name = "Plugin"
    events = ALL_EVENTS
    #: True when filter/score depend only on the Pod's signature and this node (and
    #: ``cluster_key``): then verdicts and scores are remembered per node until it changes.
    node_local = False

    def cluster_key(self, state: CycleState) -> tuple:
        """For a node-local plugin: anything else in the cluster its answer depends on."""
        return ()

    def pre_filter(self, state: CycleState, pod: dict, nodes: list) -> Optional[Status]:
        return None

    def filter(self, state: CycleState, pod: dict, node_info) -> Optional[Status]:
        return None

    def add_pod(self, state: CycleState, pod: dict, pod_info_to_add, node_info) -> None:
        """PreFilterExtensions.AddPod: ``pod_info_to_add`` now counts on ``node_info``."""

    def remove_pod(self, state: CycleState, pod: dict, pod_info_to_remove, node_info) -> None:
        """PreFilterExtensions.RemovePod: ``pod_info_to_remove`` left ``node_info``."""

    def pre_score(self, state: CycleState, pod: dict, nodes: list) -> Optional[Status]:
        return None

    def score(self, state: CycleState, pod: dict, node_info) -> int:
        return 0

    def normalize_score(self, state: CycleState, pod: dict, scores: dict) -> None:
        return None

    def __repr__(self) -> str:
        return f"<plugin {self.name}>"


def implements(plugin, method: str) -> bool:
    """Does ``plugin`` override ``Plugin.<method>`` (i.e. run at that extension point)?"""
    own = getattr(type(plugin), method, None)
    base = getattr(Plugin, method, None)
    if own is None:
        return False
    return own is not base


def _arity(fn) -> int:
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return 3
    return len(params)


def as_status(value, plugin: str) -> Optional[Status]:
    """Turn what a (learner's) filter returned into ``None`` (fits) or a Status."""
    if value is None or value is True:
        return None
    if isinstance(value, Status):
        if value.code == SUCCESS:
            return None
        value.plugin = value.plugin or plugin
        return value
    if value is False:
        return Status(UNSCHEDULABLE, f"node(s) were rejected by {plugin}", plugin=plugin)
    return Status(UNSCHEDULABLE, str(value), plugin=plugin)


class LearnerPlugin(Plugin):
    """Wraps a plugin written without ``state`` or returning strings, so the framework
    can call it like any built-in plugin (the learner's class stays untouched)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.events = getattr(inner, "events", ALL_EVENTS)
        self.node_local = bool(getattr(inner, "node_local", False))
        self._filter = getattr(inner, "filter", None)
        self._score = getattr(inner, "score", None)
        self._normalize = getattr(inner, "normalize_score", None)
        self._filter_state = self._filter is not None and _arity(self._filter) >= 3
        self._score_state = self._score is not None and _arity(self._score) >= 3
        if self._filter is None or (isinstance(inner, Plugin) and not implements(inner, "filter")):
            self._filter = None
        if self._score is None or (isinstance(inner, Plugin) and not implements(inner, "score")):
            self._score = None
        if self._normalize is not None and isinstance(inner, Plugin) \
                and not implements(inner, "normalize_score"):
            self._normalize = None

    def filter(self, state, pod, node_info):
        out = self._filter(state, pod, node_info) if self._filter_state else self._filter(pod, node_info)
        return as_status(out, self.name)

    def score(self, state, pod, node_info):
        out = self._score(state, pod, node_info) if self._score_state else self._score(pod, node_info)
        return int(out)

    def normalize_score(self, state, pod, scores):
        if _arity(self._normalize) >= 3:
            return self._normalize(state, pod, scores)
        return self._normalize(scores)

    def has(self, point: str) -> bool:
        return {"filter": self._filter, "score": self._score,
                "normalize_score": self._normalize}.get(point) is not None


def default_normalize(scores: dict, reverse: bool = False) -> None:
    """helper.DefaultNormalizeScore: scale so the best is 100 (``reverse``: the best is 0).

    Integer arithmetic as in Go; when every score is 0 the result is 0 (or 100 reversed).
    Changes ``scores`` in place.
    """
    top = max(scores.values(), default=0)
    if top == 0:
        if reverse:
            for node in scores:
                scores[node] = MAX_NODE_SCORE
        return
    for node, s in scores.items():
        s = MAX_NODE_SCORE * s // top
        scores[node] = MAX_NODE_SCORE - s if reverse else s


# NodeInfo lives in nodeinfo.py; re-exported here because it is part of the framework API.
from .nodeinfo import NodeInfo, PodInfo  # noqa: E402,F401
