"""A tiny discrete-event loop that drives :class:`~kubesim.etcd.raft.RaftNode`\\ s.

No simpy and no kubesim network: a heap of timed events (message deliveries and timer
wake-ups) and a handful of dicts.  It is what makes 1,000 leader-failover trials run in a
second or two (:func:`kubesim.etcd.experiments.failover_experiment`) and hundreds of
random fault schedules fast enough for property-based tests.  Time is in milliseconds.

The loop is a faithful *driver* in etcd's sense: after every step or tick it takes the
node's Ready, "persists" it (the node's :class:`~kubesim.etcd.raft.Storage` survives
crashes), sends its messages, applies its committed entries, and calls ``advance``.

Faults: :meth:`RaftLoop.crash` / :meth:`RaftLoop.restart` (a restarted node is rebuilt from
its Storage), :meth:`RaftLoop.partition` / :meth:`RaftLoop.heal`, message ``loss``
(probability) and reordering (``fifo=False``: each message draws its own latency).
"""
from __future__ import annotations

import heapq
import itertools
from typing import Any, Callable, Iterable, Optional

from ..rand import component_rng
from .raft import LEADER, PERSIST_BEFORE_SEND, Config, Entry, Message, RaftNode, Storage


class RaftLoop:
    """Raft members, a network between them, and a clock (ms)."""

    def __init__(self, names: Iterable[str], config: Config | Callable[[str], Config] | None = None,
                 seed: int = 0, peers: Optional[Iterable[str]] = None, latency_ms: tuple[float, float] = (1.0, 5.0), fifo: bool = True,
                 loss: float = 0.0, storages: Optional[dict] = None, start: bool = True,
                 fsync_ms: Optional[tuple[float, float]] = None):
        self.names = list(names)
        #: Every voter of the Raft group (defaults to ``names``; may include members this
        #: loop does not run, e.g. a leader that is already gone).
        self.peers = list(peers) if peers is not None else list(self.names)
        self._config = config if callable(config) else (lambda _n, c=config or Config(): c)
        self.seed = seed
        self.rng = component_rng(seed, "raft-loop-network")
        self.node_rngs = {n: component_rng(seed, n) for n in self.names}
        self.latency_ms = latency_ms
        self.fifo = fifo
        self.loss = loss
        #: Disk write before a non-leader's answers leave (etcd: the WAL fsync), or None.
        self.fsync_ms = fsync_ms
        self.now = 0.0
        self.storage: dict[str, Storage] = storages if storages is not None else \
            {n: Storage() for n in self.names}
        self.nodes: dict[str, Optional[RaftNode]] = {n: None for n in self.names}
        #: Every entry each member applied, in order (its state machine: survives crashes).
        self.applied: dict[str, list[Entry]] = {n: [] for n in self.names}
        self.groups: list[set] = []
        self._heap: list = []
        self._seq = itertools.count()
        self._wake: dict[str, tuple[float, int]] = {}
        self._wake_version = {n: 0 for n in self.names}
        self._last_tick = {n: 0.0 for n in self.names}
        self._last_arrival: dict[tuple, float] = {}
        # Hooks: observers (invariant checkers, experiments) subscribe here.
        self.on_send: list[Callable] = []      # (msg, sent_ms, arrive_ms or None)
        self.on_deliver: list[Callable] = []   # (msg, now_ms)
        self.on_apply: list[Callable] = []     # (name, entry)
        self.on_read: list[Callable] = []      # (name, ReadState)
        self.on_change: list[Callable] = []    # (name, node) after every step / tick
        if start:
            for n in self.names:
                self.restart(n)

    # ------------------------------------------------------------------ members
    def up(self, name: str) -> bool:
        return self.nodes.get(name) is not None

    def crash(self, name: str) -> None:
        """The process dies: everything but its Storage and applied state is lost."""
        self.nodes[name] = None
        self._wake_version[name] += 1
        self._wake.pop(name, None)

    def restart(self, name: str) -> None:
        """Start (again) from the member's Storage, like etcd reading its WAL."""
        if self.nodes.get(name) is not None:
            return
        self.nodes[name] = RaftNode(name, self.peers, self.storage[name], self._config(name),
                                    self.node_rngs[name], applied=len(self.applied[name]))
        self._last_tick[name] = self.now
        self._after(name)

    def leader(self) -> Optional[str]:
        """The up leader with the highest term (a deposed leader may not know it yet)."""
        leaders = [n for n, node in self.nodes.items() if node is not None and node.role == LEADER]
        return max(leaders, key=lambda n: (self.nodes[n].term, n)) if leaders else None

    def propose(self, name: str, data: Any) -> bool:
        node = self.nodes.get(name)
        if node is None:
            return False
        self._catch_up(name)
        ok = node.propose(data)
        self._after(name)
        return ok

    # ------------------------------------------------------------------ network
    def partition(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups = [set(g) for g in groups]

    def heal(self) -> None:
        self.groups = []

    def reachable(self, a: str, b: str) -> bool:
        if not self.groups:
            return True
        ga = next((i for i, g in enumerate(self.groups) if a in g), None)
        gb = next((i for i, g in enumerate(self.groups) if b in g), None)
        return ga is None or gb is None or ga == gb

    def send(self, m: Message, force: bool = False, after_ms: float = 0.0) -> None:
        """Put ``m`` on the wire ``after_ms`` from now (``force``: even from a member that
        is down)."""
        if not force and not self.up(m.frm):
            return
        if (not self.up(m.to) and m.to in self.nodes and not force) or not self.reachable(m.frm, m.to) \
                or (self.loss and self.rng.random() < self.loss):
            for hook in self.on_send:
                hook(m, self.now, None)
            return
        arrive = self.now + after_ms + self.rng.uniform(*self.latency_ms)
        if self.fifo:
            arrive = max(arrive, self._last_arrival.get((m.frm, m.to), 0.0))
            self._last_arrival[(m.frm, m.to)] = arrive
        for hook in self.on_send:
            hook(m, self.now, arrive)
        heapq.heappush(self._heap, (arrive, next(self._seq), "msg", m))

    # ------------------------------------------------------------------ time
    def at(self, time_ms: float, action: Callable[[], None]) -> None:
        """Run ``action()`` at ``time_ms`` (for scripted scenarios)."""
        heapq.heappush(self._heap, (time_ms, next(self._seq), "call", action))

    def run(self, until_ms: float, stop: Optional[Callable[[], bool]] = None) -> None:
        """Process events up to ``until_ms`` (or until ``stop()`` is true)."""
        heap = self._heap
        while heap and heap[0][0] <= until_ms:
            t, _, kind, payload = heapq.heappop(heap)
            self.now = t
            if kind == "msg":
                self._deliver(payload)
            elif kind == "wake":
                name, version = payload
                if self._wake_version[name] == version:
                    self._wake.pop(name, None)
                    self._catch_up(name)
                    self._after(name)
            else:
                payload()
            if stop is not None and stop():
                return
        self.now = max(self.now, until_ms)

    def run_for(self, ms: float, stop: Optional[Callable[[], bool]] = None) -> None:
        self.run(self.now + ms, stop)

    # ------------------------------------------------------------------ driving a node
    def _catch_up(self, name: str) -> None:
        """Tell the node how much time passed since it last heard the clock."""
        node = self.nodes[name]
        elapsed = self.now - self._last_tick[name]
        self._last_tick[name] = self.now
        if elapsed > 0:
            node.tick(elapsed)

    def _deliver(self, m: Message) -> None:
        node = self.nodes.get(m.to)
        if node is None or not self.reachable(m.frm, m.to):
            return                                   # crashed or partitioned while in flight
        for hook in self.on_deliver:
            hook(m, self.now)
        self._catch_up(m.to)
        node.step(m)
        self._after(m.to)

    def _after(self, name: str) -> None:
        """Handle the node's Ready, tell observers, and set its next timer."""
        node = self.nodes[name]
        while node.has_ready():
            rd = node.ready()
            # Answers that vouch for new entries or a new vote leave once these are on disk.
            fsync = self.rng.uniform(*self.fsync_ms) if self.fsync_ms and rd.must_sync else 0.0
            for m in rd.messages:
                self.send(m, after_ms=fsync if m.type in PERSIST_BEFORE_SEND else 0.0)
            for e in rd.committed_entries:
                self.applied[name].append(e)
                for hook in self.on_apply:
                    hook(name, e)
            for rs in rd.read_states:
                for hook in self.on_read:
                    hook(name, rs)
            node.advance(rd)
        for hook in self.on_change:
            hook(name, node)
        when = self.now + node.next_timeout_ms()
        pending = self._wake.get(name)
        if pending is not None and self.now <= pending[0] <= when + 1e-9:
            return                                   # an earlier wake-up is already set
        self._wake_version[name] += 1
        version = self._wake_version[name]
        self._wake[name] = (when, version)
        heapq.heappush(self._heap, (when, next(self._seq), "wake", (name, version)))
