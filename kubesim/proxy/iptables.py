"""kube-proxy's iptables mode: the rules it writes and how the kernel walks them.

Source: k8s.io/kubernetes pkg/proxy/iptables/proxier.go (``syncProxyRules``,
``writeServiceToEndpointRules``, ``portProtoHash``, ``computeProbability``).

For each service port kube-proxy writes, in the ``nat`` table::

    KUBE-SERVICES  -d <clusterIP> --dport <port>      -> KUBE-SVC-<hash>
    KUBE-SVC-<hash> --probability 1/n                 -> KUBE-SEP-<hash of endpoint 1>
    KUBE-SVC-<hash> --probability 1/(n-1)             -> KUBE-SEP-<hash of endpoint 2>
    ...
    KUBE-SVC-<hash>                                   -> KUBE-SEP-<hash of endpoint n>
    KUBE-SEP-<hash> -j DNAT --to-destination <pod IP>:<port>

Every *new connection* walks ``KUBE-SVC-…`` top to bottom; the ``statistic`` match of rule
*i* fires with probability ``1/(n-i)``, so each endpoint ends up with exactly ``1/n``.
Chain names are ``base32(sha256(servicePortName + protocol))[:16]`` (``+ endpoint`` for
``KUBE-SEP``).  A service without endpoints gets a ``REJECT`` rule in the ``filter`` table
(the client sees "connection refused"); ``trafficPolicy: Local`` without a local endpoint
gets ``DROP`` (the client times out).

:class:`IptablesTables` is the node's kernel state: kube-proxy replaces the rules on each
sync (``iptables-restore``); the ``recent`` lists of ClientIP affinity and the random
generator of the ``statistic`` match belong to the kernel and survive a kube-proxy restart.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Optional

from .servicemap import Categorized, Endpoint, ServicePort

MASQUERADE_MARK = "0x004000"          # fmt.Sprintf("%#08x", 1 << masqueradeBit=14)
NODEPORTS_COMMENT = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"'


# ---------------------------------------------------------------------- names and numbers
def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """``portProtoHash``: the first 16 characters of base32(sha256(name + protocol))."""
    digest = hashlib.sha256((service_port_name + protocol.lower()).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def svc_chain(sp: ServicePort, prefix: str = "KUBE-SVC-") -> str:
    """``KUBE-SVC-…`` (cluster policy), ``KUBE-SVL-…`` (local), ``KUBE-EXT-…`` (external)."""
    return prefix + port_proto_hash(sp.name_string, sp.protocol)


def sep_chain(sp: ServicePort, endpoint: Endpoint) -> str:
    """``servicePortEndpointChainName``: ``KUBE-SEP-`` + hash of name + protocol + ``ip:port``."""
    digest = hashlib.sha256((sp.name_string + sp.protocol.lower() + str(endpoint)).encode()).digest()
    return "KUBE-SEP-" + base64.b32encode(digest).decode()[:16]


def probability(n: int) -> str:
    """``computeProbability``: ``1/n`` written with ten decimals, as kube-proxy writes it."""
    return f"{1.0 / n:0.10f}"


def kernel_threshold(text: str) -> int:
    """xt_statistic keeps the probability as a 31-bit fraction (``lround(2^31 * p)``)."""
    return int(0x80000000 * float(text) + 0.5)


# ---------------------------------------------------------------------- what a sync produces
@dataclass(frozen=True)
class Chain:
    """A ``KUBE-SVC``/``KUBE-SVL`` chain: its endpoints, their SEP chains, the affinity."""

    name: str
    endpoints: tuple
    seps: tuple
    sticky_seconds: int = 0


@dataclass
class Entry:
    """How one service port is handled on this node."""

    sp: ServicePort
    internal: Optional[Chain] = None      # where ClusterIP traffic goes
    internal_filter: str = ""             # "REJECT" / "DROP" when it goes nowhere
    external: Optional[Chain] = None      # where NodePort traffic from outside goes
    cluster_chain: Optional[Chain] = None  # the Cluster-policy chain (for locally started traffic)
    external_filter: str = ""


@dataclass
class Route:
    """The verdict of the node's rules for one new connection."""

    verdict: str                           # "DNAT", "REJECT", "DROP" or "NONE" (no rule matched)
    endpoint: Optional[Endpoint] = None
    chains: list = field(default_factory=list)
    service: str = ""
    snat: bool = False
    rule: str = ""                         # the rule that decided, as iptables-save shows it
    handle: object = None                  # mode-specific connection state (IPVS real server)


