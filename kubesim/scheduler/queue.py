"""The scheduling queue: which Pending Pod gets the next scheduling cycle.

A port of the ideas of k8s.io/kubernetes pkg/scheduler/backend/queue/scheduling_queue.go
(PriorityQueue) without the clock: every method takes ``now`` (simulated seconds).

* **activeQ** — Pods ready to be tried, highest ``spec.priority`` first, then the one
  waiting longest (the PrioritySort plugin);
* **backoffQ** — Pods that failed and wait out their back-off: 1 s after the first
  failure, doubling per attempt, at most 10 s (podInitialBackoffSeconds /
  podMaxBackoffSeconds);
* **unschedulable** — Pods no node fitted.  They stay here until a cluster event that
  could help them happens — a node added or changed, a Pod deleted … — and only if the
  plugins that rejected them care about that event (EnqueueExtensions); then they move to
  backoffQ (or straight to activeQ if their back-off is over).  After 5 minutes here they
  are retried anyway (podMaxInUnschedulablePodsDuration).
* Pods with ``spec.schedulingGates`` wait, gated, until the gates are removed.

If an event arrives *while* a Pod is being scheduled (``move_request_cycle``), the Pod
goes to backoffQ instead of unschedulable: the event may already have helped it.
"""
from __future__ import annotations

import heapq
import itertools
from typing import Optional

INITIAL_BACKOFF = 1.0         # podInitialBackoffSeconds
MAX_BACKOFF = 10.0            # podMaxBackoffSeconds
MAX_IN_UNSCHEDULABLE = 300.0  # podMaxInUnschedulablePodsDuration


class QueuedPodInfo:
    """A Pod in the queue, with its scheduling history (framework.QueuedPodInfo)."""

    __slots__ = ("pod", "key", "timestamp", "initial_attempt", "attempts",
                 "unschedulable_plugins", "gated", "cycle")

    def __init__(self, pod: dict, now: float):
        self.pod = pod
        meta = pod["metadata"]
        self.key = f"{meta.get('namespace') or 'default'}/{meta['name']}"
        self.timestamp = now              # when it (re-)entered the queue
        self.initial_attempt: Optional[float] = None
        self.attempts = 0
        self.unschedulable_plugins: set = set()
        self.gated = bool(pod["spec"].get("schedulingGates"))
        self.cycle = 0

    @property
    def priority(self) -> int:
        return self.pod["spec"].get("priority") or 0

    def __repr__(self) -> str:
        return f"<QueuedPod {self.key} attempts={self.attempts}>"


