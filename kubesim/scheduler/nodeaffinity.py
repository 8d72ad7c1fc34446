"""Does a node match a Pod's ``nodeSelector`` / node affinity?

A port of k8s.io/component-helpers/scheduling/corev1/nodeaffinity (nodeaffinity.go):

* ``nodeSelectorTerms`` are ORed; inside a term every ``matchExpressions`` and
  ``matchFields`` requirement must hold (ANDed); a term with no requirement matches
  nothing;
* operators: ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``, ``Gt``, ``Lt`` (integers);
  ``matchFields`` knows only ``metadata.name`` with ``In``/``NotIn``;
* ``spec.nodeSelector`` must match exactly *and* the required terms must match.
"""
from __future__ import annotations

import re
from typing import Optional

from ..api.selectors import is_qualified_name, is_valid_label_value

_INT = re.compile(r"[+-]?[0-9]+")


def _valid(req: dict) -> bool:
    """Would nodeSelectorRequirementsAsSelector accept it?  (an invalid term matches nothing)"""
    op, values = req.get("operator"), req.get("values") or []
    if is_qualified_name(req.get("key", "")):
        return False
    if op in ("In", "NotIn"):
        return bool(values) and not any(is_valid_label_value(v) for v in values)
    if op in ("Exists", "DoesNotExist"):
        return not values
    if op in ("Gt", "Lt"):
        return len(values) == 1 and bool(_INT.fullmatch(values[0]))
    return False


def _requirement_matches(req: dict, values: dict) -> bool:
    key, op = req.get("key", ""), req.get("operator")
    want = req.get("values") or []
    has = key in values
    if op == "In":
        return has and values[key] in want
    if op == "NotIn":
        return not has or values[key] not in want
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and len(want) == 1:
        try:
            have, limit = int(values[key]), int(want[0])
        except ValueError:
            return False
        return have > limit if op == "Gt" else have < limit
    return False


def term_matches(term: Optional[dict], node: dict) -> bool:
    """One NodeSelectorTerm against a node (an empty term matches nothing)."""
    term = term or {}
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    labels = (node.get("metadata") or {}).get("labels") or {}
    if not all(_valid(r) and _requirement_matches(r, labels) for r in exprs):
        return False
    name = {"metadata.name": (node.get("metadata") or {}).get("name", "")}
    for r in fields:
        if r.get("key") != "metadata.name" or r.get("operator") not in ("In", "NotIn") \
                or len(r.get("values") or []) != 1:      # a field selector takes one value
            return False
        if not _requirement_matches(r, name):
            return False
    return True


def terms_match(terms: list, node: dict) -> bool:
    """NodeSelector.Match: any of the terms."""
    return any(term_matches(t, node) for t in terms)


class RequiredNodeAffinity:
    """nodeaffinity.RequiredNodeAffinity: ``spec.nodeSelector`` AND the required terms."""

    __slots__ = ("node_selector", "terms")

    def __init__(self, pod: dict):
        spec = pod.get("spec") or {}
        self.node_selector = spec.get("nodeSelector") or None
        required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                    .get("requiredDuringSchedulingIgnoredDuringExecution"))
        self.terms = None if required is None else (required.get("nodeSelectorTerms") or [])

    @property
    def empty(self) -> bool:
        return self.node_selector is None and self.terms is None

    def matches(self, node: dict) -> bool:
        if self.node_selector is not None:
            labels = (node.get("metadata") or {}).get("labels") or {}
            for key, value in self.node_selector.items():
                if labels.get(key) != value:
                    return False
        if self.terms is not None:
            return terms_match(self.terms, node)
        return True


def preferred_terms(pod: dict) -> list:
    """The Pod's ``preferredDuringSchedulingIgnoredDuringExecution`` (weight 0 dropped)."""
    spec = pod.get("spec") or {}
    prefs = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
             .get("preferredDuringSchedulingIgnoredDuringExecution")) or []
    return [p for p in prefs if p.get("weight")]


def preferred_score(prefs: list, node: dict) -> int:
    """PreferredSchedulingTerms.Score: the sum of the weights of the terms the node matches."""
    return sum(p["weight"] for p in prefs if term_matches(p.get("preference"), node))
