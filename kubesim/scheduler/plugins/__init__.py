"""kube-scheduler's in-tree plugins kubesim implements (one module each)."""
from .node_name import NodeName
from .node_resources_balanced_allocation import NodeResourcesBalancedAllocation
from .node_resources_fit import NodeResourcesFit
from .node_unschedulable import NodeUnschedulable
from .taint_toleration import TaintToleration

__all__ = ["NodeName", "NodeResourcesBalancedAllocation", "NodeResourcesFit",
           "NodeUnschedulable", "TaintToleration"]
