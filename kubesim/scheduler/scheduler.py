"""kube-scheduler as a simpy component.

It watches Nodes, Pods (not finished ones), Services, ReplicaSets and Namespaces through
the API server and keeps its cache (:class:`~kubesim.scheduler.snapshot.Snapshot`) up to
date incrementally.  Pending Pods wait in the :class:`~kubesim.scheduler.queue.SchedulingQueue`;
one at a time, the Pod at its head gets a scheduling cycle (:func:`~kubesim.scheduler.cycle.schedule_one`)
with the profile named by its ``spec.schedulerName``:

* a node is chosen → the Pod is *assumed* on it at once (the next cycle already counts
  it) and the Binding is sent to the API server in the background; if the binding
  fails the assumption is forgotten and the Pod goes back to the queue;
* nothing fits → a ``FailedScheduling`` event, the ``PodScheduled=False`` condition, and
  the Pod waits in the queue until a cluster change may help it;
* preemption chose victims → they get the ``DisruptionTarget`` condition and are
  deleted, and the Pod's ``status.nominatedNodeName`` records where it will go.

Source: k8s.io/kubernetes pkg/scheduler/scheduler.go, schedule_one.go, eventhandlers.go.
"""
from __future__ import annotations

from typing import Optional

from ..api import clock
from ..api.podutil import set_condition
from ..client import APIClient
from ..component import Component
from ..errors import StatusError
from ..events import EventRecorder
from ..informers import Informer, key_of
from ..leaderelection import LeaderElector
from ..util import deep_copy
from .cycle import schedule_one
from .framework import NODE_ADD, NODE_UPDATE, POD_ADD, POD_DELETE, POD_UPDATE
from .nodeinfo import PodInfo
from .profile import as_profiles
from .queue import SchedulingQueue
from .snapshot import Snapshot

#: The scheduler does not watch finished Pods (scheduler.go newPodInformer).
POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"


