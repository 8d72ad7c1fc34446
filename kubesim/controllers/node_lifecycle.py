"""Node lifecycle and taint-based eviction (pkg/controller/nodelifecycle, pkg/controller/tainteviction).

Every kubelet renews its Lease in ``kube-node-lease`` every 10 s.  Every 5 s this
controller looks at each node's last renewal; after ``node-monitor-grace-period``
without one it marks the node's conditions ``Unknown`` ("Kubelet stopped posting node
status."), marks its Pods not Ready and taints the node
``node.kubernetes.io/unreachable`` (NoSchedule and NoExecute).  Pods that tolerate the
NoExecute taint for ``tolerationSeconds`` (300 s, added by the DefaultTolerationSeconds
admission plugin) are evicted when that time is up; their controllers make replacements
on healthy nodes.

kubesim follows **Kubernetes v1.33**: node-monitor-grace-period is 50 s (it was 40 s
before v1.32).
"""
from __future__ import annotations

from ..api import clock
from ..api.objects import tolerates
from ..api.podutil import set_condition
from ..errors import StatusError
from ..util import deep_copy
from .base import Controller

NODE_MONITOR_PERIOD = 5.0          # --node-monitor-period
NODE_MONITOR_GRACE_PERIOD = 50.0   # --node-monitor-grace-period (v1.32+)
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"

    def __init__(self, manager):
        super().__init__(manager)
        self.scheduled_evictions: dict[str, float] = {}
        self.informer("nodes").add_handlers(on_update=self._node_updated)
        self.informer("leases")
        self.informer("pods").add_handlers(on_add=self._pod_changed,
                                           on_update=lambda o, n: self._pod_changed(n))

    def start(self) -> None:
        super().start()
        self.manager.run(self._monitor())

    def _node_updated(self, old: dict, new: dict) -> None:
        if old["spec"].get("taints") != new["spec"].get("taints"):
            self.queue.add(f"evict|{new['metadata']['name']}")

    def _pod_changed(self, pod: dict) -> None:
        node = pod["spec"].get("nodeName")
        if node:
            self.queue.add(f"evict|{node}")

    # ------------------------------------------------------------------ node health
    def _last_heartbeat(self, node: dict) -> float:
        name = node["metadata"]["name"]
        times = [clock.seconds(node["metadata"]["creationTimestamp"])]
        lease = self.informer("leases").get(f"kube-node-lease/{name}")
        if lease and lease.get("spec", {}).get("renewTime"):
            times.append(clock.seconds(lease["spec"]["renewTime"]))
        for cond in node.get("status", {}).get("conditions") or []:
            if cond["type"] == "Ready" and cond.get("lastHeartbeatTime"):
                times.append(clock.seconds(cond["lastHeartbeatTime"]))
        return max(times)

    def _monitor(self):
        yield self.manager.all_synced()
        while True:
            yield self.env.timeout(NODE_MONITOR_PERIOD)
            for node in self.informer("nodes").list():
                self.queue.add(f"node|{node['metadata']['name']}")

    def reconcile(self, key: str):
        what, name = key.split("|", 1)
        node = self.informer("nodes").get(name)
        if node is None:
            return
        if what == "node":
            yield from self._check_node(node)
        else:
            yield from self._evict(node)

    def _check_node(self, node: dict):
        now = self.env.now
        silent = now - self._last_heartbeat(node) > NODE_MONITOR_GRACE_PERIOD
        ready = next((c for c in node.get("status", {}).get("conditions") or []
                      if c["type"] == "Ready"), None)
        status = ready.get("status") if ready else "Unknown"
        if silent and status != "Unknown":
            updated = deep_copy(node)
            conds = updated["status"].setdefault("conditions", [])
            for ctype in CONDITIONS:
                set_condition(conds, {"type": ctype, "status": "Unknown",
                                      "reason": "NodeStatusUnknown",
                                      "message": "Kubelet stopped posting node status.",
                                      "lastHeartbeatTime": next(
                                          (c.get("lastHeartbeatTime") for c in conds
                                           if c["type"] == ctype), None)}, now)
            yield self.client.update("nodes", updated, subresource="status")
            self.recorder.event(node, "Normal", "NodeNotReady",
                                f"Node {node['metadata']['name']} status is now: NodeNotReady")
            self.manager.record(f"node {node['metadata']['name']} silent for "
                                f"{NODE_MONITOR_GRACE_PERIOD:.0f}s: conditions Unknown",
                                controller=self.name, node=node["metadata"]["name"])
            yield from self._mark_pods_not_ready(node)
            status = "Unknown"
        want = {"Unknown": UNREACHABLE, "False": NOT_READY}.get(status)
        yield from self._set_taints(node, want)

    def _set_taints(self, node: dict, key):
        node = self.informer("nodes").get(node["metadata"]["name"]) or node
        taints = [t for t in node["spec"].get("taints") or []
                  if t["key"] not in (UNREACHABLE, NOT_READY) or t["key"] == key]
        have = {(t["key"], t["effect"]) for t in taints}
        for effect in ("NoSchedule", "NoExecute"):
            if key and (key, effect) not in have:
                taint = {"key": key, "effect": effect}
                if effect == "NoExecute":
                    taint["timeAdded"] = clock.timestamp(self.env.now)
                taints.append(taint)
        if taints == (node["spec"].get("taints") or []):
            return
        updated = deep_copy(node)
        if taints:
            updated["spec"]["taints"] = taints
        else:
            updated["spec"].pop("taints", None)
        yield self.client.update("nodes", updated)
        self.manager.record(f"node {node['metadata']['name']} taints: "
                            + (", ".join(f"{t['key']}:{t['effect']}" for t in taints) or "none"),
                            controller=self.name, node=node["metadata"]["name"])
        self.queue.add(f"evict|{node['metadata']['name']}")

    def _mark_pods_not_ready(self, node: dict):
        name = node["metadata"]["name"]
        for pod in self.informer("pods").list():
            if pod["spec"].get("nodeName") != name:
                continue
            updated = deep_copy(pod)
            conds = updated.setdefault("status", {}).setdefault("conditions", [])
            if set_condition(conds, {"type": "Ready", "status": "False"}, self.env.now):
                try:
                    yield self.client.update("pods", updated, subresource="status")
                except StatusError:
                    pass

    # ------------------------------------------------------------------ taint eviction
    @staticmethod
    def _eviction_time(pod: dict, taints: list[dict], now: float):
        """When the taint manager deletes ``pod`` (None: it tolerates the taints forever).

        An untolerated NoExecute taint evicts at once; otherwise the smallest
        ``tolerationSeconds`` among the matching tolerations counts (getMinTolerationTime).
        """
        used, added = [], now
        for taint in taints:
            matching = [t for t in pod["spec"].get("tolerations") or [] if tolerates(t, taint)]
            if not matching:
                return now
            used += matching
            if taint.get("timeAdded"):
                added = min(added, clock.seconds(taint["timeAdded"]))
        seconds = [t["tolerationSeconds"] for t in used if t.get("tolerationSeconds") is not None]
        if not seconds:
            return None
        return added + max(0, min(seconds))

    def _evict(self, node: dict):
        taints = [t for t in node["spec"].get("taints") or [] if t.get("effect") == "NoExecute"]
        if not taints:
            return
        name = node["metadata"]["name"]
        now = self.env.now
        for pod in self.informer("pods").list():
            if pod["spec"].get("nodeName") != name or pod["metadata"].get("deletionTimestamp"):
                continue
            deadline = self._eviction_time(pod, taints, now)
            if deadline is None:
                continue
            if deadline > now:
                self.queue.add_after(f"evict|{name}", deadline - now + 0.001)
                continue
            pod_key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
            self.recorder.event(pod, "Normal", "TaintManagerEviction",
                                f"Marking for deletion Pod {pod_key}")
            self.manager.record(f"evicting pod {pod_key} from {name}", controller=self.name,
                                node=name, pod=pod_key)
            try:
                yield self.client.delete("pods", pod["metadata"]["name"],
                                         namespace=pod["metadata"]["namespace"])
            except StatusError as err:
                if err.reason != "NotFound":
                    raise
