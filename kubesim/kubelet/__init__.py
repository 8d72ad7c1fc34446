"""kubelet: the node agent (:mod:`.kubelet`) and its probers (:mod:`.prober`)."""
from .kubelet import Kubelet

__all__ = ["Kubelet"]
