"""The Deployment controller: ReplicaSets per template, rolled from old to new (pkg/controller/deployment).

For each Deployment ``reconcile``:

1. finds the ReplicaSets it owns and the *new* one — whose Pod template equals the
   Deployment's (the ``pod-template-hash`` label names it), creating it if needed;
2. for ``RollingUpdate`` scales the new one up by at most ``maxSurge`` above
   ``replicas`` (rounded up) and old ones down while at least ``replicas − maxUnavailable``
   (rounded down) Pods stay available; for ``Recreate`` scales old ones to 0 first;
3. keeps ``revisionHistoryLimit`` old ReplicaSets for rollback and writes ``status``
   (replicas, updatedReplicas, availableReplicas, the Available/Progressing conditions).
"""
from __future__ import annotations

import json
import math

from ..api import clock
from ..api.podutil import controller_ref
from ..rand import NAME_ALPHABET
from ..util import deep_copy
from .base import Controller

REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def pod_template_hash(template: dict, collision_count: int = 0) -> str:
    """controller.ComputeHash: FNV-32a of the template, encoded with SafeEncodeString."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return "".join(NAME_ALPHABET[ord(ch) % len(NAME_ALPHABET)] for ch in str(fnv32a(data)))


def scaled_value(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: ``"25%"`` of ``total`` or a plain count."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        exact = int(text[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text)


def surge_and_unavailable(deployment: dict) -> tuple[int, int]:
    """ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 → unavailable 1."""
    replicas = deployment["spec"].get("replicas", 1)
    ru = deployment["spec"].get("strategy", {}).get("rollingUpdate") or {}
    surge = scaled_value(ru.get("maxSurge", "25%"), replicas, True)
    unavailable = scaled_value(ru.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _template_without_hash(template: dict) -> dict:
    t = deep_copy(template)
    labels = (t.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return t


class DeploymentController(Controller):
    name = "deployment-controller"
    workers = 2

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("deployments").add_handlers(
            on_add=self.enqueue, on_update=lambda o, n: self.enqueue(n), on_delete=self.enqueue)
        self.informer("replicasets").add_handlers(
            on_add=self._rs_changed, on_update=lambda o, n: self._rs_changed(n),
            on_delete=self._rs_changed)
        self.informer("pods").add_handlers(on_delete=self._pod_deleted)

    def _rs_changed(self, rs: dict) -> None:
        ref = controller_ref(rs)
        if ref and ref.get("kind") == "Deployment":
            self.queue.add(f"{rs['metadata']['namespace']}/{ref['name']}")

    def _pod_deleted(self, pod: dict) -> None:
        # Recreate waits for old Pods to be gone.
        ref = controller_ref(pod)
        if ref and ref.get("kind") == "ReplicaSet":
            rs = self.informer("replicasets").get(f"{pod['metadata']['namespace']}/{ref['name']}")
            if rs:
                self._rs_changed(rs)

    # ------------------------------------------------------------------ reconcile
    def reconcile(self, key: str):
        d = self.informer("deployments").get(key)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        d = deep_copy(d)
        all_rs = self._owned_replicasets(d)
        new_rs = self._find_new(d, all_rs)
        old = [rs for rs in all_rs if rs is not new_rs]
        if d["spec"].get("paused"):
            yield from self._sync_status(d, all_rs, new_rs)
            return
        if new_rs is None and not self._recreate_waiting(d, old):
            new_rs = yield from self._create_new(d, old)
            all_rs = all_rs + [new_rs]
        elif new_rs is not None:
            new_rs = yield from self._sync_revision(d, new_rs, old)
        if d["spec"].get("strategy", {}).get("type") == "Recreate":
            yield from self._recreate(d, new_rs, old)
        else:
            yield from self._rolling(d, new_rs, old)
        yield from self._cleanup(d, old)
        all_rs = self._owned_replicasets(d)
        new_rs = self._find_new(d, all_rs)
        yield from self._sync_status(d, all_rs, new_rs)

    def _owned_replicasets(self, d: dict) -> list[dict]:
        uid = d["metadata"]["uid"]
        return [rs for rs in self.informer("replicasets").list()
                if rs["metadata"]["namespace"] == d["metadata"]["namespace"]
                and (controller_ref(rs) or {}).get("uid") == uid]

    def _find_new(self, d: dict, all_rs: list[dict]):
        want = _template_without_hash(d["spec"]["template"])
        matches = [rs for rs in all_rs if _template_without_hash(rs["spec"]["template"]) == want]
        matches.sort(key=lambda rs: rs["metadata"]["creationTimestamp"])
        return matches[0] if matches else None

    @staticmethod
    def _revision(rs: dict) -> int:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))

    def _recreate_waiting(self, d: dict, old: list[dict]) -> bool:
        """Recreate starts new Pods only once every old Pod is gone (recreate.go oldPodsRunning:
        a terminating Pod still counts until it has really stopped)."""
        if d["spec"].get("strategy", {}).get("type") != "Recreate":
            return False
        if any(rs.get("status", {}).get("replicas", 0) for rs in old):
            return True
        old_uids = {rs["metadata"]["uid"] for rs in old}
        return any((controller_ref(p) or {}).get("uid") in old_uids
                   and p.get("status", {}).get("phase") not in ("Failed", "Succeeded")
                   for p in self.informer("pods").list()
                   if p["metadata"]["namespace"] == d["metadata"]["namespace"])

    def _create_new(self, d: dict, old: list[dict]):
        ns = d["metadata"]["namespace"]
        template = deep_copy(d["spec"]["template"])
        h = pod_template_hash(template, d.get("status", {}).get("collisionCount", 0))
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = h
        selector = deep_copy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[HASH_LABEL] = h
        revision = max([self._revision(rs) for rs in old] + [0]) + 1
        replicas = self._new_replicas(d, None, old)
        surge, _ = surge_and_unavailable(d)
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": f"{d['metadata']['name']}-{h}", "namespace": ns,
                           "labels": dict(template["metadata"]["labels"]),
                           "annotations": {REVISION: str(revision),
                                           DESIRED: str(d["spec"].get("replicas", 1)),
                                           MAX_REPLICAS: str(d["spec"].get("replicas", 1) + surge)},
                           "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                                "name": d["metadata"]["name"],
                                                "uid": d["metadata"]["uid"],
                                                "controller": True, "blockOwnerDeletion": True}]},
              "spec": {"replicas": replicas, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                       "selector": selector, "template": template}}
        created = yield self.client.create("replicasets", rs, namespace=ns)
        self.recorder.event(d, "Normal", "ScalingReplicaSet",
                            f"Scaled up replica set {rs['metadata']['name']} from 0 to {replicas}")
        return created

    def _sync_revision(self, d: dict, new_rs: dict, old: list[dict]):
        """A rolled-back template's ReplicaSet gets the next revision number."""
        top = max([self._revision(rs) for rs in old] + [0])
        if self._revision(new_rs) > top:
            return new_rs
        rs = deep_copy(new_rs)
        rs["metadata"].setdefault("annotations", {})[REVISION] = str(top + 1)
        return (yield self.client.update("replicasets", rs))

    def _new_replicas(self, d: dict, new_rs, old: list[dict]) -> int:
        """NewRSNewReplicas: how big the new ReplicaSet may be right now."""
        replicas = d["spec"].get("replicas", 1)
        if d["spec"].get("strategy", {}).get("type") == "Recreate":
            return replicas
        current_new = new_rs["spec"].get("replicas", 0) if new_rs else 0
        if not old:
            return replicas
        surge, _ = surge_and_unavailable(d)
        total = sum(rs["spec"].get("replicas", 0) for rs in old) + current_new
        if total >= replicas + surge:
            return current_new
        return current_new + min(replicas + surge - total, max(0, replicas - current_new))

    def _scale(self, d: dict, rs: dict, replicas: int):
        if rs["spec"].get("replicas", 0) == replicas:
            return rs
        before = rs["spec"].get("replicas", 0)
        updated = deep_copy(rs)
        updated["spec"]["replicas"] = replicas
        surge, _ = surge_and_unavailable(d)
        ann = updated["metadata"].setdefault("annotations", {})
        ann[DESIRED] = str(d["spec"].get("replicas", 1))
        ann[MAX_REPLICAS] = str(d["spec"].get("replicas", 1) + surge)
        result = yield self.client.update("replicasets", updated)
        verb = "up" if replicas > before else "down"
        self.recorder.event(d, "Normal", "ScalingReplicaSet",
                            f"Scaled {verb} replica set {rs['metadata']['name']} from {before} to {replicas}")
        return result

    # ------------------------------------------------------------------ strategies
    def _rolling(self, d: dict, new_rs, old: list[dict]):
        replicas = d["spec"].get("replicas", 1)
        if new_rs is not None:
            target = self._new_replicas(d, new_rs, old)
            if not old:
                target = replicas
            if target != new_rs["spec"].get("replicas", 0):
                # rolloutRolling: after scaling up, sync status and stop; scale down on a later
                # pass, from fresh ReplicaSet statuses.
                yield from self._scale(d, new_rs, target)
                return
        if not old:
            return
        # reconcileOldReplicaSets (rolling.go)
        _, max_unavailable = surge_and_unavailable(d)
        min_available = replicas - max_unavailable
        all_pods = sum(rs["spec"].get("replicas", 0) for rs in old) + \
            (new_rs["spec"].get("replicas", 0) if new_rs else 0)
        new_unavailable = 0
        if new_rs is not None:
            new_unavailable = new_rs["spec"].get("replicas", 0) - settled_available(new_rs)
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return
        old = sorted(old, key=lambda rs: rs["metadata"]["creationTimestamp"])
        # 1. cleanupUnhealthyReplicas: old Pods that are not available go first.
        for i, rs in enumerate(old):
            if max_scaled_down <= 0:
                break
            spec = rs["spec"].get("replicas", 0)
            unhealthy = spec - settled_available(rs)
            if spec == 0 or unhealthy <= 0:
                continue
            cut = min(max_scaled_down, unhealthy)
            old[i] = yield from self._scale(d, rs, spec - cut)
            max_scaled_down -= cut
        # 2. scaleDownOldReplicaSetsForRollingUpdate: keep min_available available.
        available = sum(settled_available(rs) for rs in old) + \
            (settled_available(new_rs) if new_rs else 0)
        budget = available - min_available
        for rs in old:
            if budget <= 0:
                break
            spec = rs["spec"].get("replicas", 0)
            if spec == 0:
                continue
            cut = min(spec, budget)
            yield from self._scale(d, rs, spec - cut)
            budget -= cut

    def _recreate(self, d: dict, new_rs, old: list[dict]):
        for rs in old:
            if rs["spec"].get("replicas", 0):
                yield from self._scale(d, rs, 0)
        if new_rs is not None and not self._recreate_waiting(d, old):
            yield from self._scale(d, new_rs, d["spec"].get("replicas", 1))

    def _cleanup(self, d: dict, old: list[dict]):
        """Delete the oldest empty ReplicaSets beyond revisionHistoryLimit."""
        limit = d["spec"].get("revisionHistoryLimit", 10)
        empty = [rs for rs in old if rs["spec"].get("replicas", 0) == 0
                 and not rs.get("status", {}).get("replicas", 0)
                 and not rs["metadata"].get("deletionTimestamp")]
        empty.sort(key=self._revision)
        for rs in empty[:max(0, len(empty) - limit)]:
            yield self.client.delete("replicasets", rs["metadata"]["name"],
                                     namespace=rs["metadata"]["namespace"])

    # ------------------------------------------------------------------ status
    def _sync_status(self, d: dict, all_rs: list[dict], new_rs):
        """Write replicas counts and the Available/Progressing conditions (sync.go, progress.go)."""
        replicas = d["spec"].get("replicas", 1)
        st = lambda rs, k: rs.get("status", {}).get(k, 0)
        available = sum(st(rs, "availableReplicas") for rs in all_rs)
        total = sum(st(rs, "replicas") for rs in all_rs)
        status = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": st(new_rs, "replicas") if new_rs else 0,
            "readyReplicas": sum(st(rs, "readyReplicas") for rs in all_rs),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total - available),
        }
        status = {k: v for k, v in status.items() if v or k == "observedGeneration"}
        old_status = d.get("status", {})
        conditions = deep_copy(old_status.get("conditions", []))
        now = self.env.now
        if available >= replicas - max_unavailable(d):
            set_deployment_condition(conditions, "Available", "True", "MinimumReplicasAvailable",
                                     "Deployment has minimum availability.", now)
        else:
            set_deployment_condition(conditions, "Available", "False", "MinimumReplicasUnavailable",
                                     "Deployment does not have minimum availability.", now)
        prog = next((c for c in conditions if c["type"] == "Progressing"), {})
        if d["spec"].get("paused"):
            # sync.go checkPausedConditions
            set_deployment_condition(conditions, "Progressing", "Unknown", "DeploymentPaused",
                                     "Deployment is paused", now)
        elif prog.get("reason") == "DeploymentPaused":
            set_deployment_condition(conditions, "Progressing", "Unknown", "DeploymentResumed",
                                     "Deployment is resumed", now)
        elif new_rs is not None:
            self._progress(d, conditions, old_status, status, new_rs["metadata"]["name"], now)
        # Keep the order kubectl shows: Available, then Progressing.
        conditions.sort(key=lambda c: {"Available": 0, "Progressing": 1}.get(c["type"], 2))
        status["conditions"] = conditions
        if old_status.get("collisionCount"):
            status["collisionCount"] = old_status["collisionCount"]
        if new_rs is not None and self._revision(new_rs):
            ann = d["metadata"].get("annotations") or {}
            if ann.get(REVISION) != str(self._revision(new_rs)):
                d["metadata"].setdefault("annotations", {})[REVISION] = str(self._revision(new_rs))
                d = yield self.client.update("deployments", d)
        if old_status == status:
            return
        updated = deep_copy(d)
        updated["status"] = status
        yield self.client.update("deployments", updated, subresource="status")

    def _progress(self, d: dict, conditions: list, old: dict, new: dict, rs_name: str, now: float):
        """syncRolloutStatus: is the rollout complete, progressing, or past its deadline?"""
        replicas = d["spec"].get("replicas", 1)
        current = next((c for c in conditions if c["type"] == "Progressing"), None)
        complete = (new.get("updatedReplicas", 0) == replicas and new.get("replicas", 0) == replicas
                    and new.get("availableReplicas", 0) == replicas)
        if current is not None and current.get("reason") == "NewReplicaSetAvailable" and \
                new.get("replicas", 0) == new.get("updatedReplicas", 0):
            return                                   # a finished rollout: nothing to estimate
        deadline = d["spec"].get("progressDeadlineSeconds", 600)
        if complete:
            set_deployment_condition(conditions, "Progressing", "True", "NewReplicaSetAvailable",
                                     f'ReplicaSet "{rs_name}" has successfully progressed.', now)
        elif current is None or _made_progress(old, new):
            # Any progress moves lastUpdateTime, so the deadline counts from the last progress.
            if current is not None:
                conditions.remove(current)
            cond = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                    "message": f'ReplicaSet "{rs_name}" is progressing.',
                    "lastUpdateTime": clock.timestamp(now),
                    "lastTransitionTime": (current or {}).get("lastTransitionTime")
                    if (current or {}).get("status") == "True" else clock.timestamp(now)}
            conditions.append(cond)
            self.queue.add_after(f"{d['metadata']['namespace']}/{d['metadata']['name']}",
                                 deadline + 1)
        elif current.get("reason") != "ProgressDeadlineExceeded":
            since = clock.seconds(current.get("lastUpdateTime") or clock.timestamp(now))
            if now > since + deadline:
                set_deployment_condition(conditions, "Progressing", "False",
                                         "ProgressDeadlineExceeded",
                                         f'ReplicaSet "{rs_name}" has timed out progressing.', now)
                self.recorder.event(d, "Warning", "ProgressDeadlineExceeded",
                                    f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
            else:
                self.queue.add_after(f"{d['metadata']['namespace']}/{d['metadata']['name']}",
                                     since + deadline - now + 1)


def settled_available(rs: dict) -> int:
    """A ReplicaSet's available Pods as they will be once it has acted on its spec.

    ``min(status.availableReplicas, spec.replicas)``: a ReplicaSet scaled down to N keeps at
    most N Pods, and deletes not-ready ones first (``active_pods``).  This is kubesim's one
    deliberate deviation in the rolling update: Kubernetes v1.33 sums
    ``status.availableReplicas`` as read from the informer cache
    (deploymentutil.GetAvailableReplicaCountForReplicaSets, used by
    scaleDownOldReplicaSetsForRollingUpdate).  Right after the controller scales an old
    ReplicaSet down, that status still counts the Pods being deleted, and a second pass in
    that window can scale down twice for the same available Pods — availability then dips
    below ``replicas − maxUnavailable`` for a moment.  Reading its own write closes the
    window; ``bench/rollout_bounds.py`` measures the bounds.
    """
    status = rs.get("status") or {}
    return min(status.get("availableReplicas", 0), rs["spec"].get("replicas", 0))


def max_unavailable(d: dict) -> int:
    """deploymentutil.MaxUnavailable: 0 for Recreate, else the resolved maxUnavailable."""
    replicas = d["spec"].get("replicas", 1)
    if d["spec"].get("strategy", {}).get("type") == "Recreate" or replicas == 0:
        return 0
    return min(surge_and_unavailable(d)[1], replicas)


def _made_progress(old: dict, new: dict) -> bool:
    """deploymentutil.DeploymentProgressing: more updated/ready/available or fewer old Pods."""
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def set_deployment_condition(conditions: list, type_: str, status: str, reason: str,
                             message: str, now: float) -> None:
    """deploymentutil.SetDeploymentCondition: same status and reason -> leave it alone;
    same status -> keep lastTransitionTime; otherwise a fresh condition."""
    stamp = clock.timestamp(now)
    for i, cond in enumerate(conditions):
        if cond["type"] != type_:
            continue
        if cond.get("status") == status and cond.get("reason") == reason:
            return
        transition = cond.get("lastTransitionTime", stamp) if cond.get("status") == status else stamp
        conditions[i] = {"type": type_, "status": status, "reason": reason, "message": message,
                         "lastUpdateTime": stamp, "lastTransitionTime": transition}
        return
    conditions.append({"type": type_, "status": status, "reason": reason, "message": message,
                       "lastUpdateTime": stamp, "lastTransitionTime": stamp})
