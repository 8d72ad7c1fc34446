"""kube-scheduler's in-tree plugins that kubesim implements, one module each.

``REGISTRY`` maps each plugin's name to its class (framework/plugins/registry.go); a
profile builds its plugins from it, with the arguments of its ``pluginConfig``.
"""
from .default_preemption import DefaultPreemption
from .image_locality import ImageLocality
from .inter_pod_affinity import InterPodAffinity
from .node_affinity import NodeAffinity
from .node_name import NodeName
from .node_ports import NodePorts
from .node_resources_balanced_allocation import NodeResourcesBalancedAllocation
from .node_resources_fit import NodeResourcesFit
from .node_unschedulable import NodeUnschedulable
from .pod_topology_spread import PodTopologySpread
from .taint_toleration import TaintToleration

REGISTRY = {cls.name: cls for cls in (
    NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
    PodTopologySpread, InterPodAffinity, DefaultPreemption, NodeResourcesBalancedAllocation,
    ImageLocality)}

__all__ = ["DefaultPreemption", "ImageLocality", "InterPodAffinity", "NodeAffinity", "NodeName",
           "NodePorts", "NodeResourcesBalancedAllocation", "NodeResourcesFit",
           "NodeUnschedulable", "PodTopologySpread", "REGISTRY", "TaintToleration"]
