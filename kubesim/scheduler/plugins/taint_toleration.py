"""TaintToleration: taints repel Pods that do not tolerate them (plugins/tainttoleration).

Filter: a ``NoSchedule`` or ``NoExecute`` taint the Pod does not tolerate rejects the
node.  Score: count the ``PreferNoSchedule`` taints the Pod does not tolerate; fewer is
better (normalized in reverse).
"""
from ..framework import Plugin, Unschedulable, default_normalize


def tolerates(toleration: dict, taint: dict) -> bool:
    """v1.Toleration.ToleratesTaint."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    if (toleration.get("operator") or "Equal") == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def taint_text(taint: dict) -> str:
    """How FailedScheduling shows a taint: ``{key: value}``."""
    return "{" + f"{taint['key']}: {taint.get('value', '')}" + "}"


class TaintToleration(Plugin):
    name = "TaintToleration"

    def filter(self, pod, node_info):
        tolerations = pod["spec"].get("tolerations") or []
        for taint in node_info.node["spec"].get("taints") or []:
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            if not any(tolerates(t, taint) for t in tolerations):
                return Unschedulable(self.name,
                                     [f"node(s) had untolerated taint {taint_text(taint)}"], False)
        return None

    def score(self, pod, node_info, nodes):
        tolerations = [t for t in pod["spec"].get("tolerations") or []
                       if t.get("effect") in (None, "", "PreferNoSchedule")]
        return sum(1 for taint in node_info.node["spec"].get("taints") or []
                   if taint.get("effect") == "PreferNoSchedule"
                   and not any(tolerates(t, taint) for t in tolerations))

    def normalize(self, pod, scores):
        return default_normalize(scores, reverse=True)
