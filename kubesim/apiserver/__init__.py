"""kube-apiserver: the only entrance to the cluster (see :mod:`.server`)."""
from .server import APIServer, request_path

__all__ = ["APIServer", "request_path"]
