"""NodeName: a Pod with ``spec.nodeName`` fits only that node (plugins/nodename)."""
from ..framework import Plugin, Unschedulable


class NodeName(Plugin):
    name = "NodeName"

    def filter(self, pod, node_info):
        want = pod["spec"].get("nodeName")
        if want and want != node_info.name:
            return Unschedulable(self.name, ["node(s) didn't match the requested node name"], False)
        return None
