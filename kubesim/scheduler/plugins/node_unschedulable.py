"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) take no new Pods (plugins/nodeunschedulable)."""
from ..framework import Plugin, Unschedulable

TAINT = "node.kubernetes.io/unschedulable"


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def filter(self, pod, node_info):
        if not node_info.node["spec"].get("unschedulable"):
            return None
        for t in pod["spec"].get("tolerations") or []:
            if t.get("key") in (TAINT, None, "") and t.get("effect") in ("NoSchedule", None, "") \
                    and (t.get("operator") == "Exists" or t.get("key") == TAINT):
                return None
        return Unschedulable(self.name, ["node(s) were unschedulable"], False)