class Scheduler(Component):
    """kube-scheduler with one or more profiles (``spec.schedulerName`` picks one).

    ``profile`` may be a :class:`~kubesim.scheduler.Profile`, a list of them, or a
    KubeSchedulerConfiguration (YAML text or dict); None is the default profile.
    """

    def __init__(self, sim, name: str, host: str, choose_server, profile=None,
                 leader_elect: bool = False):
        super().__init__(sim, name, host)
        #: Several replicas (an HA control plane) take turns through the kube-system/
        #: kube-scheduler Lease; the informers run on every replica, scheduling on the leader.
        self.leader_elect = leader_elect
        self.elector: Optional[LeaderElector] = None
        self.client = APIClient(self, "system:kube-scheduler", (), choose_server)
        self.profiles = {p.scheduler_name: p for p in as_profiles(profile)}
        self.profile = next(iter(self.profiles.values()))

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        super().start()
        self.client.reset()
        self.recorder = EventRecorder(self, self.client, "default-scheduler")
        self.snapshot = Snapshot()
        self.queue = SchedulingQueue()
        for profile in self.profiles.values():
            for plugin in profile.plugins:
                self.queue.plugin_events[plugin.name] = plugin.events
        self.assumed: dict[str, str] = {}           # pod key -> node
        self.nominated: dict[str, tuple] = {}       # pod key -> (node, PodInfo)
        self.nominator: dict[str, list] = {}        # node -> [PodInfo]
        self._next_start = 0
        self._wake = self.env.event()
        self.nodes = Informer(self, self.client, "nodes").add_handlers(
            self._node_added, self._node_updated, self._node_deleted)
        self.pods = Informer(self, self.client, "pods", field_selector=POD_FIELD_SELECTOR).add_handlers(
            self._pod_added, self._pod_updated, self._pod_deleted)
        self.others = [Informer(self, self.client, r).add_handlers(
            self.snapshot.set_object, lambda old, new: self.snapshot.set_object(new),
            self.snapshot.delete_object) for r in ("services", "replicasets", "namespaces")]
        for informer in [self.nodes, self.pods, *self.others]:
            informer.start()
        if self.leader_elect:
            self.election_recorder = self.recorder
            self.elector = LeaderElector(
                self, "kube-scheduler", on_started_leading=lambda: self.run(self._loop()),
                on_stopped_leading=lambda: self.exit_and_restart("leaderelection lost"))
            self.run(self.elector.run())
        else:
            self.run(self._loop())

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)

    def _responsible(self, pod: dict) -> bool:
        return (pod["spec"].get("schedulerName") or "default-scheduler") in self.profiles

    def _event(self, event: str) -> None:
        if self.queue.move_all(event, self.env.now):
            self._poke()

    def _poke(self) -> None:
        if not self._wake.triggered:
            self._wake.succeed()

    # ------------------------------------------------------------------ nodes
    def _node_added(self, node: dict) -> None:
        self.snapshot.add_node(node)
        self._event(NODE_ADD)

    def _node_updated(self, old: dict, new: dict) -> None:
        self.snapshot.update_node(new)
        changed = (old.get("spec") != new.get("spec")
                   or old["metadata"].get("labels") != new["metadata"].get("labels")
                   or (old.get("status") or {}).get("allocatable") != (new.get("status") or {}).get("allocatable")
                   or (old.get("status") or {}).get("images") != (new.get("status") or {}).get("images"))
        if changed:
            self._event(NODE_UPDATE)

    def _node_deleted(self, node: dict) -> None:
        self.snapshot.remove_node(node["metadata"]["name"])

    # ------------------------------------------------------------------ pods
    def _pod_added(self, pod: dict) -> None:
        if pod["spec"].get("nodeName"):
            self._add_assigned(pod)
            self._event(POD_ADD)
        elif self._responsible(pod) and not pod["metadata"].get("deletionTimestamp"):
            self.queue.add(pod, self.env.now)
            self._nominate_from_status(pod)
            self._poke()

    def _pod_updated(self, old: dict, new: dict) -> None:
        key = key_of(new)
        if new["spec"].get("nodeName"):
            if not old["spec"].get("nodeName") or key in self.assumed:
                self.queue.delete(key)
                self._drop_nomination(key)
                self._add_assigned(new)             # bound: replaces the assumed copy
                self._event(POD_ADD)
            else:
                self.snapshot.remove_pod(old)
                self.snapshot.add_pod(new)
                if old["metadata"].get("labels") != new["metadata"].get("labels"):
                    self._event(POD_UPDATE)
        elif self._responsible(new):
            if new["metadata"].get("deletionTimestamp"):
                self.queue.delete(key)
                self._drop_nomination(key)
                return
            spec_changed = (old.get("spec") != new.get("spec")
                            or old["metadata"].get("labels") != new["metadata"].get("labels"))
            if key in self.queue.infos:
                self.queue.update(new, self.env.now, spec_changed)
            elif key not in self.assumed:
                self.queue.add(new, self.env.now)
            self._nominate_from_status(new)
            self._poke()

    def _pod_deleted(self, pod: dict) -> None:
        key = key_of(pod)
        self.queue.delete(key)
        self._drop_nomination(key)
        node = self.assumed.pop(key, None)
        if self.snapshot.remove_pod(pod) or node or pod["spec"].get("nodeName"):
            self._event(POD_DELETE)

    def _add_assigned(self, pod: dict) -> None:
        self.assumed.pop(key_of(pod), None)
        self.snapshot.remove_pod(pod)             # the assumed copy (same uid), if any
        self.snapshot.add_pod(PodInfo(pod))

    # ------------------------------------------------------------------ nominated pods
    def _nominate(self, key: str, node: str, pod: dict) -> None:
        self._drop_nomination(key)
        if node:
            pi = PodInfo(pod)
            self.nominated[key] = (node, pi)
            self.nominator.setdefault(node, []).append(pi)

    def _nominate_from_status(self, pod: dict) -> None:
        node = (pod.get("status") or {}).get("nominatedNodeName") or ""
        key = key_of(pod)
        if node or key in self.nominated:
            current = self.nominated.get(key)
            if current is None or current[0] != node:
                self._nominate(key, node, pod)

    def _drop_nomination(self, key: str) -> None:
        entry = self.nominated.pop(key, None)
        if entry is not None:
            node, pi = entry
            pods = [p for p in self.nominator.get(node, []) if p is not pi]
            if pods:
                self.nominator[node] = pods
            else:
                self.nominator.pop(node, None)

    # ------------------------------------------------------------------ scheduling
    def _loop(self):
        yield self.env.all_of([self.nodes.synced, self.pods.synced])
        while True:
            qpi = self.queue.pop(self.env.now)
            if qpi is None:
                self._wake = self.env.event()
                wakeup = self.queue.next_wakeup()
                if wakeup is not None:
                    yield self._wake | self.env.timeout(max(0.0, wakeup - self.env.now))
                else:
                    yield self._wake
                continue
            pod = self.pods.get(qpi.key)
            if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp") \
                    or qpi.key in self.assumed:
                self.queue.delete(qpi.key)
                continue
            qpi.pod = pod
            yield from self._schedule_one(qpi, pod)

    def _schedule_one(self, qpi, pod: dict):
        profile = self.profiles[pod["spec"].get("schedulerName") or "default-scheduler"]
        pod_info = PodInfo(pod)
        try:
            result = schedule_one(pod, self.snapshot, profile, self.rng, self._next_start,
                                  self.nominator, pod_info=pod_info)
        except Exception as err:    # noqa: BLE001 - e.g. a learner plugin raised: a SchedulerError
            result = None
            error = f"running the scheduling cycle: {type(err).__name__}: {err}"
        num_nodes = max(self.snapshot.num_nodes, 1)
        evaluated = result.evaluated if result is not None else 0
        self._next_start = (self._next_start + evaluated) % num_nodes
        # Simulated CPU time of the cycle: a fixed cost plus a little per node examined.
        yield self.env.timeout(0.0005 + 0.000005 * evaluated)
        if result is None:
            self.record(f"cannot schedule {qpi.key}: {error}", pod=qpi.key)
            self.recorder.event(pod, "Warning", "FailedScheduling", error)
            self.queue.add_unschedulable(qpi, self.env.now)
            return
        if result.selected is not None:
            self._assume(qpi, pod, result.selected)
            self.run(self._bind(qpi, pod, result.selected, result))
            return
        self._failed(qpi, pod, result)

    def _assume(self, qpi, pod: dict, node: str) -> None:
        assumed = deep_copy(pod)
        assumed["spec"]["nodeName"] = node
        self.assumed[qpi.key] = node
        self.snapshot.add_pod(PodInfo(assumed), node)
        self._drop_nomination(qpi.key)

    def _bind(self, qpi, pod: dict, node: str, result):
        key = qpi.key
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.record(f"scheduled {ns}/{name} -> {node}", target=node, pod=key, node=node,
                    feasible=len(result.feasible), total=result.total.get(node))
        try:
            yield self.client.bind(pod, node)
        except StatusError as err:
            # Forget the assumption; the Pod goes back to the queue (after a back-off).
            if self.assumed.pop(key, None) is not None:
                self.snapshot.remove_pod(pod)
                self._event(POD_DELETE)
            self.record(f"binding {key} failed: {err.reason}", pod=key)
            self.queue.add_unschedulable(qpi, self.env.now)     # no plugin to blame: back-off
            self._poke()
            return
        self.queue.done(key)
        self.recorder.event(pod, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {node}")

    def _failed(self, qpi, pod: dict, result) -> None:
        key = qpi.key
        message = result.message
        post = result.post_filter
        nominated = None
        if post is not None:
            nominated = post.nominated_node
            if post.victims:
                self._preempt(pod, post.nominated_node, post.victims)
            self._nominate(key, nominated, pod)
        self.record(f"cannot schedule {key}: {message}", pod=key)
        self.recorder.event(pod, "Warning", "FailedScheduling", message)
        self.run(self._mark_unschedulable(pod, message, nominated))
        self.queue.add_unschedulable(qpi, self.env.now, result.unschedulable_plugins)
        # Even without cluster events, retry after podMaxInUnschedulablePodsDuration.
        self.env.timeout(self.queue.max_in_unschedulable).callbacks.append(
            lambda _e: self.up and self.queue.flush_unschedulable_leftover(self.env.now) and self._poke())

    def _preempt(self, preemptor: dict, node: str, victims: list) -> None:
        """prepareCandidate: evict the victims, clear lower-priority nominations there."""
        uid = preemptor["metadata"].get("uid")
        self.record(f"preempting {', '.join(v.key for v in victims)} on {node} for {key_of(preemptor)}",
                    target=node, pod=key_of(preemptor), victims=[v.key for v in victims])
        for victim in victims:
            self.recorder.event(victim.pod, "Normal", "Preempted", f"Preempted by pod {uid} on node {node}")
            self.run(self._evict(victim.pod, preemptor))
        me = preemptor["spec"].get("priority") or 0
        for other in list(self.nominator.get(node, [])):
            if other.priority < me:
                self._drop_nomination(other.key)
                self.run(self._set_nominated(other.key, ""))

    def _evict(self, victim: dict, preemptor: dict):
        scheduler_name = preemptor["spec"].get("schedulerName") or "default-scheduler"
        updated = deep_copy(victim)
        conds = updated.setdefault("status", {}).setdefault("conditions", [])
        set_condition(conds, {"type": "DisruptionTarget", "status": "True",
                              "reason": "PreemptionByScheduler",
                              "message": f"{scheduler_name}: preempting to accommodate a higher priority pod"},
                      self.env.now)
        try:
            yield self.client.update("pods", updated, subresource="status")
        except StatusError:
            pass
        try:
            yield self.client.delete("pods", victim["metadata"]["name"], victim["metadata"]["namespace"])
        except StatusError:
            pass

    def _set_nominated(self, key: str, node: str):
        current = self.pods.get(key)
        if current is None or (current.get("status") or {}).get("nominatedNodeName", "") == node:
            return
        updated = deep_copy(current)
        if node:
            updated["status"]["nominatedNodeName"] = node
        else:
            updated["status"].pop("nominatedNodeName", None)
        try:
            yield self.client.update("pods", updated, subresource="status")
        except StatusError:
            pass

    def _mark_unschedulable(self, pod: dict, message: str, nominated):
        """updatePod: the PodScheduled=False condition and (if decided) nominatedNodeName."""
        current = self.pods.get(key_of(pod)) or pod
        updated = deep_copy(current)
        status = updated.setdefault("status", {})
        conds = status.setdefault("conditions", [])
        changed = set_condition(conds, {"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable", "message": message,
                                        "lastProbeTime": None}, self.env.now)
        status.setdefault("phase", "Pending")
        if nominated is not None and status.get("nominatedNodeName", "") != nominated:
            changed = True
            if nominated:
                status["nominatedNodeName"] = nominated
            else:
                status.pop("nominatedNodeName", None)
        if changed:
            try:
                yield self.client.update("pods", updated, subresource="status")
            except StatusError:
                pass

    # ------------------------------------------------------------------ for lessons
    def pending(self) -> dict:
        """``{pod key: "active" | "backoff" | "unschedulable" | "in-flight"}``."""
        return self.queue.pending()

    def now_timestamp(self) -> str:
        return clock.timestamp(self.env.now)
