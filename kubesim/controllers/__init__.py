"""kube-controller-manager and its controllers (one module per controller)."""
from .base import Controller
from .manager import ControllerManager

__all__ = ["Controller", "ControllerManager"]
