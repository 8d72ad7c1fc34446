"""kube-proxy's IPVS mode: one virtual server per service port, Pods as real servers.

Source: k8s.io/kubernetes pkg/proxy/ipvs/proxier.go (``syncService``, ``syncEndpoint``) and
the Linux IPVS schedulers it configures (net/netfilter/ipvs/ip_vs_rr.c, ip_vs_lc.c).

* kube-proxy binds every ClusterIP to the dummy interface ``kube-ipvs0``, so the node owns
  the VIP: a port nobody serves answers with a reset ("connection refused").
* ``rr`` (the default scheduler) hands new connections to the real servers in turn,
  continuing after the one chosen last.
* ``lc`` picks the real server with the smallest overhead ``256 × active + inactive``
  connections (inactive ones linger in TIME_WAIT for two minutes), the first on a tie.
* ``sessionAffinity: ClientIP`` becomes ``persistent <timeout>``: a client IP keeps its real
  server while it keeps connecting within the timeout.

Real servers are chosen like in iptables mode (ready endpoints; serving-and-terminating
ones when none is ready; only local ones with ``trafficPolicy: Local``).  kube-proxy keeps a
terminating real server with weight 0 until its connections end; kubesim drops it at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .iptables import Route
from .servicemap import Categorized, Endpoint, ServicePort

TIME_WAIT_SECONDS = 120.0        # ip_vs_proto_tcp.c: tcp_timeouts[IP_VS_TCP_S_TIME_WAIT]
SCHEDULERS = ("rr", "lc")


@dataclass
class RealServer:
    """``ipvsadm`` destination: an endpoint and its connection counters."""

    endpoint: Endpoint
    active: int = 0
    closed: list = field(default_factory=list)     # times connections went to TIME_WAIT

    def inactive(self, now: float) -> int:
        """Connections still in TIME_WAIT (``InActConn``)."""
        self.closed = [t for t in self.closed if now - t < TIME_WAIT_SECONDS]
        return len(self.closed)


@dataclass
class VirtualServer:
    """``ipvsadm -A -t <vip>:<port> -s <scheduler> [-p <timeout>]``."""

    address: str
    port: int
    protocol: str
    scheduler: str
    persistent: int
    service: str
    reals: list = field(default_factory=list)      # RealServer, in kube-proxy's order
    last: Optional[str] = None                     # rr: the real server chosen last
    templates: dict = field(default_factory=dict)  # persistence: client IP -> (real, last used)

    def schedule(self, src_ip: str, now: float) -> tuple[Optional[RealServer], str]:
        """Pick a real server for a new connection; also returns how it was picked."""
        if not self.reals:
            return None, "no real servers"
        by_key = {str(r.endpoint): r for r in self.reals}
        if self.persistent:
            held = self.templates.get(src_ip)
            if held and held[0] in by_key and now - held[1] <= self.persistent:
                self.templates[src_ip] = (held[0], now)
                return by_key[held[0]], f"persistent template for {src_ip}"
        if self.scheduler == "lc":
            real = min(self.reals, key=lambda r: 256 * r.active + r.inactive(now))
            how = "least connections"
        else:
            keys = [str(r.endpoint) for r in self.reals]
            start = keys.index(self.last) + 1 if self.last in keys else 0
            real = self.reals[start % len(self.reals)]
            how = "round robin"
        self.last = str(real.endpoint)
        if self.persistent:
            self.templates[src_ip] = (str(real.endpoint), now)
        return real, how


class IpvsTables:
    """A node's IPVS table (plus the ``kube-ipvs0`` addresses) as kube-proxy programs it."""

    mode = "ipvs"

    def __init__(self, node: str, node_ip: str, rng=None, scheduler: str = "rr"):
        if scheduler not in SCHEDULERS:
            raise ValueError(f"unsupported IPVS scheduler {scheduler!r} (kubesim has {', '.join(SCHEDULERS)})")
        self.node = node
        self.node_ip = node_ip
        self.scheduler = scheduler
        self.services: dict[tuple, VirtualServer] = {}
        self.bound: set[str] = set()               # addresses on kube-ipvs0
        self.synced_at: Optional[float] = None

    # ------------------------------------------------------------------ programming
    def program(self, ports: list[ServicePort], categorized: dict, now: float) -> None:
        """Add, update and delete virtual and real servers to match the service ports."""
        wanted: dict[tuple, VirtualServer] = {}
        for sp in sorted(ports, key=lambda p: (p.name_string, p.protocol)):
            cat: Categorized = categorized[sp]
            internal = cat.local if sp.internal_local else cat.cluster
            self._virtual(wanted, sp.cluster_ip, sp.port, sp, internal)
            if sp.node_port:
                external = cat.local if sp.external_local else cat.cluster
                self._virtual(wanted, self.node_ip, sp.node_port, sp, external)
        self.services = wanted
        self.bound = {sp.cluster_ip for sp in ports}
        self.synced_at = now

    def _virtual(self, wanted: dict, address: str, port: int, sp: ServicePort, endpoints) -> None:
        key = (address, port, sp.protocol)
        vs = self.services.get(key)
        if vs is None or vs.scheduler != self.scheduler or vs.persistent != sp.sticky_seconds:
            vs = VirtualServer(address, port, sp.protocol, self.scheduler, sp.sticky_seconds,
                               sp.name_string, last=vs.last if vs else None)
        old = {str(r.endpoint): r for r in vs.reals}
        vs.reals = [old.get(str(e)) or RealServer(e) for e in endpoints]
        for r, e in zip(vs.reals, endpoints):
            r.endpoint = e
        wanted[key] = vs

    # ------------------------------------------------------------------ the packet's walk
    def route_cluster_ip(self, ip: str, port: int, proto: str, src_ip: str, now: float) -> Route:
        """A new connection from this node to ``ip:port``."""
        vs = self.services.get((ip, port, proto))
        if vs is None:
            if ip in self.bound:     # the VIP is a local address: the kernel answers RST
                return Route("REJECT", chains=["kube-ipvs0"], rule=f"{ip} is bound to kube-ipvs0; "
                             f"nothing listens on port {port}")
            return Route("NONE")
        return self._connect(vs, src_ip, now)

    def route_node_port(self, port: int, proto: str, src_ip: str, now: float,
                        from_local: bool = False) -> Route:
        """A new connection to this node's IP on ``port`` (always SNATed in kubesim's IPVS)."""
        vs = self.services.get((self.node_ip, port, proto))
        if vs is None:
            return Route("NONE")
        route = self._connect(vs, src_ip, now)
        route.snat = True
        return route

    def _connect(self, vs: VirtualServer, src_ip: str, now: float) -> Route:
        real, how = vs.schedule(src_ip, now)
        name = f"{vs.protocol} {vs.address}:{vs.port} {vs.scheduler}"
        if real is None:
            return Route("REJECT", chains=[name], service=vs.service, rule=f"{name}: no real servers")
        real.active += 1
        return Route("DNAT", real.endpoint, [name, f"-> {real.endpoint}"], vs.service,
                     rule=f"{name} -> {real.endpoint} ({how})", handle=real)

    def connection_closed(self, route: Route, now: float) -> None:
        """The connection ended: it stops being active and waits in TIME_WAIT."""
        real = route.handle
        if isinstance(real, RealServer) and real.active > 0:
            real.active -= 1
            real.closed.append(now)

    # ------------------------------------------------------------------ showing it
    def ipvsadm(self, now: float = 0.0) -> str:
        """What ``ipvsadm -Ln`` prints on the node."""
        lines = ["IP Virtual Server version 1.2.1 (size=4096)",
                 "Prot LocalAddress:Port Scheduler Flags",
                 "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
        for key in sorted(self.services, key=lambda k: (k[2], tuple(int(x) for x in k[0].split(".")), k[1])):
            vs = self.services[key]
            flags = f" persistent {vs.persistent}" if vs.persistent else ""
            lines.append(f"{vs.protocol:<4} {vs.address}:{vs.port} {vs.scheduler}{flags}")
            for r in vs.reals:
                lines.append(f"  -> {str(r.endpoint):<28} {'Masq':<7} {1:<6} {r.active:<10} {r.inactive(now)}")
        return "\n".join(lines)

    def iptables_save(self, grep: Optional[str] = None) -> str:
        """IPVS mode writes no KUBE-SVC/KUBE-SEP chains: only ipset matches remain."""
        text = "\n".join([
            "*nat",
            ":KUBE-SERVICES - [0:0]", ":KUBE-NODE-PORT - [0:0]", ":KUBE-MARK-MASQ - [0:0]",
            '-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for '
            'masquerade purpose" -m set --match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ',
            "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
            "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
            "COMMIT"])
        if grep is None:
            return text
        return "\n".join(line for line in text.splitlines() if grep in line)
