"""InterPodAffinity: place a Pod near (affinity) or away from (anti-affinity) other Pods.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/interpodaffinity/filtering.go
and scoring.go (tested against filtering_test.go and scoring_test.go).

A term selects Pods by label (in some namespaces) and names a ``topologyKey``: two nodes
are "together" when they have the same value of that label (``kubernetes.io/hostname``:
the same node; ``topology.kubernetes.io/zone``: the same zone).

* **PreFilter** counts, per (topologyKey, value) pair, the existing Pods that match the
  incoming Pod's required terms, and the existing Pods whose required *anti*-affinity
  matches the incoming Pod;
* **Filter**, in this order: required affinity unmet (unresolvable) → ``node(s) didn't
  match pod affinity rules``; required anti-affinity violated → ``node(s) didn't match pod
  anti-affinity rules``; an existing Pod's anti-affinity violated → ``node(s) didn't
  satisfy existing pods anti-affinity rules``.  The first Pod of a group that wants to be
  with its own kind may go anywhere;
* **Score**: + weight for each preferred affinity match, − weight for each preferred
  anti-affinity match (both directions: the new Pod's terms and existing Pods' terms, and
  existing Pods' *required* affinity with weight ``hardPodAffinityWeight`` = 1), summed
  per topology value and min-max normalized to 0–100.  Default weight 2.
"""
from __future__ import annotations

import copy

from ...api.selectors import Selector
from ..framework import (MAX_NODE_SCORE, NODE_ADD, NODE_UPDATE, POD_ADD, POD_DELETE, POD_UPDATE,
                         SKIPPED, Plugin, unresolvable, unschedulable)

REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
FILTER_KEY, SCORE_KEY = "PreFilterInterPodAffinity", "PreScoreInterPodAffinity"


def _count(counts: dict, node_labels: dict, key: str, value: int) -> None:
    """topologyToMatchedTermCount.update: add ``value`` to the node's (key, value) pair."""
    if key in node_labels:
        pair = (key, node_labels[key])
        n = counts.get(pair, 0) + value
        if n:
            counts[pair] = n
        else:
            counts.pop(pair, None)


def matches_all(terms, pod_info) -> bool:
    """podMatchesAllAffinityTerms (False when there are no terms)."""
    return bool(terms) and all(t.matches(pod_info) for t in terms)


def _selects_namespaces(term) -> bool:
    return bool(term.namespace_selector.requirements)


def merged(terms, snapshot):
    """mergeAffinityTermNamespacesIfNotEmpty: turn a namespaceSelector into namespace names."""
    if not any(_selects_namespaces(t) for t in terms):
        return terms
    out = []
    for t in terms:
        if _selects_namespaces(t):
            t = copy.copy(t)
            t.namespaces = set(t.namespaces) | snapshot.namespaces_matching(t.namespace_selector)
            t.namespace_selector = Selector.nothing()
        out.append(t)
    return out


