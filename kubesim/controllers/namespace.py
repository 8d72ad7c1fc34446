"""The namespace controller: empty a deleted namespace, then let it go (pkg/controller/namespace).

``kubectl delete namespace x`` only marks it ``Terminating``; this controller deletes
every object inside, then removes the ``kubernetes`` finalizer so the API server can
remove the namespace itself.
"""
from __future__ import annotations

from ..errors import StatusError
from ..util import deep_copy
from .base import Controller

#: Namespaced resources the controller empties, dependents before owners don't matter:
#: the garbage collector and graceful deletion settle the rest.
CONTENT = ("deployments", "replicasets", "pods", "services", "events", "roles", "rolebindings",
           "serviceaccounts", "configmaps", "secrets", "resourcequotas", "limitranges",
           "networkpolicies", "endpointslices", "leases")


class NamespaceController(Controller):
    name = "namespace-controller"

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("namespaces").add_handlers(
            on_add=self.enqueue, on_update=lambda o, n: self.enqueue(n))

    def reconcile(self, key: str):
        ns = self.informer("namespaces").get(key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        remaining = 0
        for resource in CONTENT:
            listing = yield self.client.list(resource, namespace=key)
            for obj in listing["items"]:
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        yield self.client.delete(resource, obj["metadata"]["name"], namespace=key)
                    except StatusError as err:
                        if err.reason != "NotFound":
                            raise
        if remaining:
            self.queue.add_after(key, 2.0)     # check again until the namespace is empty
            return
        updated = deep_copy(ns)
        updated["spec"]["finalizers"] = []
        yield self.client.update("namespaces", updated)
        yield self.client.delete("namespaces", key)
