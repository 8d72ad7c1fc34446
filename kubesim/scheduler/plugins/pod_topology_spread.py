"""PodTopologySpread: spread matching Pods evenly across zones, nodes, or any topology.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/podtopologyspread/
(common.go, filtering.go, scoring.go, plugin.go; tested against filtering_test.go and
scoring_test.go).

A constraint says: count the Pods matching ``labelSelector`` in each *domain* (each value
of ``topologyKey``); the **skew** of a domain is its count minus the smallest count.

* **Filter** (``whenUnsatisfiable: DoNotSchedule``): placing the Pod must keep
  ``count + 1 − min ≤ maxSkew`` (``node(s) didn't match pod topology spread
  constraints``); a node without the topology label is out for good (``… (missing
  required label)``).  Only nodes the Pod could go to (its node affinity; taints only
  with ``nodeTaintsPolicy: Honor``) make domains; with fewer than ``minDomains`` domains
  the minimum counts as 0.
* **Score** (``ScheduleAnyway``): fewer matching Pods in the node's domains is better —
  ``count × log(domains + 2) + maxSkew − 1`` summed over constraints, then reversed and
  scaled to 0–100.  Default weight 2.
* A Pod without constraints gets the **system defaults** — spread over hostnames (maxSkew
  3) and zones (maxSkew 5), ``ScheduleAnyway`` — counting the Pods of the same
  Service/ReplicaSet/StatefulSet.
"""
from __future__ import annotations

import math

from ...api.selectors import Requirement, Selector, label_selector_as_selector
from ..framework import (MAX_NODE_SCORE, NODE_ADD, NODE_UPDATE, POD_ADD, POD_DELETE, POD_UPDATE,
                         SKIPPED, Plugin, unresolvable, unschedulable)
from ..nodeaffinity import RequiredNodeAffinity
from .taint_toleration import find_untolerated_taint

REASON = "node(s) didn't match pod topology spread constraints"
REASON_LABEL = REASON + " (missing required label)"
HOSTNAME = "kubernetes.io/hostname"
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"topologyKey": HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3},
    {"topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 5},
)
MAX_INT32 = 2**31 - 1
FILTER_KEY, SCORE_KEY = "PreFilterPodTopologySpread", "PreScorePodTopologySpread"


class Constraint:
    """A parsed TopologySpreadConstraint (common.go topologySpreadConstraint)."""

    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "honor_affinity",
                 "honor_taints")

    def __init__(self, c: dict, selector: Selector):
        self.max_skew = c.get("maxSkew", 1)
        self.topology_key = c.get("topologyKey", "")
        self.selector = selector
        self.min_domains = c.get("minDomains") or 1
        self.honor_affinity = (c.get("nodeAffinityPolicy") or "Honor") == "Honor"
        self.honor_taints = (c.get("nodeTaintsPolicy") or "Ignore") == "Honor"

    def includes(self, pod: dict, node_info, required: RequiredNodeAffinity) -> bool:
        """matchNodeInclusionPolicies: does this node count as a domain for the Pod?"""
        if self.honor_affinity and not required.matches(node_info.node):
            return False
        if self.honor_taints and find_untolerated_taint(node_info.taints,
                                                        pod["spec"].get("tolerations") or []):
            return False
        return True


def count_matching(pod_infos, selector: Selector, namespace: str) -> int:
    """countPodsMatchSelector: Pods in the namespace, not terminating, selected."""
    if selector.empty():
        return 0
    return sum(1 for p in pod_infos if not p.terminating and p.namespace == namespace
               and selector.matches(p.labels))


