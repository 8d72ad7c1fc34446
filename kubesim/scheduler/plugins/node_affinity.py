"""NodeAffinity: ``nodeSelector`` and node affinity — which nodes a Pod wants.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go
and k8s.io/component-helpers/scheduling/corev1/nodeaffinity (tested against
node_affinity_test.go).

* **Filter** — ``spec.nodeSelector`` and ``requiredDuringScheduling…`` must match the
  node's labels, else ``node(s) didn't match Pod's node affinity/selector`` (unresolvable:
  evicting Pods never changes a node's labels).
* **Score** — the sum of the weights of the ``preferredDuringScheduling…`` terms the node
  matches, normalized so the best node gets 100.  Default weight 2.
* ``added_affinity`` (NodeAffinityArgs.addedAffinity) is a profile-wide affinity added to
  every Pod's, enforced first.
"""
from __future__ import annotations

from ..framework import (NODE_ADD, NODE_UPDATE, SKIPPED, Plugin, default_normalize,
                         unresolvable)
from ..nodeaffinity import RequiredNodeAffinity, preferred_score, preferred_terms, terms_match

REASON_POD = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
REASON_CONFLICT = "pod affinity terms conflict"


class PreFilterResult:
    """PreFilter may narrow the nodes worth looking at (framework.PreFilterResult)."""

    def __init__(self, node_names: set):
        self.node_names = node_names


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def __init__(self, added_affinity: dict | None = None):
        added = added_affinity or {}
        required = added.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.added_terms = None if required is None else (required.get("nodeSelectorTerms") or [])
        self.added_preferred = [p for p in added.get("preferredDuringSchedulingIgnoredDuringExecution") or []
                                if p.get("weight")]

    @classmethod
    def from_args(cls, args: dict) -> "NodeAffinity":
        return cls(args.get("addedAffinity"))

    def pre_filter(self, state, pod, nodes):
        required = RequiredNodeAffinity(pod)
        if required.empty and self.added_terms is None:
            return SKIPPED
        state.write("PreFilterNodeAffinity", required)
        if not required.terms:
            return None
        # Affinity to specific node names (matchFields metadata.name In …) narrows the search.
        names = None
        for term in required.terms:
            term_names = None
            for r in term.get("matchFields") or []:
                if r.get("key") == "metadata.name" and r.get("operator") == "In":
                    values = set(r.get("values") or [])
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                return None        # this term allows any node name: no narrowing
            names = term_names if names is None else names | term_names
        if names is not None and not names:
            return unresolvable(REASON_CONFLICT)
        return PreFilterResult(names) if names else None

    def filter(self, state, pod, node_info):
        if self.added_terms is not None and not terms_match(self.added_terms, node_info.node):
            return unresolvable(REASON_ENFORCED)
        required = state.read("PreFilterNodeAffinity") or RequiredNodeAffinity(pod)
        if not required.matches(node_info.node):
            return unresolvable(REASON_POD)
        return None

    def pre_score(self, state, pod, nodes):
        prefs = preferred_terms(pod)
        if not prefs and not self.added_preferred:
            return SKIPPED
        state.write("PreScoreNodeAffinity", prefs)
        return None

    def score(self, state, pod, node_info):
        prefs = state.read("PreScoreNodeAffinity")
        if prefs is None:
            prefs = preferred_terms(pod)
        return preferred_score(self.added_preferred, node_info.node) + preferred_score(prefs, node_info.node)

    def normalize_score(self, state, pod, scores):
        default_normalize(scores)