class IptablesTables:
    """A node's netfilter state as kube-proxy programs it (one per node)."""

    mode = "iptables"

    def __init__(self, node: str, node_ip: str, rng, cluster_cidr: str = "10.244.0.0/16"):
        self.node = node
        self.node_ip = node_ip
        self.rng = rng
        self.cluster_cidr = cluster_cidr
        self.vips: dict[tuple, Entry] = {}
        self.node_ports: dict[tuple, Entry] = {}
        self.text = ""
        self.recent: dict[str, dict[str, float]] = {}   # xt_recent lists: name -> {src: last seen}
        self.synced_at: Optional[float] = None

    # ------------------------------------------------------------------ programming
    def program(self, ports: list[ServicePort], categorized: dict, now: float) -> None:
        """Replace every rule (an ``iptables-restore`` of the whole ruleset)."""
        writer = _Writer(self.cluster_cidr)
        vips, node_ports = {}, {}
        for sp in sorted(ports, key=lambda p: (p.name_string, p.protocol)):
            entry = self._entry(sp, categorized[sp], writer)
            vips[(sp.cluster_ip, sp.port, sp.protocol)] = entry
            if sp.node_port:
                node_ports[(sp.node_port, sp.protocol)] = entry
        self.vips, self.node_ports = vips, node_ports
        self.text = writer.render()
        self.synced_at = now

    def _entry(self, sp: ServicePort, cat: Categorized, w: "_Writer") -> Entry:
        proto = sp.protocol.lower()
        cluster_name, local_name = svc_chain(sp), svc_chain(sp, "KUBE-SVL-")
        sticky = sp.sticky_seconds
        cluster = Chain(cluster_name, cat.cluster, tuple(sep_chain(sp, e) for e in cat.cluster), sticky) \
            if cat.cluster and sp.uses_cluster_endpoints() else None
        local = Chain(local_name, cat.local, tuple(sep_chain(sp, e) for e in cat.local), sticky) \
            if cat.local and sp.uses_local_endpoints() else None
        entry = Entry(sp, cluster_chain=cluster)
        has_internal = cat.has_any and not (sp.internal_local and not cat.local)
        has_external = cat.has_any and not (sp.external_local and not cat.local)
        entry.internal = (local if sp.internal_local else cluster) if has_internal else None
        if not cat.has_any:
            entry.internal_filter = entry.external_filter = "REJECT"
            filter_comment = f'"{sp.name_string} has no endpoints"'
        else:
            filter_comment = f'"{sp.name_string} has no local endpoints"'
            entry.internal_filter = "" if has_internal else "DROP"
            entry.external_filter = "" if has_external else "DROP"
        match = ["-m", proto, "-p", proto, "-d", sp.cluster_ip, "--dport", str(sp.port)]
        if entry.internal is not None:
            w.nat("KUBE-SERVICES", "-m", "comment", "--comment", f'"{sp.name_string} cluster IP"',
                  *match, "-j", entry.internal.name)
        else:
            w.filter("KUBE-SERVICES", "-m", "comment", "--comment", filter_comment, *match,
                     "-j", entry.internal_filter)
        ext_name = svc_chain(sp, "KUBE-EXT-")
        if sp.node_port:
            if cat.has_any:
                w.nat("KUBE-NODEPORTS", "-m", "comment", "--comment", sp.name_string,
                      "-m", proto, "-p", proto, "--dport", str(sp.node_port), "-j", ext_name)
            if entry.external_filter:
                w.filter("KUBE-EXTERNAL-SERVICES", "-m", "comment", "--comment", filter_comment,
                         "-m", "addrtype", "--dst-type", "LOCAL", "-m", proto, "-p", proto,
                         "--dport", str(sp.node_port), "-j", entry.external_filter)
            entry.external = (local if sp.external_local else cluster) if has_external else None
        if entry.internal is not None:
            w.nat(entry.internal.name, "-m", "comment", "--comment", f'"{sp.name_string} cluster IP"',
                  *match, "!", "-s", self.cluster_cidr, "-j", "KUBE-MARK-MASQ")
        if sp.node_port and cat.has_any:
            w.chain(ext_name)
            if not sp.external_local:
                w.nat(ext_name, "-m", "comment", "--comment",
                      f'"masquerade traffic for {sp.name_string} external destinations"', "-j", "KUBE-MARK-MASQ")
            else:
                w.nat(ext_name, "-m", "comment", "--comment",
                      f'"pod traffic for {sp.name_string} external destinations"',
                      "-s", self.cluster_cidr, "-j", cluster_name)
                w.nat(ext_name, "-m", "comment", "--comment",
                      f'"masquerade LOCAL traffic for {sp.name_string} external destinations"',
                      "-m", "addrtype", "--src-type", "LOCAL", "-j", "KUBE-MARK-MASQ")
                w.nat(ext_name, "-m", "comment", "--comment",
                      f'"route LOCAL traffic for {sp.name_string} external destinations"',
                      "-m", "addrtype", "--src-type", "LOCAL", "-j", cluster_name)
            if entry.external is not None:
                w.nat(ext_name, "-j", entry.external.name)
        for chain in (cluster, local):
            if chain is not None:
                w.chain(chain.name)
                self._balance(w, sp, chain)
        for e in cat.reachable:
            sep = sep_chain(sp, e)
            w.chain(sep)
            w.nat(sep, "-m", "comment", "--comment", sp.name_string, "-s", e.ip, "-j", "KUBE-MARK-MASQ")
            recent = ["-m", "recent", "--name", sep, "--set"] if sticky else []
            w.nat(sep, "-m", "comment", "--comment", sp.name_string, *recent, "-m", proto, "-p", proto,
                  "-j", "DNAT", "--to-destination", str(e))
        return entry

    @staticmethod
    def _balance(w: "_Writer", sp: ServicePort, chain: Chain) -> None:
        """``writeServiceToEndpointRules``: affinity checks, then the probability ladder."""
        if chain.sticky_seconds:
            for e, sep in zip(chain.endpoints, chain.seps):
                w.nat(chain.name, "-m", "comment", "--comment", f'"{sp.name_string} -> {e}"',
                      "-m", "recent", "--name", sep, "--rcheck", "--seconds", str(chain.sticky_seconds),
                      "--reap", "-j", sep)
        n = len(chain.endpoints)
        for i, (e, sep) in enumerate(zip(chain.endpoints, chain.seps)):
            stat = ["-m", "statistic", "--mode", "random", "--probability", probability(n - i)] \
                if i < n - 1 else []
            w.nat(chain.name, "-m", "comment", "--comment", f'"{sp.name_string} -> {e}"', *stat, "-j", sep)

    # ------------------------------------------------------------------ the packet's walk
    def route_cluster_ip(self, ip: str, port: int, proto: str, src_ip: str, now: float) -> Route:
        """A new connection from this node (a Pod or the host) to ``ip:port``."""
        entry = self.vips.get((ip, port, proto))
        if entry is None:
            return Route("NONE", chains=["KUBE-SERVICES"])
        if entry.internal is None:
            return Route(entry.internal_filter, chains=["KUBE-SERVICES"], service=entry.sp.name_string,
                         rule=f"-A KUBE-SERVICES ... -d {ip} --dport {port} -j {entry.internal_filter}")
        route = self._walk(entry.internal, src_ip, now)
        route.chains.insert(0, "KUBE-SERVICES")
        route.service = entry.sp.name_string
        return route

    def route_node_port(self, port: int, proto: str, src_ip: str, now: float,
                        from_local: bool = False) -> Route:
        """A new connection to this node's IP on ``port`` (from outside unless ``from_local``)."""
        entry = self.node_ports.get((port, proto))
        if entry is None:
            return Route("NONE", chains=["KUBE-SERVICES", "KUBE-NODEPORTS"])
        ext = svc_chain(entry.sp, "KUBE-EXT-")
        chain = entry.external
        if from_local and entry.sp.external_local:
            chain = entry.cluster_chain   # "route LOCAL traffic ... external destinations"
        if chain is None:
            verdict = entry.external_filter or "REJECT"
            return Route(verdict, chains=["KUBE-SERVICES", "KUBE-NODEPORTS"], service=entry.sp.name_string,
                         rule=f"-A KUBE-EXTERNAL-SERVICES ... --dport {port} -j {verdict}")
        route = self._walk(chain, src_ip, now)
        route.chains[:0] = ["KUBE-SERVICES", "KUBE-NODEPORTS", ext]
        route.service = entry.sp.name_string
        route.snat = not entry.sp.external_local or from_local
        return route

    def _walk(self, chain: Chain, src_ip: str, now: float) -> Route:
        """Walk a KUBE-SVC/KUBE-SVL chain: affinity first, then the statistic ladder."""
        pick = None
        if chain.sticky_seconds:
            for e, sep in zip(chain.endpoints, chain.seps):
                seen = self.recent.get(sep, {}).get(src_ip)
                if seen is not None and now - seen <= chain.sticky_seconds:
                    pick, rule = (e, sep), (f"-A {chain.name} -m recent --name {sep} --rcheck "
                                            f"--seconds {chain.sticky_seconds} --reap -j {sep}")
                    break
        if pick is None:
            n = len(chain.endpoints)
            for i, (e, sep) in enumerate(zip(chain.endpoints, chain.seps)):
                if i == n - 1:
                    pick, rule = (e, sep), f"-A {chain.name} -j {sep}"
                    break
                p = probability(n - i)
                if self.rng.getrandbits(31) < kernel_threshold(p):
                    pick, rule = (e, sep), f"-A {chain.name} -m statistic --mode random --probability {p} -j {sep}"
                    break
        endpoint, sep = pick
        if chain.sticky_seconds:
            self.recent.setdefault(sep, {})[src_ip] = now     # "-m recent --set" in KUBE-SEP
        return Route("DNAT", endpoint, [chain.name, sep], rule=rule)

    def connection_closed(self, route: Route, now: float) -> None:
        """Nothing to count in iptables mode (IPVS's ``lc`` needs it)."""

    # ------------------------------------------------------------------ showing it
    def iptables_save(self, grep: Optional[str] = None) -> str:
        """The rules as kube-proxy wrote them (``iptables-save``), optionally ``| grep``-ed."""
        if grep is None:
            return self.text
        return "\n".join(line for line in self.text.splitlines() if grep in line)