class _FilterState:
    """What PreFilter counted (and AddPod/RemovePod keep up to date during preemption)."""

    __slots__ = ("pod_info", "affinity_terms", "anti_affinity_terms", "ns_labels",
                 "existing_anti", "affinity_counts", "anti_counts")

    def clone(self) -> "_FilterState":
        other = copy.copy(self)
        other.existing_anti = dict(self.existing_anti)
        other.affinity_counts = dict(self.affinity_counts)
        other.anti_counts = dict(self.anti_counts)
        return other

    def update_with_pod(self, pi, node_labels: dict, sign: int) -> None:
        for t in pi.required_anti_affinity_terms:
            if t.matches(self.pod_info, self.ns_labels):
                _count(self.existing_anti, node_labels, t.topology_key, sign)
        if matches_all(self.affinity_terms, pi):
            for t in self.affinity_terms:
                _count(self.affinity_counts, node_labels, t.topology_key, sign)
        for t in self.anti_affinity_terms:
            if t.matches(pi):
                _count(self.anti_counts, node_labels, t.topology_key, sign)


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE})

    def __init__(self, hard_pod_affinity_weight: int = 1,
                 ignore_preferred_terms_of_existing_pods: bool = False):
        self.hard_weight = hard_pod_affinity_weight
        self.ignore_existing_preferred = ignore_preferred_terms_of_existing_pods

    @classmethod
    def from_args(cls, args: dict) -> "InterPodAffinity":
        return cls(args.get("hardPodAffinityWeight", 1),
                   args.get("ignorePreferredTermsOfExistingPods", False))

    # ------------------------------------------------------------------ PreFilter / Filter
    def pre_filter(self, state, pod, nodes):
        snap, me = state.snapshot, state.pod_info
        s = _FilterState()
        s.pod_info = me
        s.affinity_terms = merged(me.required_affinity_terms, snap)
        s.anti_affinity_terms = merged(me.required_anti_affinity_terms, snap)
        s.ns_labels = snap.labels_of_namespace(me.namespace)
        s.existing_anti, s.affinity_counts, s.anti_counts = {}, {}, {}
        for info in snap.have_pods_with_required_anti_affinity:
            for existing in info.pods_with_required_anti_affinity:
                for t in existing.required_anti_affinity_terms:
                    if t.matches(me, s.ns_labels):
                        _count(s.existing_anti, info.labels, t.topology_key, 1)
        if s.affinity_terms or s.anti_affinity_terms:
            for info in nodes:
                for existing in info.pods:
                    if matches_all(s.affinity_terms, existing):
                        for t in s.affinity_terms:
                            _count(s.affinity_counts, info.labels, t.topology_key, 1)
                    for t in s.anti_affinity_terms:
                        if t.matches(existing):
                            _count(s.anti_counts, info.labels, t.topology_key, 1)
        if not s.existing_anti and not s.affinity_terms and not s.anti_affinity_terms:
            return SKIPPED
        state.write(FILTER_KEY, s)
        return None

    def add_pod(self, state, pod, pod_info_to_add, node_info):
        s = state.read(FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_info_to_add, node_info.labels, 1)

    def remove_pod(self, state, pod, pod_info_to_remove, node_info):
        s = state.read(FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod_info_to_remove, node_info.labels, -1)

    def filter(self, state, pod, node_info):
        s = state.read(FILTER_KEY)
        labels = node_info.labels
        # satisfyPodAffinity: every term's topology label present, with a matching Pod there.
        pods_exist = True
        for t in s.affinity_terms:
            if t.topology_key not in labels:
                return unresolvable(REASON_AFFINITY)
            if s.affinity_counts.get((t.topology_key, labels[t.topology_key]), 0) <= 0:
                pods_exist = False
        if not pods_exist and not (not s.affinity_counts and matches_all(s.affinity_terms, s.pod_info)):
            return unresolvable(REASON_AFFINITY)
        # satisfyPodAntiAffinity
        if s.anti_counts:
            for t in s.anti_affinity_terms:
                if t.topology_key in labels and \
                        s.anti_counts.get((t.topology_key, labels[t.topology_key]), 0) > 0:
                    return unschedulable(REASON_ANTI_AFFINITY)
        # satisfyExistingPodsAntiAffinity
        if s.existing_anti:
            for pair in labels.items():
                if s.existing_anti.get(pair, 0) > 0:
                    return unschedulable(REASON_EXISTING_ANTI_AFFINITY)
        return None

    # ------------------------------------------------------------------ PreScore / Score
    def pre_score(self, state, pod, nodes):
        snap, me = state.snapshot, state.pod_info
        preferred = merged(me.preferred_affinity_terms, snap)
        anti_preferred = merged(me.preferred_anti_affinity_terms, snap)
        has_constraints = bool(preferred or anti_preferred)
        if self.ignore_existing_preferred and not has_constraints:
            return SKIPPED
        ns_labels = snap.labels_of_namespace(me.namespace)
        topology_score: dict = {}

        def add(term, weight, pod_info, node_labels, sign, labels_of_ns=None):
            if term.matches(pod_info, labels_of_ns) and term.topology_key in node_labels:
                by_value = topology_score.setdefault(term.topology_key, {})
                value = node_labels[term.topology_key]
                by_value[value] = by_value.get(value, 0) + weight * sign

        for info in (snap.node_infos if has_constraints else snap.have_pods_with_affinity):
            labels = info.labels
            if not labels:
                continue
            for existing in (info.pods if has_constraints else info.pods_with_affinity):
                for t in preferred:
                    add(t, t.weight, existing, labels, 1)
                for t in anti_preferred:
                    add(t, t.weight, existing, labels, -1)
                if self.hard_weight > 0:
                    for t in existing.required_affinity_terms:
                        add(t, self.hard_weight, me, labels, 1, ns_labels)
                for t in existing.preferred_affinity_terms:
                    add(t, t.weight, me, labels, 1, ns_labels)
                for t in existing.preferred_anti_affinity_terms:
                    add(t, t.weight, me, labels, -1, ns_labels)
        if not topology_score:
            return SKIPPED
        state.write(SCORE_KEY, topology_score)
        return None

    def score(self, state, pod, node_info):
        labels = node_info.labels
        return sum(by_value.get(labels[key], 0)
                   for key, by_value in state.read(SCORE_KEY).items() if key in labels)

    def normalize_score(self, state, pod, scores):
        if not state.read(SCORE_KEY) or not scores:
            return
        low, high = min(scores.values()), max(scores.values())
        for node, s in scores.items():
            scores[node] = int(MAX_NODE_SCORE * ((s - low) / (high - low))) if high > low else 0