def default_selector(pod_info, snapshot) -> Selector:
    """helper.DefaultSelector: the selectors of the Services, ReplicaSet, StatefulSet or
    ReplicationController that own/select the Pod, combined.

    kubesim: when the Pod's owning ReplicaSet/StatefulSet is not in ``snapshot`` (e.g.
    ``explain`` given bare Pods), the Pod's own labels stand in for its selector — what a
    Deployment's ReplicaSet selects in every course manifest."""
    labels: dict = {}
    for svc in snapshot.services.values():
        sel = (svc.get("spec") or {}).get("selector") or {}
        if (svc.get("metadata") or {}).get("namespace", "default") == pod_info.namespace and sel \
                and all(pod_info.labels.get(k) == v for k, v in sel.items()):
            labels.update(sel)
    reqs = [Requirement(k, "=", (v,)) for k, v in labels.items()]
    owner = next((r for r in (pod_info.pod.get("metadata") or {}).get("ownerReferences") or []
                  if r.get("controller")), None)
    if owner is not None:
        key = f"{pod_info.namespace}/{owner.get('name')}"
        kind = owner.get("kind")
        store = {"ReplicaSet": snapshot.replicasets, "StatefulSet": snapshot.statefulsets,
                 "ReplicationController": snapshot.replication_controllers}.get(kind)
        if store is not None:
            obj = store.get(key)
            if kind == "ReplicationController":
                rc_sel = (obj or {}).get("spec", {}).get("selector") or pod_info.labels
                reqs += [Requirement(k, "=", (v,)) for k, v in rc_sel.items() if k not in labels]
            elif obj is not None:
                try:
                    reqs += list(label_selector_as_selector(obj["spec"].get("selector")).requirements)
                except ValueError:
                    pass
            else:
                reqs += [Requirement(k, "=", (v,)) for k, v in pod_info.labels.items() if k not in labels]
    return Selector(reqs)


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE})

    def __init__(self, default_constraints=None, defaulting_type: str = "System"):
        self.system_defaulted = defaulting_type == "System"
        self.default_constraints = tuple(SYSTEM_DEFAULT_CONSTRAINTS if self.system_defaulted
                                         else (default_constraints or ()))

    @classmethod
    def from_args(cls, args: dict) -> "PodTopologySpread":
        return cls(args.get("defaultConstraints"), args.get("defaultingType", "System"))

    def constraints(self, state, pod, action: str) -> list:
        """The Pod's constraints with this ``whenUnsatisfiable`` (or the defaults)."""
        explicit = pod["spec"].get("topologySpreadConstraints") or []
        labels = state.pod_info.labels
        out = []
        if explicit:
            for c in explicit:
                if c.get("whenUnsatisfiable") != action:
                    continue
                try:
                    sel = label_selector_as_selector(c.get("labelSelector"))
                except ValueError:
                    sel = Selector.nothing()
                keys = [k for k in c.get("matchLabelKeys") or [] if k in labels]
                if keys and (sel.requirements or sel.empty()):
                    sel = Selector(list(sel.requirements) + [Requirement(k, "in", (labels[k],))
                                                             for k in keys])
                out.append(Constraint(c, sel))
            return out
        wanted = [c for c in self.default_constraints if c.get("whenUnsatisfiable") == action]
        if not wanted:
            return out
        sel = default_selector(state.pod_info, state.snapshot)
        if sel.empty():
            return out
        return [Constraint(c, sel) for c in wanted]

    # ------------------------------------------------------------------ PreFilter / Filter
    def pre_filter(self, state, pod, nodes):
        constraints = self.constraints(state, pod, "DoNotSchedule")
        if not constraints:
            return SKIPPED
        required = RequiredNodeAffinity(pod)
        counts = [dict() for _ in constraints]          # per constraint: domain -> matching Pods
        for info in state.snapshot.node_infos:
            labels = info.labels
            if not all(c.topology_key in labels for c in constraints):
                continue
            for i, c in enumerate(constraints):
                if c.includes(pod, info, required):
                    value = labels[c.topology_key]
                    counts[i][value] = counts[i].get(value, 0) + \
                        count_matching(info.pods, c.selector, state.pod_info.namespace)
        state.write(FILTER_KEY, _SpreadState(constraints, counts, required))
        return None

    def add_pod(self, state, pod, pod_info_to_add, node_info):
        self._update(state, pod, pod_info_to_add, node_info, 1)

    def remove_pod(self, state, pod, pod_info_to_remove, node_info):
        self._update(state, pod, pod_info_to_remove, node_info, -1)

    def _update(self, state, pod, other, node_info, sign):
        s = state.read(FILTER_KEY)
        if s is None or other.terminating or other.namespace != state.pod_info.namespace:
            return
        labels = node_info.labels
        if not all(c.topology_key in labels for c in s.constraints):
            return
        for i, c in enumerate(s.constraints):
            if c.includes(pod, node_info, s.required) and c.selector.matches(other.labels):
                value = labels[c.topology_key]
                s.counts[i][value] = s.counts[i].get(value, 0) + sign
                s.mins[i] = None

    def filter(self, state, pod, node_info):
        s = state.read(FILTER_KEY)
        labels = node_info.labels
        for i, c in enumerate(s.constraints):
            value = labels.get(c.topology_key)
            if value is None:
                return unresolvable(REASON_LABEL)
            domains = s.counts[i]
            minimum = s.minimum(i)
            if len(domains) < c.min_domains:
                minimum = 0
            self_match = 1 if c.selector.matches(state.pod_info.labels) else 0
            if domains.get(value, 0) + self_match - minimum > c.max_skew:
                return unschedulable(REASON)
        return None

    # ------------------------------------------------------------------ PreScore / Score
    def pre_score(self, state, pod, nodes):
        if not nodes:
            return SKIPPED
        constraints = self.constraints(state, pod, "ScheduleAnyway")
        if not constraints:
            return SKIPPED
        # Only require every topology label with the Pod's own constraints: with the system
        # defaults a node without a zone label is still spread by hostname.
        require_all = bool(pod["spec"].get("topologySpreadConstraints")) or not self.system_defaulted
        ignored = set()
        counts = [dict() for _ in constraints]
        for info in nodes:
            labels = info.labels
            if require_all and not all(c.topology_key in labels for c in constraints):
                ignored.add(info.name)
                continue
            for i, c in enumerate(constraints):
                if c.topology_key != HOSTNAME:
                    counts[i].setdefault(labels.get(c.topology_key, ""), 0)
        weights = []
        for i, c in enumerate(constraints):
            size = len(nodes) - len(ignored) if c.topology_key == HOSTNAME else len(counts[i])
            weights.append(math.log(size + 2))       # topologyNormalizingWeight
        required = RequiredNodeAffinity(pod)
        namespace = state.pod_info.namespace
        for info in state.snapshot.node_infos:
            labels = info.labels
            if require_all and not all(c.topology_key in labels for c in constraints):
                continue
            for i, c in enumerate(constraints):
                if c.topology_key == HOSTNAME or not c.includes(pod, info, required):
                    continue
                value = labels.get(c.topology_key, "")
                if value in counts[i]:
                    counts[i][value] += count_matching(info.pods, c.selector, namespace)
        state.write(SCORE_KEY, (constraints, counts, weights, ignored))
        return None

    def score(self, state, pod, node_info):
        constraints, counts, weights, ignored = state.read(SCORE_KEY)
        if node_info.name in ignored:
            return 0
        labels = node_info.labels
        total = 0.0
        for i, c in enumerate(constraints):
            if c.topology_key in labels:
                if c.topology_key == HOSTNAME:
                    n = count_matching(node_info.pods, c.selector, state.pod_info.namespace)
                else:
                    n = counts[i][labels[c.topology_key]]
                total += n * weights[i] + (c.max_skew - 1)        # scoreForCount
        return math.floor(total + 0.5)                              # math.Round

    def normalize_score(self, state, pod, scores):
        ignored = state.read(SCORE_KEY)[3]
        valid = [s for node, s in scores.items() if node not in ignored]
        low, high = (min(valid), max(valid)) if valid else (0, 0)
        for node, s in scores.items():
            if node in ignored:
                scores[node] = 0
            elif high == 0:
                scores[node] = MAX_NODE_SCORE
            else:
                scores[node] = MAX_NODE_SCORE * (high + low - s) // high


class _SpreadState:
    """PreFilter's counts per constraint and domain (kept right by AddPod/RemovePod)."""

    __slots__ = ("constraints", "counts", "required", "mins")

    def __init__(self, constraints, counts, required):
        self.constraints, self.counts, self.required = constraints, counts, required
        self.mins = [None] * len(constraints)

    def minimum(self, i: int) -> int:
        """The global minimum of constraint ``i`` (the criticalPaths in Go)."""
        if self.mins[i] is None:
            self.mins[i] = min(self.counts[i].values()) if self.counts[i] else MAX_INT32
        return self.mins[i]

    def clone(self) -> "_SpreadState":
        return _SpreadState(self.constraints, [dict(c) for c in self.counts], self.required)
