"""NodePorts: two Pods cannot take the same ``hostPort`` on one node.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/nodeports/node_ports.go and
framework.HostPortInfo.CheckConflict (tested against node_ports_test.go).  A port bound
on ``0.0.0.0`` (the default) conflicts with the same protocol/port on any address.
"""
from __future__ import annotations

from ..framework import NODE_ADD, NODE_UPDATE, POD_DELETE, SKIPPED, Plugin, unschedulable

REASON = "node(s) didn't have free ports for the requested pod ports"
ALL = "0.0.0.0"


def conflicts(used: dict, ip: str, protocol: str, port: int) -> bool:
    """HostPortInfo.CheckConflict over ``used`` = {(hostIP, protocol, port): count}."""
    if ip == ALL:
        return any(p == protocol and n == port for (_, p, n) in used)
    return (ALL, protocol, port) in used or (ip, protocol, port) in used


class NodePorts(Plugin):
    name = "NodePorts"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE, POD_DELETE})

    def pre_filter(self, state, pod, nodes):
        if not state.pod_info.host_ports:
            return SKIPPED                 # nothing to check for a Pod without hostPorts
        return None

    def filter(self, state, pod, node_info):
        used = node_info.used_ports
        if used and any(conflicts(used, *want) for want in state.pod_info.host_ports):
            return unschedulable(REASON)
        return None
