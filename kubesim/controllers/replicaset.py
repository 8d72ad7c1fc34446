"""The ReplicaSet controller: keep ``spec.replicas`` Pods running (pkg/controller/replicaset).

``reconcile`` counts the active Pods the ReplicaSet controls and creates or deletes the
difference, then writes ``status``.  Creations go out in *slow-start* batches (1, 2, 4,
8 …) so a broken template fails once, not 500 times; *expectations* remember how many
creations/deletions are still on their way through the watch, so the controller does
not act twice on a stale cache.
"""
from __future__ import annotations

from ..api.podutil import controller_ref, is_pod_active, is_pod_available, is_pod_ready
from ..errors import StatusError
from ..util import deep_copy
from .active_pods import pods_to_delete
from .base import Controller

BURST_REPLICAS = 500          # replica_set.go: BurstReplicas
SLOW_START_INITIAL_BATCH = 1  # controller_utils.go: SlowStartInitialBatchSize
EXPECTATIONS_TTL = 300.0      # controller_utils.go: ExpectationsTimeout (5 minutes)

class ReplicaSetController(Controller):
    name = "replicaset-controller"
    workers = 2

    def __init__(self, manager):
        super().__init__(manager)
        self.expectations: dict[str, dict] = {}
        self.pods_by_owner: dict[str, dict[str, tuple]] = {}  # owner uid -> {key: entry}
        self.counts: dict[str, list] = {}                     # owner uid -> [n, labeled, ready]
        rs = self.informer("replicasets")
        rs.add_handlers(on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                        on_delete=self.enqueue)
        pods = self.informer("pods")
        pods.add_handlers(on_add=self._pod_added, on_update=self._pod_updated,
                          on_delete=self._pod_deleted)

    # ------------------------------------------------------------------ event handlers
    def _owner_key(self, pod: dict) -> str | None:
        ref = controller_ref(pod)
        if ref and ref.get("kind") == "ReplicaSet":
            return f"{pod['metadata']['namespace']}/{ref['name']}"
        return None

    def _index(self, pod: dict, remove: bool = False) -> None:
        """Keep active Pods indexed by their controller's uid (a client-go Indexer).

        Each entry is ``(pod, fully_labeled, ready)``, computed once per Pod version, and
        ``counts[uid]`` keeps their sums so writing status does not re-read every Pod.
        """
        ref = controller_ref(pod)
        if not ref:
            return
        uid = ref["uid"]
        bucket = self.pods_by_owner.setdefault(uid, {})
        counts = self.counts.setdefault(uid, [0, 0, 0])
        pod_key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        old = bucket.pop(pod_key, None)
        if old is not None:
            counts[0] -= 1
            counts[1] -= old[1]
            counts[2] -= old[2]
        if remove or not is_pod_active(pod):
            return
        rs = self.informer("replicasets").get(f"{pod['metadata']['namespace']}/{ref['name']}")
        labels = ((rs or {}).get("spec", {}).get("template", {}).get("metadata") or {}).get("labels") or {}
        pod_labels = pod["metadata"].get("labels") or {}
        entry = (pod, all(pod_labels.get(k) == v for k, v in labels.items()), is_pod_ready(pod))
        bucket[pod_key] = entry
        counts[0] += 1
        counts[1] += entry[1]
        counts[2] += entry[2]

    def _pod_added(self, pod: dict) -> None:
        self._index(pod)
        key = self._owner_key(pod)
        if key:
            self._observe(key, "add")
            self.queue.add(key)

    def _pod_updated(self, old: dict, new: dict) -> None:
        self._index(new)
        key = self._owner_key(new)
        if key:
            if new["metadata"].get("deletionTimestamp") and not old["metadata"].get("deletionTimestamp"):
                self._observe(key, "del")
            self.queue.add(key)

    def _pod_deleted(self, pod: dict) -> None:
        self._index(pod, remove=True)
        key = self._owner_key(pod)
        if key:
            if not pod["metadata"].get("deletionTimestamp"):
                self._observe(key, "del")
            self.queue.add(key)

    def _observe(self, key: str, what: str) -> None:
        exp = self.expectations.get(key)
        if exp and exp[what] > 0:
            exp[what] -= 1

    def _satisfied(self, key: str) -> bool:
        exp = self.expectations.get(key)
        if exp is None:
            return True
        if exp["add"] <= 0 and exp["del"] <= 0:
            return True
        return self.env.now - exp["since"] > EXPECTATIONS_TTL

    # ------------------------------------------------------------------ reconcile
    def reconcile(self, key: str):
        rs = self.informer("replicasets").get(key)
        if rs is None:
            self.expectations.pop(key, None)
            return
        uid = rs["metadata"]["uid"]
        owned = self.pods_by_owner.get(uid, {})
        want = rs["spec"].get("replicas", 1)
        if len(owned) != want and self._satisfied(key) and not rs["metadata"].get("deletionTimestamp"):
            pods = [owned[k][0] for k in sorted(owned)]
            yield from self._manage(key, rs, pods)
        yield from self._update_status(rs, owned)

    def _manage(self, key: str, rs: dict, pods: list):
        want = rs["spec"].get("replicas", 1)
        diff = len(pods) - want
        if diff < 0:
            count = min(-diff, BURST_REPLICAS)
            self.expectations[key] = {"add": count, "del": 0, "since": self.env.now}
            created = yield from self._slow_start(rs, count)
            skipped = count - created
            if skipped:
                self.expectations[key]["add"] -= skipped
        elif diff > 0:
            count = min(diff, BURST_REPLICAS)
            victims = pods_to_delete(pods, self._related_pods(rs), count, self.env.now)
            self.expectations[key] = {"add": 0, "del": count, "since": self.env.now}
            # All victims are deleted in parallel (manageReplicas: one goroutine per Pod).
            calls = [(pod, self.client.delete("pods", pod["metadata"]["name"],
                                              namespace=pod["metadata"]["namespace"]))
                     for pod in victims]
            failed = None
            for pod, call in calls:
                try:
                    yield call
                    self.recorder.event(rs, "Normal", "SuccessfulDelete",
                                        f"Deleted pod: {pod['metadata']['name']}")
                except StatusError as err:
                    self._observe(key, "del")
                    if err.reason != "NotFound":
                        failed = err
            if failed is not None:
                raise failed

    def _related_pods(self, rs: dict) -> list[dict]:
        """Active Pods of every ReplicaSet with the same controller (getIndirectlyRelatedPods):
        for a Deployment's ReplicaSet, the Pods of all its revisions."""
        owner = (controller_ref(rs) or {}).get("uid")
        if owner is None:
            siblings = [rs]
        else:
            siblings = [other for other in self.informer("replicasets").list()
                        if other["metadata"]["namespace"] == rs["metadata"]["namespace"]
                        and (controller_ref(other) or {}).get("uid") == owner]
        return [entry[0] for other in siblings
                for entry in self.pods_by_owner.get(other["metadata"]["uid"], {}).values()]

    def _slow_start(self, rs: dict, count: int):
        """Create ``count`` Pods in batches of 1, 2, 4 … ; stop at the first failed batch."""
        created, batch = 0, min(count, SLOW_START_INITIAL_BATCH)
        while created < count and batch > 0:
            events = [self.client.create("pods", self._new_pod(rs),
                                         namespace=rs["metadata"]["namespace"])
                      for _ in range(batch)]
            failed = None
            for ev in events:
                try:
                    pod = yield ev
                    self.recorder.event(rs, "Normal", "SuccessfulCreate",
                                        f"Created pod: {pod['metadata']['name']}")
                    created += 1
                except StatusError as err:
                    failed = err
                    self.recorder.event(rs, "Warning", "FailedCreate",
                                        f"Error creating: {err.status_message}")
            if failed is not None:
                return created
            batch = min(2 * batch, count - created)
        return created

    def _new_pod(self, rs: dict) -> dict:
        template = deep_copy(rs["spec"]["template"])
        meta = template.get("metadata") or {}
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"generateName": rs["metadata"]["name"] + "-",
                             "namespace": rs["metadata"]["namespace"],
                             "labels": meta.get("labels", {}),
                             **({"annotations": meta["annotations"]} if meta.get("annotations") else {}),
                             "ownerReferences": [{
                                 "apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": rs["metadata"]["name"], "uid": rs["metadata"]["uid"],
                                 "controller": True, "blockOwnerDeletion": True}]},
                "spec": template["spec"]}

    def _update_status(self, rs: dict, owned: dict):
        """Write status from the owned Pods' index entries (see :meth:`_index`)."""
        min_ready = rs["spec"].get("minReadySeconds", 0)
        status = dict(rs.get("status") or {})
        replicas, labeled, ready = self.counts.get(rs["metadata"]["uid"], (0, 0, 0))
        if min_ready:
            available = sum(1 for p, _, r in owned.values()
                            if r and is_pod_available(p, min_ready, self.env.now))
        else:
            available = ready
        new = {
            "replicas": replicas,
            "fullyLabeledReplicas": labeled,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        # Kubernetes omits zero counts (omitempty) except replicas.
        new = {k: v for k, v in new.items() if v or k == "replicas"}
        if {k: status.get(k) for k in new} == new and set(status) <= set(new) | {"conditions"}:
            return
        updated = deep_copy(rs)
        updated["status"] = {**{k: v for k, v in status.items() if k == "conditions"}, **new}
        yield self.client.update("replicasets", updated, subresource="status")
        # Pods that become available after minReadySeconds need another look.
        if min_ready and new.get("readyReplicas", 0) != new.get("availableReplicas", 0):
            self.queue.add_after(f"{rs['metadata']['namespace']}/{rs['metadata']['name']}", min_ready)
