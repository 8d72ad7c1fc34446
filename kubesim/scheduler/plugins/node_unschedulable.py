"""NodeUnschedulable: a cordoned node (``spec.unschedulable: true``) takes no new Pods.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go
(tested against node_unschedulable_test.go).  ``kubectl cordon`` sets the field; a Pod
that tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint (DaemonSet Pods
do) may still go there.
"""
from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, Plugin, unresolvable
from .taint_toleration import tolerates

TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
REASON = "node(s) were unschedulable"


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def filter(self, state, pod, node_info):
        if not node_info.unschedulable:
            return None
        if any(tolerates(t, TAINT) for t in pod["spec"].get("tolerations") or []):
            return None
        return unresolvable(REASON)
