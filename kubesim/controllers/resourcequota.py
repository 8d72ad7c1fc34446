"""The ResourceQuota controller: recount what each namespace uses (pkg/controller/resourcequota).

The ResourceQuota *admission plugin* charges every new object to ``status.used`` as it is
created; nothing there ever gives usage back. This controller does: it recounts
``status.used`` from the objects that exist, and copies ``spec.hard`` into ``status.hard``
(which is what admission enforces — a brand-new quota limits nothing until this
controller has filled in its status).

It recounts a quota when it is created or its ``spec.hard`` changes, when an object it
counts is deleted or a Pod stops counting (it finished, or its deletion grace period ran
out: ``kubesim/quota.py`` ``pod_counts``) — the *replenishment* — and every 5 minutes
(``--resource-quota-sync-period``).
"""
from __future__ import annotations

from ..api.resources import RESOURCE_TYPES, for_kind
from ..quota import LEGACY_COUNTS, POD_RESOURCES, count_name, pod_counts, recount
from ..util import deep_copy
from .base import Controller

RESYNC_PERIOD = 300.0


def resource_for(name: str):
    """The resource type a quota resource name counts (``requests.cpu`` -> Pods)."""
    if name in POD_RESOURCES:
        return for_kind("Pod")
    for rt in RESOURCE_TYPES:
        if name == count_name(rt) or (not rt.group and LEGACY_COUNTS.get(rt.plural) == name):
            return rt
    return None


class ResourceQuotaController(Controller):
    name = "resourcequota-controller"

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("resourcequotas").add_handlers(
            on_add=self.enqueue,
            on_update=lambda old, new: self.enqueue(new) if (old.get("spec") or {}).get("hard") !=
            (new.get("spec") or {}).get("hard") else None)
        self.informer("pods").add_handlers(on_update=self._pod_updated, on_delete=self._replenish)
        self._replenishing = {"pods"}     # resources whose deletions trigger a recount
        self.manager.run(self._resync())

    def _quotas_of(self, namespace: str) -> list[str]:
        return [k for k in sorted(self.informer("resourcequotas").store) if k.startswith(namespace + "/")]

    def _replenish(self, obj: dict) -> None:
        """An object went away: recount the quotas of its namespace."""
        for key in self._quotas_of(obj["metadata"].get("namespace") or ""):
            self.queue.add(key)

    def _pod_updated(self, old: dict, new: dict) -> None:
        now = self.env.now
        if pod_counts(old, now) and not pod_counts(new, now):
            self._replenish(new)

    def _resync(self):
        while True:
            yield self.env.timeout(RESYNC_PERIOD)
            for key in sorted(self.informer("resourcequotas").store):
                self.queue.add(key)

    def reconcile(self, key: str):
        quota = self.informer("resourcequotas").get(key)
        if quota is None:
            return
        ns = quota["metadata"]["namespace"]
        objects = {}
        for name in (quota.get("spec") or {}).get("hard") or {}:
            rt = resource_for(name)
            if rt is None or rt in objects:
                continue
            inf = self.informer(rt.plural)
            if rt.plural not in self._replenishing:
                self._replenishing.add(rt.plural)
                inf.add_handlers(on_delete=self._replenish)
            if not inf.started:           # a resource no controller watched so far
                inf.start()
            yield inf.synced
            objects[rt] = [o for o in inf.list() if o["metadata"].get("namespace") == ns]
        status = {"hard": dict((quota.get("spec") or {}).get("hard") or {}),
                  "used": recount(quota, objects, self.env.now)}
        if status == quota.get("status"):
            return
        updated = deep_copy(quota)
        updated["status"] = status
        yield self.client.update("resourcequotas", updated, subresource="status")