class SchedulingQueue:
    """activeQ, backoffQ and the unschedulable Pods (see the module docstring)."""

    def __init__(self, initial_backoff: float = INITIAL_BACKOFF, max_backoff: float = MAX_BACKOFF,
                 max_in_unschedulable: float = MAX_IN_UNSCHEDULABLE):
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self._active: list = []          # heap of (-priority, timestamp, seq, key)
        self._backoff: list = []         # heap of (expiry, seq, key)
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self.where: dict[str, str] = {}  # key -> "active" | "backoff" | "unschedulable" | "in-flight"
        self.infos: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        #: plugin name -> the cluster events it registers for (EnqueueExtensions).
        self.plugin_events: dict = {}

    def __len__(self) -> int:
        return len(self.infos)

    # ------------------------------------------------------------------ back-off
    def backoff_duration(self, qpi: QueuedPodInfo) -> float:
        """calculateBackoffDuration: 1 s, 2 s, 4 s, 8 s, then 10 s."""
        if qpi.attempts == 0:
            return 0.0
        duration = self.initial_backoff
        for _ in range(1, qpi.attempts):
            if duration > self.max_backoff - duration:
                return self.max_backoff
            duration += duration
        return min(duration, self.max_backoff)

    def backoff_expiry(self, qpi: QueuedPodInfo) -> float:
        return qpi.timestamp + self.backoff_duration(qpi)

    # ------------------------------------------------------------------ adding / moving
    def _to_active(self, qpi: QueuedPodInfo) -> None:
        self.where[qpi.key] = "active"
        heapq.heappush(self._active, (-qpi.priority, qpi.timestamp, next(self._seq), qpi.key))

    def _to_backoff(self, qpi: QueuedPodInfo, now: float) -> None:
        expiry = self.backoff_expiry(qpi)
        if expiry <= now:
            self._to_active(qpi)
            return
        self.where[qpi.key] = "backoff"
        heapq.heappush(self._backoff, (expiry, next(self._seq), qpi.key))

    def _to_unschedulable(self, qpi: QueuedPodInfo) -> None:
        self.where[qpi.key] = "unschedulable"
        self.unschedulable[qpi.key] = qpi

    def add(self, pod: dict, now: float) -> QueuedPodInfo:
        """A new Pending Pod (or one seen again after a restart): straight to activeQ."""
        key = f"{pod['metadata'].get('namespace') or 'default'}/{pod['metadata']['name']}"
        qpi = self.infos.get(key)
        if qpi is not None:
            qpi.pod = pod
            return qpi
        qpi = self.infos[key] = QueuedPodInfo(pod, now)
        if qpi.gated:
            qpi.unschedulable_plugins = {"SchedulingGates"}
            self._to_unschedulable(qpi)
        else:
            self._to_active(qpi)
        return qpi

    def update(self, pod: dict, now: float, spec_changed: bool = True) -> None:
        """The Pending Pod changed: keep the newest object; a real change moves it on."""
        key = f"{pod['metadata'].get('namespace') or 'default'}/{pod['metadata']['name']}"
        qpi = self.infos.get(key)
        if qpi is None:
            self.add(pod, now)
            return
        qpi.pod = pod
        qpi.gated = bool(pod["spec"].get("schedulingGates"))
        if self.where.get(key) == "unschedulable" and spec_changed and not qpi.gated:
            del self.unschedulable[key]
            if qpi.unschedulable_plugins == {"SchedulingGates"}:
                qpi.unschedulable_plugins = set()
                self._to_active(qpi)           # the last gate was removed: try it now
            else:
                self._to_backoff(qpi, now)

    def delete(self, key: str) -> None:
        """The Pod is gone (or bound): forget it wherever it waits."""
        self.infos.pop(key, None)
        self.unschedulable.pop(key, None)
        self.where.pop(key, None)        # heap entries for it are skipped when popped

    def pop(self, now: float) -> Optional[QueuedPodInfo]:
        """The next Pod to schedule (flushing finished back-offs first), or None."""
        self.flush_backoff(now)
        while self._active:
            _, _, _, key = heapq.heappop(self._active)
            if self.where.get(key) != "active":
                continue
            qpi = self.infos[key]
            self.where[key] = "in-flight"
            self.scheduling_cycle += 1
            qpi.cycle = self.scheduling_cycle
            qpi.attempts += 1
            if qpi.initial_attempt is None:
                qpi.initial_attempt = now
            return qpi
        return None

    def flush_backoff(self, now: float) -> None:
        """flushBackoffQCompleted: Pods whose back-off is over go to activeQ."""
        while self._backoff and self._backoff[0][0] <= now:
            _, _, key = heapq.heappop(self._backoff)
            if self.where.get(key) == "backoff":
                self._to_active(self.infos[key])

    def next_wakeup(self) -> Optional[float]:
        """When the earliest back-off ends (None if nothing is backing off)."""
        while self._backoff and self.where.get(self._backoff[0][2]) != "backoff":
            heapq.heappop(self._backoff)
        return self._backoff[0][0] if self._backoff else None

    def has_active(self) -> bool:
        return any(self.where.get(k) == "active" for _, _, _, k in self._active)

    # ------------------------------------------------------------------ after a cycle
    def done(self, key: str) -> None:
        """The Pod was scheduled (assumed): it leaves the queue."""
        self.delete(key)

    def add_unschedulable(self, qpi: QueuedPodInfo, now: float, plugins=()) -> None:
        """AddUnschedulableIfNotPresent: after a failed cycle (``plugins`` rejected it)."""
        if qpi.key not in self.infos:
            return                            # deleted meanwhile
        qpi.timestamp = now
        qpi.unschedulable_plugins = set(plugins)
        if self.move_request_cycle >= qpi.cycle or not qpi.unschedulable_plugins:
            self._to_backoff(qpi, now)
        else:
            self._to_unschedulable(qpi)

    def move_all(self, event: str, now: float) -> int:
        """A cluster event: move the unschedulable Pods it may help (returns how many)."""
        self.move_request_cycle = self.scheduling_cycle
        moved = 0
        for key, qpi in list(self.unschedulable.items()):
            if qpi.gated or not self._interested(qpi, event):
                continue
            del self.unschedulable[key]
            self._to_backoff(qpi, now)
            moved += 1
        return moved

    def _interested(self, qpi: QueuedPodInfo, event: str) -> bool:
        if not qpi.unschedulable_plugins:
            return True
        return any(event in self.plugin_events.get(p, (event,)) for p in qpi.unschedulable_plugins)

    def flush_unschedulable_leftover(self, now: float) -> int:
        """Pods unschedulable for more than 5 minutes are tried again anyway."""
        moved = 0
        for key, qpi in list(self.unschedulable.items()):
            if not qpi.gated and now - qpi.timestamp >= self.max_in_unschedulable:
                del self.unschedulable[key]
                self._to_backoff(qpi, now)
                moved += 1
        return moved

    def pending(self) -> dict:
        """``{key: where}`` for every Pod the queue holds (for figures and tests)."""
        return dict(self.where)
