"""The simulated network every component talks over.

``Network.send(src, dst, message)`` delivers ``message`` to ``dst``'s handler after a
latency drawn from the network's seeded RNG — unless either end is down or a partition
separates them, in which case the message is dropped (and the trace says why).  Every
message is one ``message`` record in the trace, with its send and arrival times, so
figures can animate it.

Endpoints are components ("kube-apiserver-1", "kubelet/worker-1", "etcd-1" …); each runs
on a *host* (a machine: "control-plane-1", "worker-1" …) in a *zone*.  Crashing a host
takes down every endpoint on it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import simpy

from .trace import Trace


@dataclass
class Endpoint:
    name: str
    host: str
    handler: Callable[[str, Any], None]


class Network:
    """Latency, crashes and partitions between named endpoints."""

    def __init__(self, env: simpy.Environment, trace: Trace, rng: random.Random,
                 latency: tuple[float, float] = (0.0005, 0.0015),
                 cross_zone_latency: tuple[float, float] = (0.001, 0.003)):
        self.env = env
        self.trace = trace
        self.rng = rng
        self.latency = latency
        self.cross_zone_latency = cross_zone_latency
        self.endpoints: dict[str, Endpoint] = {}
        self.host_zone: dict[str, str] = {}
        self.down: set[str] = set()          # names of crashed hosts and endpoints
        self.groups: list[set[str]] = []     # active partition, [] when healed
        self.loss: float = 0.0               # probability that a message is lost
        # Messages between two endpoints arrive in the order they were sent (one TCP
        # connection); set ``fifo = False`` to let them overtake each other.
        self.fifo = True
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._link_rngs: dict[tuple[str, str], random.Random] = {}
        self._seed_text = f"{rng.getrandbits(64):016x}"   # derived from the cluster seed

    # ------------------------------------------------------------------ topology
    def add_host(self, host: str, zone: str = "") -> None:
        self.host_zone[host] = zone

    def attach(self, name: str, host: str, handler: Callable[[str, Any], None]) -> None:
        """Register endpoint ``name`` on ``host``; ``handler(src, message)`` receives messages."""
        self.endpoints[name] = Endpoint(name, host, handler)

    def is_up(self, name: str) -> bool:
        """True when the endpoint and its host are both up."""
        ep = self.endpoints.get(name)
        if ep is None:
            return name not in self.down
        return name not in self.down and ep.host not in self.down

    def _group_of(self, name: str) -> Optional[int]:
        ep = self.endpoints.get(name)
        for i, group in enumerate(self.groups):
            if name in group or (ep is not None and ep.host in group):
                return i
        return None

    def reachable(self, a: str, b: str) -> bool:
        """Can ``a`` and ``b`` exchange messages right now (ignoring crashes)?

        Endpoints named in no partition group (directly or through their host) reach everyone.
        """
        if not self.groups:
            return True
        ga, gb = self._group_of(a), self._group_of(b)
        return ga is None or gb is None or ga == gb

    def can_talk(self, a: str, b: str) -> bool:
        return self.is_up(a) and self.is_up(b) and self.reachable(a, b)

    # ------------------------------------------------------------------ faults
    def crash(self, name: str) -> None:
        self.down.add(name)

    def restart(self, name: str) -> None:
        self.down.discard(name)

    def partition(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups = [set(g) for g in groups]

    def heal(self) -> None:
        self.groups = []

    # ------------------------------------------------------------------ messages
    def delay(self, src: str, dst: str) -> float:
        """One-way latency between two endpoints, drawn from the seeded RNG."""
        zs = self.host_zone.get(self.endpoints[src].host if src in self.endpoints else src, "")
        zd = self.host_zone.get(self.endpoints[dst].host if dst in self.endpoints else dst, "")
        lo, hi = self.latency if zs == zd else self.cross_zone_latency
        return self._link_rng(src, dst).uniform(lo, hi)

    def _link_rng(self, src: str, dst: str) -> random.Random:
        """One random stream per link, so traffic on one link never shifts another's timing
        (a lesson's numbers stay put when an unrelated component is added)."""
        rng = self._link_rngs.get((src, dst))
        if rng is None:
            rng = self._link_rngs[(src, dst)] = random.Random(f"{self._seed_text}:{src}->{dst}")
        return rng

    def send(self, src: str, dst: str, message: Any, summary: str, **ref: Any) -> None:
        """Send ``message`` from ``src`` to ``dst``; ``summary`` is what the trace shows."""
        if not self.is_up(src):
            return
        now = self.env.now
        if not self.is_up(dst):
            self.trace.add(now, "message", src, dst, summary, dropped="unreachable", **ref)
            return
        if not self.reachable(src, dst):
            self.trace.add(now, "message", src, dst, summary, dropped="partitioned", **ref)
            return
        if self.loss and self.rng.random() < self.loss:
            self.trace.add(now, "message", src, dst, summary, dropped="lost", **ref)
            return
        arrive = now + self.delay(src, dst)
        if self.fifo:
            link = (src, dst)
            arrive = max(arrive, self._last_arrival.get(link, 0.0))
            self._last_arrival[link] = arrive
        self.trace.add(now, "message", src, dst, summary, arrive=arrive, **ref)
        self.env.schedule(_Delivery(self, src, dst, message), delay=arrive - now)

    def _deliver(self, src: str, dst: str, message: Any) -> None:
        # A crash or partition while the message was in flight loses it.
        if self.is_up(dst) and self.reachable(src, dst):
            self.endpoints[dst].handler(src, message)


class _Delivery(simpy.Event):
    """A scheduled delivery: cheaper than a process per message."""

    def __init__(self, net: Network, src: str, dst: str, message: Any):
        super().__init__(net.env)
        self._ok = True
        self._value = None
        self.callbacks.append(lambda _ev: net._deliver(src, dst, message))
