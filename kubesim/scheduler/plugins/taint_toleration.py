"""TaintToleration: taints repel Pods that do not tolerate them.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go
and v1.Toleration.ToleratesTaint (staging/src/k8s.io/api/core/v1/toleration.go).
Tested against cases from taint_toleration_test.go.

* **Filter** — the first ``NoSchedule`` or ``NoExecute`` taint the Pod does not tolerate
  rejects the node: ``node(s) had untolerated taint {key: value}``.  Preempting Pods
  cannot remove a taint, so the verdict is *unresolvable*.
* **Score** — count the ``PreferNoSchedule`` taints the Pod does not tolerate; fewer is
  better, so NormalizeScore reverses the scale (no such taint = 100).  Default weight 3.
"""
from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, Plugin, default_normalize, unresolvable


def tolerates(toleration: dict, taint: dict) -> bool:
    """Toleration.ToleratesTaint: same effect (or any), same key (or any), and
    ``Exists`` or an equal value (``Equal`` is the default operator)."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return op == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def find_untolerated_taint(taints: list, tolerations: list, effects=("NoSchedule", "NoExecute")):
    """v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc."""
    for taint in taints:
        if taint.get("effect") in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def taint_text(taint: dict) -> str:
    """How FailedScheduling shows a taint: ``{key: value}``."""
    return "{" + f"{taint.get('key', '')}: {taint.get('value', '')}" + "}"


class TaintToleration(Plugin):
    name = "TaintToleration"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def filter(self, state, pod, node_info):
        taints = node_info.taints
        if not taints:
            return None
        taint = find_untolerated_taint(taints, pod["spec"].get("tolerations") or [])
        if taint is not None:
            return unresolvable(f"node(s) had untolerated taint {taint_text(taint)}")
        return None

    def pre_score(self, state, pod, nodes):
        state.write("PreScoreTaintToleration",
                    [t for t in pod["spec"].get("tolerations") or []
                     if t.get("effect") in (None, "", "PreferNoSchedule")])

    def score(self, state, pod, node_info):
        taints = node_info.taints
        if not taints:
            return 0
        tolerations = state.read("PreScoreTaintToleration", ())
        return sum(1 for taint in taints if taint.get("effect") == "PreferNoSchedule"
                   and not any(tolerates(t, taint) for t in tolerations))

    def normalize_score(self, state, pod, scores):
        default_normalize(scores, reverse=True)
