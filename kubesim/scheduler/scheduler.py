"""kube-scheduler as a simpy component.

It watches Pods and Nodes through the API server, keeps a cache of which Pods sit on
which node, and runs one scheduling cycle at a time for the Pending Pod at the head of
its queue (highest priority first, then oldest).  A chosen node is *assumed* at once
(so the next cycle counts the Pod) and the Binding is sent asynchronously.  A Pod that
fits nowhere gets a ``FailedScheduling`` event and waits — 1 s, doubling up to 10 s —
or until the cluster changes (a node added, a Pod deleted).
"""
from __future__ import annotations

import heapq
import itertools

from ..api import clock
from ..api.podutil import set_condition
from ..client import APIClient
from ..component import Component
from ..errors import StatusError
from ..events import EventRecorder
from ..informers import Informer, key_of
from ..util import deep_copy
from .cycle import default_profile, failure_message, schedule_one
from .framework import NodeInfo
from .resources import using_cache

INITIAL_BACKOFF = 1.0        # podInitialBackoffSeconds
MAX_BACKOFF = 10.0           # podMaxBackoffSeconds
MAX_IN_UNSCHEDULABLE = 300.0  # podMaxInUnschedulablePodsDuration


class Scheduler(Component):
    """The default scheduler (``schedulerName: default-scheduler``)."""

    def __init__(self, sim, name: str, host: str, choose_server, profile=None):
        super().__init__(sim, name, host)
        self.client = APIClient(self, "system:kube-scheduler", (), choose_server)
        self.profile = profile or default_profile()
        self.resource_cache: dict = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        super().start()
        self.client.reset()
        self.recorder = EventRecorder(self, self.client, "default-scheduler")
        self.node_infos: dict[str, NodeInfo] = {}
        self.pod_node: dict[str, str] = {}        # pod key -> node (bound or assumed)
        self.assumed: set[str] = set()
        self.queue: list = []                     # heap of (-priority, created, seq, key)
        self.queued: set[str] = set()
        self.unschedulable: dict[str, float] = {}   # key -> time it failed
        self.attempts: dict[str, int] = {}
        self._seq = itertools.count()
        self._wake = self.env.event()
        self._next_start = 0
        self.resource_cache = {}
        self.nodes = Informer(self, self.client, "nodes").add_handlers(
            *(self._cached(h) for h in (self._node_added, self._node_updated, self._node_deleted)))
        self.pods = Informer(self, self.client, "pods").add_handlers(
            *(self._cached(h) for h in (self._pod_added, self._pod_updated, self._pod_deleted)))
        self.nodes.start()
        self.pods.start()
        self.run(self._loop())

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)

    def _cached(self, handler):
        """Run an informer handler with this scheduler's resource cache active."""
        def run(*args):
            with using_cache(self.resource_cache):
                handler(*args)
        return run

    # ------------------------------------------------------------------ cache
    def _node_added(self, node: dict) -> None:
        name = node["metadata"]["name"]
        info = NodeInfo(node)
        for key, n in self.pod_node.items():
            if n == name:
                pod = self.pods.get(key)
                if pod is not None:
                    info.add_pod(pod)
        self.node_infos[name] = info
        self._move_all_to_active()

    def _node_updated(self, old: dict, new: dict) -> None:
        info = self.node_infos.get(new["metadata"]["name"])
        if info is None:
            self._node_added(new)
            return
        info.node = new
        if old.get("spec") != new.get("spec") or \
                old["status"].get("allocatable") != new["status"].get("allocatable"):
            self._move_all_to_active()

    def _node_deleted(self, node: dict) -> None:
        self.node_infos.pop(node["metadata"]["name"], None)

    def _rebuild(self, node_name: str) -> None:
        info = self.node_infos.get(node_name)
        if info is None:
            return
        fresh = NodeInfo(info.node)
        for key, n in self.pod_node.items():
            if n == node_name:
                pod = self.pods.get(key)
                if pod is not None and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                    fresh.add_pod(pod)
        self.node_infos[node_name] = fresh

    def _pending(self, pod: dict) -> bool:
        return (not pod["spec"].get("nodeName")
                and pod["spec"].get("schedulerName", "default-scheduler") == self.profile.scheduler_name
                and not pod["metadata"].get("deletionTimestamp"))

    def _pod_added(self, pod: dict) -> None:
        key = key_of(pod)
        node = pod["spec"].get("nodeName")
        if node:
            self.assumed.discard(key)
            if self.pod_node.get(key) != node:
                self.pod_node[key] = node
                if node in self.node_infos:
                    self.node_infos[node].add_pod(pod)
        elif self._pending(pod):
            self._enqueue(pod)

    def _pod_updated(self, old: dict, new: dict) -> None:
        key = key_of(new)
        node = new["spec"].get("nodeName")
        if node:
            was_assumed = key in self.assumed
            self.assumed.discard(key)
            if self.pod_node.get(key) != node or was_assumed:
                self.pod_node[key] = node
                self._rebuild(node)
            elif new.get("status", {}).get("phase") in ("Succeeded", "Failed"):
                self._rebuild(node)
        elif self._pending(new) and key not in self.queued and key not in self.unschedulable:
            self._enqueue(new)

    def _pod_deleted(self, pod: dict) -> None:
        key = key_of(pod)
        node = self.pod_node.pop(key, None)
        self.assumed.discard(key)
        self.unschedulable.pop(key, None)
        self.attempts.pop(key, None)
        if node:
            self._rebuild(node)
            self._move_all_to_active()   # freed resources may help waiting Pods

    # ------------------------------------------------------------------ queue
    def _enqueue(self, pod: dict) -> None:
        key = key_of(pod)
        if key in self.queued:
            return
        self.queued.add(key)
        prio = pod["spec"].get("priority", 0)
        created = pod["metadata"].get("creationTimestamp", "")
        heapq.heappush(self.queue, (-prio, created, next(self._seq), key))
        if not self._wake.triggered:
            self._wake.succeed()

    def _move_all_to_active(self) -> None:
        """A cluster event: give every unschedulable Pod another try after its back-off."""
        for key, failed_at in list(self.unschedulable.items()):
            backoff = min(INITIAL_BACKOFF * 2 ** (self.attempts.get(key, 1) - 1), MAX_BACKOFF)
            delay = max(0.0, failed_at + backoff - self.env.now)
            self.env.timeout(delay).callbacks.append(lambda _e, k=key: self._retry(k))

    def _retry(self, key: str) -> None:
        if key in self.unschedulable and self.up:
            del self.unschedulable[key]
            pod = self.pods.get(key)
            if pod is not None and self._pending(pod):
                self._enqueue(pod)

    # ------------------------------------------------------------------ scheduling
    def _loop(self):
        yield self.env.all_of([self.nodes.synced, self.pods.synced])
        while True:
            if not self.queue:
                self._wake = self.env.event()
                yield self._wake
                continue
            _, _, _, key = heapq.heappop(self.queue)
            self.queued.discard(key)
            pod = self.pods.get(key)
            if pod is None or not self._pending(pod) or key in self.assumed:
                continue
            infos = [self.node_infos[n] for n in sorted(self.node_infos)]
            with using_cache(self.resource_cache):
                result = schedule_one(pod, infos, self.profile, self.rng, self._next_start)
            if infos:
                self._next_start = (self._next_start + result.evaluated) % len(infos)
            # Simulated CPU time of the cycle: fixed cost plus a little per node examined.
            yield self.env.timeout(0.0005 + 0.000005 * result.evaluated)
            if result.selected is None:
                self._failed(pod, result, infos)
                continue
            with using_cache(self.resource_cache):
                self._assume(pod, result.selected)
            self.run(self._bind(pod, result.selected, result))

    def _assume(self, pod: dict, node: str) -> None:
        key = key_of(pod)
        self.assumed.add(key)
        self.pod_node[key] = node
        assumed = deep_copy(pod)
        assumed["spec"]["nodeName"] = node
        self.node_infos[node].add_pod(assumed)

    def _bind(self, pod: dict, node: str, result):
        key = key_of(pod)
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.record(f"scheduled {ns}/{name} -> {node}", target=node, pod=key, node=node,
                    feasible=len(result.feasible), total=result.total.get(node))
        try:
            yield self.client.bind(pod, node)
        except StatusError as err:
            # Forget the assumption; the Pod goes back to the queue.
            self.assumed.discard(key)
            self.pod_node.pop(key, None)
            self._rebuild(node)
            self.record(f"binding {key} failed: {err.reason}", pod=key)
            current = self.pods.get(key)
            if current is not None and self._pending(current):
                self.env.timeout(INITIAL_BACKOFF).callbacks.append(
                    lambda _e: self._enqueue(current))
            return
        self.attempts.pop(key, None)
        self.recorder.event(pod, "Normal", "Scheduled",
                            f"Successfully assigned {ns}/{name} to {node}")

    def _failed(self, pod: dict, result, infos) -> None:
        key = key_of(pod)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        self.unschedulable[key] = self.env.now
        message = failure_message(pod, result, len(infos), {i.name: i for i in infos})
        self.record(f"cannot schedule {key}: {message}", pod=key)
        self.recorder.event(pod, "Warning", "FailedScheduling", message)
        self.run(self._mark_unschedulable(pod, message))
        # Even without cluster events, retry after podMaxInUnschedulablePodsDuration.
        self.env.timeout(MAX_IN_UNSCHEDULABLE).callbacks.append(lambda _e: self._retry(key))

    def _mark_unschedulable(self, pod: dict, message: str):
        updated = deep_copy(pod)
        conds = updated.setdefault("status", {}).setdefault("conditions", [])
        changed = set_condition(conds, {"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable", "message": message,
                                        "lastProbeTime": None}, self.env.now)
        updated["status"].setdefault("phase", "Pending")
        if changed:
            try:
                yield self.client.update("pods", updated, subresource="status")
            except StatusError:
                pass
