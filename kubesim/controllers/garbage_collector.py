"""The garbage collector: delete what lost its owner (pkg/controller/garbagecollector).

Objects point at their owners with ``metadata.ownerReferences``.  When an owner is gone,
its dependents are deleted too (``propagationPolicy: Background``, kubectl's default).
With ``Foreground`` the owner waits, marked with the ``foregroundDeletion`` finalizer,
until its dependents are gone; with ``Orphan`` the dependents lose their ownerReference
and stay.
"""
from __future__ import annotations

from ..errors import StatusError
from ..util import deep_copy
from .base import Controller

#: Resources whose objects may own or be owned, in the order owners come before dependents.
TRACKED = ("deployments", "replicasets", "pods")


class GarbageCollector(Controller):
    name = "garbage-collector-controller"

    def __init__(self, manager):
        super().__init__(manager)
        self.by_uid: dict[str, tuple[str, dict]] = {}            # uid -> (resource, object)
        self.dependents: dict[str, dict[str, tuple[str, dict]]] = {}  # owner uid -> {key: dep}
        for resource in TRACKED:
            self.informer(resource).add_handlers(
                on_add=lambda o, r=resource: self._changed(r, o),
                on_update=lambda old, new, r=resource: self._changed(r, new),
                on_delete=lambda o, r=resource: self._deleted(r, o))

    def _uids(self) -> dict[str, tuple[str, dict]]:
        return self.by_uid

    def _track(self, resource: str, obj: dict, remove: bool = False) -> None:
        """Index objects by uid, and dependents by owner uid (the GC's dependency graph)."""
        meta = obj["metadata"]
        key = self._key(resource, obj)
        if remove:
            self.by_uid.pop(meta["uid"], None)
        else:
            self.by_uid[meta["uid"]] = (resource, obj)
        for ref in meta.get("ownerReferences") or []:
            bucket = self.dependents.setdefault(ref["uid"], {})
            if remove:
                bucket.pop(key, None)
            else:
                bucket[key] = (resource, obj)

    def _key(self, resource: str, obj: dict) -> str:
        meta = obj["metadata"]
        return f"{resource}|{meta.get('namespace', '')}|{meta['name']}"

    def _changed(self, resource: str, obj: dict) -> None:
        self._track(resource, obj)
        meta = obj["metadata"]
        if meta.get("ownerReferences"):
            self.queue.add(self._key(resource, obj))
        if meta.get("deletionTimestamp") and \
                {"foregroundDeletion", "orphan"} & set(meta.get("finalizers") or []):
            self.queue.add(self._key(resource, obj))

    def _deleted(self, resource: str, obj: dict) -> None:
        self._track(resource, obj, remove=True)
        uid = obj["metadata"]["uid"]
        for dep_resource, dep in list(self.dependents.get(uid, {}).values()):
            self.queue.add(self._key(dep_resource, dep))
        # A foreground-deleting owner may be waiting for this dependent.
        for ref in obj["metadata"].get("ownerReferences") or []:
            owner = self._uids().get(ref.get("uid"))
            if owner:
                self.queue.add(self._key(*owner))

    def reconcile(self, key: str):
        resource, ns, name = key.split("|")
        obj = self.informer(resource).get(f"{ns}/{name}" if ns else name)
        if obj is None:
            return
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and "foregroundDeletion" in finalizers:
            yield from self._foreground(resource, obj)
            return
        if meta.get("deletionTimestamp") and "orphan" in finalizers:
            yield from self._orphan(resource, obj)
            return
        refs = meta.get("ownerReferences") or []
        if not refs:
            return
        uids = self._uids()
        alive = [r for r in refs if r.get("uid") in uids]
        if alive or meta.get("deletionTimestamp"):
            return
        # Every owner is gone: collect this dependent (background propagation).
        try:
            yield self.client.delete(resource, name, namespace=ns or None,
                                     propagation="Background")
            self.manager.record(f"garbage collector deleted {resource}/{name} (owner gone)",
                                controller=self.name)
        except StatusError as err:
            if err.reason != "NotFound":
                raise

    def _dependents(self, uid: str) -> list[tuple[str, dict]]:
        return [self.dependents[uid][k] for k in sorted(self.dependents.get(uid, {}))]

    def _foreground(self, resource: str, owner: dict):
        deps = self._dependents(owner["metadata"]["uid"])
        if deps:
            for dep_resource, dep in deps:
                if not dep["metadata"].get("deletionTimestamp"):
                    yield self.client.delete(dep_resource, dep["metadata"]["name"],
                                             namespace=dep["metadata"].get("namespace"),
                                             propagation="Foreground")
            return
        yield from self._drop_finalizer(resource, owner, "foregroundDeletion")

    def _orphan(self, resource: str, owner: dict):
        uid = owner["metadata"]["uid"]
        for dep_resource, dep in self._dependents(uid):
            refs = [r for r in dep["metadata"]["ownerReferences"] if r.get("uid") != uid]
            yield self.client.patch(dep_resource, dep["metadata"]["name"],
                                    {"metadata": {"ownerReferences": refs or None}},
                                    namespace=dep["metadata"].get("namespace"))
        yield from self._drop_finalizer(resource, owner, "orphan")

    def _drop_finalizer(self, resource: str, owner: dict, finalizer: str):
        updated = deep_copy(owner)
        updated["metadata"]["finalizers"] = [f for f in owner["metadata"]["finalizers"]
                                             if f != finalizer]
        try:
            yield self.client.update(resource, updated)
        except StatusError as err:
            if err.reason != "NotFound":
                raise
