"""The load balancer in front of several kube-apiserver replicas (high availability).

API servers are stateless — everything they know is in etcd — so a cluster runs several
behind one address (``controlPlaneEndpoint``: HAProxy + keepalived in kubeadm's HA guide,
a cloud load balancer in managed clusters). The load balancer:

* **probes** each replica's ``GET /readyz`` every ``interval`` seconds (HAProxy
  ``option httpchk``); after ``fall`` failed probes in a row a replica is taken out, after
  ``rise`` good ones it is put back;
* **picks** a healthy replica for each new connection, round-robin;
* **redispatches** a connection that is refused (the replica's process died and its host
  reset the connection) to the next healthy replica (HAProxy ``option redispatch``).

kubesim models it at layer 4 without its own network hop: the client's connection goes to
the replica the load balancer picked. When no replica is healthy, connections are refused.

Source: kubeadm "Options for Software Load Balancing" (HAProxy ``check inter``, ``fall``,
``rise``), k8s.io/apiserver/pkg/server/healthz (``/readyz``).
"""
from __future__ import annotations

from typing import Optional

from .component import Component


class LoadBalancer(Component):
    """A health-checked TCP load balancer for the API servers."""

    plane = "control"

    def __init__(self, sim, name: str, host: str, backends: list[str], interval: float = 2.0,
                 timeout: float = 1.0, fall: int = 3, rise: int = 2):
        super().__init__(sim, name, host)
        self.backends = list(backends)
        self.interval, self.timeout, self.fall, self.rise = interval, timeout, fall, rise
        #: Whether each backend is in rotation (all start in, as HAProxy's initial state).
        self.healthy = {b: True for b in self.backends}
        self._streak = {b: 0 for b in self.backends}      # consecutive opposite results
        self._next = 0
        self._seq = 0
        self._pending: dict = {}

    def start(self) -> None:
        super().start()
        self._pending = {}
        self.run(self._probe_loop())

    def on_message(self, src, msg) -> None:
        ev = self._pending.pop(msg.get("id"), None)
        if ev is not None and not ev.triggered:
            ev.succeed(msg.get("code", 0))

    # ------------------------------------------------------------------ health checks
    def _probe_loop(self):
        while True:
            for backend in self.backends:
                self.run(self._probe(backend))
            yield self.env.timeout(self.interval)

    def _probe(self, backend: str):
        """One anonymous ``GET /readyz``: healthy when it answers 200 within ``timeout``."""
        self._seq += 1
        rid = self._seq
        ev = self._pending[rid] = self.env.event()
        self.send(backend, {"type": "api", "id": rid, "verb": "get", "resource": None,
                            "namespace": None, "name": None, "subresource": "", "body": None,
                            "user": "", "groups": (), "options": {"path": "/readyz"}},
                  "GET /readyz", rpc="api", request=rid)
        result = yield ev | self.env.timeout(self.timeout)
        self._pending.pop(rid, None)
        ok = ev in result and result[ev] == 200
        if ok == self.healthy[backend]:
            self._streak[backend] = 0
            return
        self._streak[backend] += 1
        if self._streak[backend] >= (self.rise if ok else self.fall):
            self.healthy[backend] = ok
            self._streak[backend] = 0
            self.record(f"{backend} {'UP: back in rotation' if ok else 'DOWN: taken out of rotation'}",
                        target=backend, healthy=ok)

    # ------------------------------------------------------------------ connections
    def pick(self) -> Optional[str]:
        """The replica for a new connection: the next healthy one that accepts it."""
        if not self.up:
            return None
        n = len(self.backends)
        for step in range(n):
            backend = self.backends[(self._next + step) % n]
            if self.healthy[backend] and self.sim.network.is_up(backend):
                self._next = (self._next + step + 1) % n
                return backend
        return None
