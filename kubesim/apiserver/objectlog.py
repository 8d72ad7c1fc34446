"""One trace record per committed change: the cluster's state history, for figures.

Every time an API server's write is committed by etcd it records an ``object`` record:
``verb`` (ADDED / MODIFIED / DELETED), the object's ``object_kind``, ``namespace``, ``name``,
``rv`` and a small ``state`` — just what timelines need (a Pod's phase, readiness, node
and owner; a ReplicaSet's replicas; a Node's readiness and taints …).  Replaying these
records rebuilds what ``kubectl get`` showed at any moment.
"""
from __future__ import annotations

from ..api.podutil import controller_ref, is_pod_ready


def compact_state(kind: str, obj: dict) -> dict:
    """The few fields of ``obj`` a timeline needs (JSON-friendly, small)."""
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"]
    if kind == "Pod":
        owner = controller_ref(obj) or {}
        waiting = [cs["state"]["waiting"].get("reason") for cs in status.get("containerStatuses") or []
                   if "waiting" in (cs.get("state") or {})]
        return {"phase": status.get("phase"), "ready": is_pod_ready(obj),
                "node": spec.get("nodeName"), "owner": owner.get("name"),
                "terminating": bool(meta.get("deletionTimestamp")),
                "restarts": sum(cs.get("restartCount", 0) for cs in status.get("containerStatuses") or []),
                "waiting": waiting[0] if waiting else None,
                "image": (spec.get("containers") or [{}])[0].get("image")}
    if kind in ("ReplicaSet", "Deployment"):
        return {"replicas": spec.get("replicas"), "ready": status.get("readyReplicas", 0),
                "available": status.get("availableReplicas", 0),
                "updated": status.get("updatedReplicas", 0),
                "owner": (controller_ref(obj) or {}).get("name")}
    if kind == "Node":
        ready = next((c.get("status") for c in status.get("conditions") or []
                      if c.get("type") == "Ready"), None)
        return {"ready": ready, "taints": [f"{t['key']}:{t['effect']}" for t in spec.get("taints") or []]}
    return {}


def record(server, rt, obj: dict, verb: str) -> None:
    """Add the ``object`` trace record for a committed change made by ``server``."""
    meta = obj["metadata"]
    server.sim.trace.add(server.env.now, "object", server.name, "etcd",
                         f"{verb} {rt.plural}/{meta['name']}", verb=verb, object_kind=rt.kind,
                         namespace=meta.get("namespace"), name=meta["name"],
                         rv=meta.get("resourceVersion"), state=compact_state(rt.kind, obj))
