"""What every simulated component shares: a name, a host, a network endpoint, processes.

A component's work runs as simpy processes started by :meth:`Component.run`.  Crashing it
interrupts them and drops its in-memory state; restarting calls :meth:`Component.start`
again, exactly as a restarted process would start from scratch (re-listing from the API
server, re-reading its persisted state).
"""
from __future__ import annotations

import random
from typing import Any, Generator

import simpy

from .network import Network
from .rand import component_rng
from .trace import Trace


class Sim:
    """The shared simulation context: clock, network, trace and seed."""

    def __init__(self, seed: int = 0, trace: Trace | None = None):
        self.seed = seed
        self.env = simpy.Environment()
        self.trace = trace if trace is not None else Trace()
        self.network = Network(self.env, self.trace, component_rng(seed, "network"))

    def rng(self, name: str) -> random.Random:
        return component_rng(self.seed, name)

    @property
    def now(self) -> float:
        return self.env.now


class SimulationClock:
    """``now``, ``trace``, ``run`` and ``run_until`` for a facade that owns ``self.sim``
    (:class:`kubesim.Cluster`, :class:`kubesim.etcd.EtcdCluster`)."""

    sim: Sim
    #: ``run_until``'s defaults, in simulated seconds.
    run_until_timeout = 300.0
    run_until_step = 0.5

    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.sim.env.now

    @property
    def trace(self) -> Trace:
        return self.sim.trace

    def run(self, seconds: float):
        """Advance simulated time by ``seconds``."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.sim.env.run(until=self.sim.env.now + seconds)
        return self

    def run_until(self, condition, timeout: float | None = None, step: float | None = None) -> bool:
        """Run until ``condition(self)`` holds, checked every ``step`` simulated seconds;
        False when ``timeout`` seconds pass first (defaults: the class's ``run_until_*``)."""
        timeout = self.run_until_timeout if timeout is None else timeout
        step = self.run_until_step if step is None else step
        deadline = self.now + timeout
        while self.now < deadline - 1e-12:
            if condition(self):
                return True
            self.run(min(step, deadline - self.now))
        return bool(condition(self))


class Component:
    """Base class: subclasses implement :meth:`start` and :meth:`on_message`."""

    #: Which plane the component belongs to ("control" or "data"), for figures.
    plane = "control"

    def __init__(self, sim: Sim, name: str, host: str):
        self.sim = sim
        self.env = sim.env
        self.name = name
        self.host = host
        self.rng = sim.rng(name)
        self.up = False
        self._processes: list[simpy.Process] = []
        sim.network.attach(name, host, self._receive)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Begin running (called at boot and on every restart)."""
        self.up = True

    def stop(self) -> None:
        """Stop every process of this component (a crash)."""
        self.up = False
        for proc in self._processes:
            # A process that stops its own component (exit_and_restart) ends by returning.
            if proc.is_alive and proc is not self.env.active_process:
                proc.interrupt("crash")
        self._processes = []

    def exit_and_restart(self, reason: str, delay: float = 1.0) -> None:
        """The process exits on its own (``reason``) and, as a static Pod's container, is
        started again by kubelet ``delay`` seconds later — unless the host or the component
        was crashed or restarted by someone else in between."""
        self.record(f"{self.name} exited: {reason}", kind="component", exited=reason)
        self.stop()

        def restart_later():
            yield self.env.timeout(delay)
            if not self.up and self.sim.network.is_up(self.name):
                self.record(f"{self.name} restarted by kubelet", restarted=True)
                self.start()

        self.env.process(restart_later())

    def run(self, generator: Generator) -> simpy.Process:
        """Start a process that dies quietly when the component crashes."""
        proc = self.env.process(self._guard(generator))
        self._processes.append(proc)
        return proc

    @staticmethod
    def _guard(generator: Generator):
        try:
            yield from generator
        except simpy.Interrupt:
            return

    # ------------------------------------------------------------------ messages
    def send(self, dst: str, message: Any, summary: str, **ref: Any) -> None:
        self.sim.network.send(self.name, dst, message, summary, **ref)

    def _receive(self, src: str, message: Any) -> None:
        if self.up:
            self.on_message(src, message)

    def on_message(self, src: str, message: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def record(self, summary: str, target: str = "", kind: str = "component", **ref: Any) -> None:
        """Add a ``component`` record to the trace."""
        self.sim.trace.add(self.env.now, kind, self.name, target, summary, **ref)
