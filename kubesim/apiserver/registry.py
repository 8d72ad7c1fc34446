"""Per-kind storage rules of the API server (k8s.io/kubernetes pkg/registry/*/strategy.go).

* where an object lives in etcd (``/registry/deployments/default/web-app``; nodes are
  ``minions`` and services ``services/specs`` for historical reasons),
* what a create or update may change: the main resource ignores ``status``, the
  ``/status`` subresource ignores everything but ``status``, and ``metadata.generation``
  goes up only when the spec changes (PrepareForCreate / PrepareForUpdate).
"""
from __future__ import annotations

from ..api.resources import ResourceType

# pkg/registry/*/storage: the etcd prefix of each resource when it differs from the plural.
_ETCD_PREFIX = {"nodes": "minions", "services": "services/specs"}

#: Kinds with a status subresource: writes to the main resource keep the stored status.
HAS_STATUS = {"Pod", "Node", "Namespace", "Service", "Deployment", "ReplicaSet",
              "ResourceQuota"}

#: Kinds whose metadata.generation tracks spec changes.
HAS_GENERATION = {"Deployment", "ReplicaSet", "NetworkPolicy", "PriorityClass"}


def etcd_prefix(rt: ResourceType, namespace: str | None = None) -> str:
    """The etcd key prefix for a resource (and namespace)."""
    base = f"/registry/{_ETCD_PREFIX.get(rt.plural, rt.plural)}/"
    if rt.namespaced and namespace:
        return f"{base}{namespace}/"
    return base


def etcd_key(rt: ResourceType, namespace: str | None, name: str) -> str:
    """The etcd key of one object."""
    if rt.namespaced:
        return f"{etcd_prefix(rt)}{namespace}/{name}"
    return f"{etcd_prefix(rt)}{name}"


def prepare_for_create(rt: ResourceType, obj: dict) -> None:
    """Reset what a client may not set on create (status, generation)."""
    if rt.kind in HAS_STATUS and rt.kind not in ("Namespace",):
        # Pods and Nodes start with the status the client sent only for nodes (kubelet
        # registers with status); everything else starts empty.
        if rt.kind == "Pod":
            # pkg/registry/core/pod/strategy.go PrepareForCreate
            from ..api.objects import qos_class
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
        elif rt.kind != "Node":
            obj["status"] = {}
    if rt.kind in HAS_GENERATION:
        obj["metadata"]["generation"] = 1


def prepare_for_update(rt: ResourceType, new: dict, old: dict, subresource: str) -> None:
    """Carry over what this write may not change, and bump generation on spec changes."""
    if subresource == "status":
        # Only status changes: everything else comes from the stored object.
        for key in list(new):
            if key not in ("status", "metadata", "apiVersion", "kind"):
                del new[key]
        for key, value in old.items():
            if key not in ("status", "metadata"):
                new[key] = value
        keep = ("labels", "annotations", "ownerReferences", "finalizers")
        for key in keep:
            if key in old["metadata"]:
                new["metadata"][key] = old["metadata"][key]
            else:
                new["metadata"].pop(key, None)
    elif rt.kind in HAS_STATUS and "status" in old:
        new["status"] = old["status"]
    # Server-owned metadata never changes through an update.
    for key in ("uid", "creationTimestamp", "generation", "deletionTimestamp",
                "deletionGracePeriodSeconds"):
        if key in old["metadata"]:
            new["metadata"][key] = old["metadata"][key]
        else:
            new["metadata"].pop(key, None)
    if rt.kind in HAS_GENERATION and subresource != "status":
        if new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
