"""kube-proxy: one per node, turning Services and EndpointSlices into the node's rules.

Source: k8s.io/kubernetes cmd/kube-proxy/app/server.go, pkg/proxy/config (the informers),
pkg/util/async/bounded_frequency_runner.go (when syncs run).

* It watches Services and EndpointSlices through the API server — leaving out headless
  Services and those another proxy serves (label selector
  ``!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless``).
* Every change marks the rules dirty.  A *bounded-frequency runner* then syncs: at most
  one sync per ``minSyncPeriod`` (1 s, the iptables default since v1.28) with a burst of 2,
  so the first changes after a quiet period are programmed at once and a storm of changes
  is batched.  A sync rebuilds every rule from the informers' caches and hands them to
  the kernel (``iptables-restore`` or IPVS netlink calls), which takes a few milliseconds.
* Until a sync completes the node keeps forwarding with the *old* rules — that is the
  window in which a Pod that was just deleted (or just failed its readiness probe) can
  still receive a new connection.

The rules live in the node's kernel (:attr:`KubeProxy.tables`), not in kube-proxy: if
kube-proxy crashes, traffic keeps flowing with the last rules, which are just no longer
updated.
"""
from __future__ import annotations

from ..client import APIClient
from ..component import Component
from ..informers import Informer
from .iptables import IptablesTables
from .ipvs import IpvsTables
from .servicemap import categorize, endpoints_by_port, service_ports

MODES = ("iptables", "ipvs")
MIN_SYNC_PERIOD = 1.0          # KubeProxyConfiguration iptables.minSyncPeriod default (v1.28+)
BURST_SYNCS = 2                # proxier.go: burstSyncs
PROXY_SELECTOR = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless"


class KubeProxy(Component):
    """kube-proxy on one node, in ``iptables`` or ``ipvs`` mode."""

    plane = "data"

    def __init__(self, sim, name: str, host: str, choose_server, node_ip: str,
                 mode: str = "iptables", scheduler: str = "rr", cluster_cidr: str = "10.244.0.0/16"):
        if mode not in MODES:
            raise ValueError(f'unknown proxy mode "{mode}" (kube-proxy modes: {", ".join(MODES)})')
        super().__init__(sim, name, host)
        self.node_name = host
        self.node_ip = node_ip
        self.mode = mode
        self.client = APIClient(self, "system:kube-proxy", (), choose_server)
        if mode == "iptables":
            self.tables = IptablesTables(host, node_ip, sim.rng(f"netfilter/{host}"), cluster_cidr)
        else:
            self.tables = IpvsTables(host, node_ip, scheduler=scheduler)
        self.syncs = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        super().start()
        self.client.reset()
        self._dirty = self.env.event()
        self.services = Informer(self, self.client, "services", label_selector=PROXY_SELECTOR)
        self.slices = Informer(self, self.client, "endpointslices", label_selector=PROXY_SELECTOR)
        for inf in (self.services, self.slices):
            inf.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new),
                             on_delete=self._changed)
            inf.start()
        self.run(self._sync_runner())

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)

    def _changed(self, _obj=None) -> None:
        if not self._dirty.triggered:
            self._dirty.succeed()

    # ------------------------------------------------------------------ the runner
    def _sync_runner(self):
        """BoundedFrequencyRunner: a token bucket of ``BURST_SYNCS`` refilled every ``minSyncPeriod``."""
        env = self.env
        yield env.all_of([self.services.synced, self.slices.synced])
        tokens, last = float(BURST_SYNCS), env.now
        while True:
            tokens = min(BURST_SYNCS, tokens + (env.now - last) / MIN_SYNC_PERIOD)
            last = env.now
            if tokens < 1:
                yield env.timeout((1 - tokens) * MIN_SYNC_PERIOD)
                tokens, last = 1.0, env.now
            tokens -= 1
            self._dirty = env.event()
            yield from self.sync()
            if not self._dirty.triggered:
                yield self._dirty

    def sync(self):
        """Rebuild every rule from the informer caches and program the kernel (a generator)."""
        ports, categorized, endpoints = [], {}, 0
        slices_by_service: dict[str, list] = {}
        for eps in self.slices.list():
            svc = (eps["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
            if svc:
                slices_by_service.setdefault(f"{eps['metadata']['namespace']}/{svc}", []).append(eps)
        for svc in self.services.list():
            key = f"{svc['metadata']['namespace']}/{svc['metadata']['name']}"
            by_port = endpoints_by_port(slices_by_service.get(key, []), self.node_name)
            for sp in service_ports(svc):
                eps = by_port.get((key, sp.port_name, sp.protocol), [])
                categorized[sp] = categorize(eps, sp)
                endpoints += len(categorized[sp].reachable)
                ports.append(sp)
        # iptables-restore of the whole ruleset, or a round of IPVS netlink calls.
        took = (0.015 + self.rng.uniform(0, 0.015)) if self.mode == "iptables" \
            else (0.003 + self.rng.uniform(0, 0.004))
        yield self.env.timeout(took)
        self.tables.program(ports, categorized, self.env.now)
        self.syncs += 1
        tool = "iptables-restore" if self.mode == "iptables" else "ipvs"
        self.record(f"programmed {len(ports)} service ports, {endpoints} endpoints ({tool})",
                    target=self.node_name, mode=self.mode, services=len(ports), endpoints=endpoints)

    # ------------------------------------------------------------------ for lessons
    def iptables_save(self, grep: str | None = None) -> str:
        """The node's kube-proxy rules, like ``iptables-save`` (``| grep <grep>``)."""
        return self.tables.iptables_save(grep)

    def ipvsadm(self) -> str:
        """``ipvsadm -Ln`` on the node (IPVS mode only)."""
        if self.mode != "ipvs":   # iptables mode programs no virtual servers
            return IpvsTables(self.node_name, self.node_ip).ipvsadm()
        return self.tables.ipvsadm(self.env.now)