class _Writer:
    """Collects chain lines and rules for the filter and nat tables (proxyutil.LineBuffer)."""

    def __init__(self, cluster_cidr: str):
        self.filter_chains = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD",
                              "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]
        self.filter_rules: list[str] = []
        self.nat_chains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]
        self.nat_rules = [
            f"-A KUBE-POSTROUTING -m mark ! --mark {MASQUERADE_MARK}/{MASQUERADE_MARK} -j RETURN",
            f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQUERADE_MARK}",
            '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" '
            "-j MASQUERADE --random-fully",
            f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQUERADE_MARK}",
        ]

    def chain(self, name: str) -> None:
        if name not in self.nat_chains:
            self.nat_chains.append(name)

    def nat(self, chain: str, *args: str) -> None:
        self.nat_rules.append(" ".join(("-A", chain) + args))

    def filter(self, chain: str, *args: str) -> None:
        self.filter_rules.append(" ".join(("-A", chain) + args))

    def render(self) -> str:
        self.nat(*("KUBE-SERVICES", "-m", "comment", "--comment", NODEPORTS_COMMENT,
                   "-m", "addrtype", "--dst-type", "LOCAL", "-j", "KUBE-NODEPORTS"))
        forward = [
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
            '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" '
            f"-m mark --mark {MASQUERADE_MARK}/{MASQUERADE_MARK} -j ACCEPT",
            '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" '
            "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        ]
        lines = ["*filter"] + [f":{c} - [0:0]" for c in self.filter_chains] + self.filter_rules \
            + forward + ["COMMIT", "*nat"] + [f":{c} - [0:0]" for c in self.nat_chains] \
            + self.nat_rules + ["COMMIT"]
        return "\n".join(lines)
