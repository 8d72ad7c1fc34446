"""NodeName: a Pod that names its node (``spec.nodeName``) fits only that node.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/nodename/node_name.go
(tested against node_name_test.go).  Such Pods normally skip the scheduler altogether:
the kubelet of that node simply runs them.
"""
from __future__ import annotations

from ..framework import NODE_ADD, Plugin, unresolvable

REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"
    node_local = True
    events = frozenset({NODE_ADD})

    def filter(self, state, pod, node_info):
        want = pod["spec"].get("nodeName")
        if want and want != node_info.name:
            return unresolvable(REASON)
        return None
