"""ClusterIP and NodePort allocation, as the API server's Service registry does it.

Sources: k8s.io/kubernetes pkg/registry/core/service/ipallocator (bitmap.go, allocator.go),
pkg/registry/core/service/portallocator, pkg/registry/core/service/storage/alloc.go.

* ClusterIPs come from the service CIDR (``--service-cluster-ip-range``, kubeadm's
  default ``10.96.0.0/12``).  The network and broadcast addresses are never used.  The
  range is split in two bands (KEP-3070): the first ``min(max(16, size/16), 256)``
  addresses are kept for IPs users ask for (``10.96.0.1`` for ``kubernetes``,
  ``10.96.0.10`` for ``kube-dns``); dynamic allocation picks a *random* free address in the
  upper band first, and only then in the lower one.
* NodePorts come from ``--service-node-port-range`` (30000–32767) the same way, with a
  static band of ``min(max(16, size/32), 128)`` ports (KEP-3668).
* A ``spec.clusterIP`` or ``nodePort`` the user wrote is honoured if it is free, and
  refused with Kubernetes' own words otherwise.

Who holds what is read from the API server's watch cache (every stored Service) plus the
allocations this replica made that the cache has not seen yet — kubesim's stand-in for
the allocation bitmap the real registry keeps in etcd.  Randomness comes from a stream
seeded with the cluster seed and the server's name, so the same seed gives the same IPs.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Optional

from ..errors import FieldError, InvalidError, StatusError

SERVICE_CIDR = "10.96.0.0/12"
NODE_PORT_RANGE = (30000, 32767)

ERR_IP_ALLOCATED = "provided IP is already allocated"
ERR_PORT_ALLOCATED = "provided port is already allocated"
ERR_FULL = "range is full"


def range_offset(size: int, minimum: int, maximum: int, step: int) -> int:
    """``calculateRangeOffset``: the size of the static band, ``min(max(min, size/step), max)``."""
    if size <= minimum:
        return 0
    return max(minimum, min(size // step, maximum))


class _Band:
    """A contiguous range of integers allocated at random, upper (dynamic) band first.

    ``randomScanStrategyWithOffset`` (pkg/registry/core/service/allocator/bitmap.go): start at
    a random place in ``[offset, size)`` and scan for a free slot, then do the same in
    ``[0, offset)``.
    """

    def __init__(self, size: int, offset: int):
        self.size = size
        self.offset = offset

    def pick(self, rng, used) -> Optional[int]:
        """A free offset (not in ``used``), or None when the range is full."""
        for lo, hi in ((self.offset, self.size), (0, self.offset)):
            span = hi - lo
            if span <= 0:
                continue
            start = rng.randrange(span)
            for i in range(span):
                at = lo + (start + i) % span
                if at not in used:
                    return at
        return None


class ServiceAllocator:
    """One API server replica's ClusterIP and NodePort allocator."""

    def __init__(self, rng, cidr: str = SERVICE_CIDR, node_ports: tuple = NODE_PORT_RANGE):
        self.rng = rng
        self.net = ipaddress.ip_network(cidr)
        self.base = int(self.net.network_address) + 1          # never the ".0" address
        size = self.net.num_addresses - 2                        # nor the broadcast address
        self.ips = _Band(size, range_offset(self.net.num_addresses, 16, 256, 16))
        self.port_base = node_ports[0]
        port_count = node_ports[1] - node_ports[0] + 1
        self.ports = _Band(port_count, range_offset(port_count, 16, 128, 32))
        self.port_range = f"{node_ports[0]}-{node_ports[1]}"
        # Allocations made here and not yet seen in the watch cache: value -> Service key.
        self.pending_ips: dict[str, str] = {}
        self.pending_ports: dict[int, str] = {}

    # ------------------------------------------------------------------ what is taken
    def used(self, services: Iterable[dict], skip: Optional[str] = None) -> tuple[set, set]:
        """IPs and node ports held by stored Services and pending allocations, except those
        of the Service whose key is ``skip`` (it may keep what it has)."""
        ips = {ip for ip, owner in self.pending_ips.items() if owner != skip}
        ports = {p for p, owner in self.pending_ports.items() if owner != skip}
        for svc in services:
            if skip is not None and _key(svc) == skip:
                continue
            ips.update(ip for ip in _cluster_ips(svc) if ip != "None")
            ports.update(p["nodePort"] for p in svc.get("spec", {}).get("ports") or []
                         if p.get("nodePort"))
        return ips, ports

    # ------------------------------------------------------------------ allocate / release
    def allocate(self, svc: dict, services: Iterable[dict], old: Optional[dict] = None) -> None:
        """Give ``svc`` its ClusterIP and NodePorts (in place); raise InvalidError if taken.

        On update (``old`` given) values the client left out are carried over from ``old``
        (``patchAllocatedValues``), so a PUT without ``clusterIP`` keeps the allocated one.
        """
        spec = svc.setdefault("spec", {})
        if old is not None:
            _carry_over(spec, old.get("spec") or {})
        key, name = _key(svc), svc["metadata"].get("name", "")
        used_ips, used_ports = self.used(services, skip=key if old is not None else None)
        new_ips, new_ports = [], []
        try:
            if _needs_cluster_ip(spec):
                ip = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
                kept = old is not None and ip in _cluster_ips(old)
                if not ip:
                    ip = self._next_ip(used_ips)
                    new_ips.append(ip)
                elif not kept:
                    self._claim_ip(ip, used_ips, spec, name)
                    new_ips.append(ip)
                self.pending_ips.update((ip, key) for ip in new_ips)
                spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
            elif spec.get("clusterIP") == "None":
                spec["clusterIPs"] = ["None"]
            if _needs_node_ports(spec):
                for i, port in enumerate(spec.get("ports") or []):
                    wanted = port.get("nodePort")
                    if wanted and old is not None and wanted in _node_ports(old):
                        continue
                    if wanted:
                        self._claim_port(wanted, used_ports, i, name)
                    else:
                        wanted = self._next_port(used_ports)
                        port["nodePort"] = wanted
                    used_ports.add(wanted)
                    new_ports.append(wanted)
                    self.pending_ports[wanted] = key
            else:
                for port in spec.get("ports") or []:
                    port.pop("nodePort", None)
        except StatusError:
            self._drop(new_ips, new_ports)
            raise

    def release(self, svc: Optional[dict]) -> None:
        """Forget the pending allocations of ``svc`` (deleted, or never stored)."""
        if svc is not None:
            self._drop(_cluster_ips(svc), _node_ports(svc))

    def forget_seen(self, services: Iterable[dict]) -> None:
        """Drop pending entries that stored Services now hold (the cache caught up)."""
        ips, ports = set(), set()
        for svc in services:
            ips.update(_cluster_ips(svc))
            ports.update(_node_ports(svc))
        self._drop(ips, ports)

    def _drop(self, ips: Iterable[str], ports: Iterable[int]) -> None:
        for ip in ips:
            self.pending_ips.pop(ip, None)
        for port in ports:
            self.pending_ports.pop(port, None)

    # ------------------------------------------------------------------ helpers
    def _next_ip(self, used: set) -> str:
        taken = {int(ipaddress.ip_address(ip)) - self.base for ip in used
                 if _in(ip, self.net)}
        offset = self.ips.pick(self.rng, taken)
        if offset is None:
            # alloc.go: an internal error wrapping ipallocator.ErrFull
            raise StatusError(f"Internal error occurred: failed to allocate a serviceIP: {ERR_FULL}",
                              code=500, reason="InternalError")
        ip = str(ipaddress.ip_address(self.base + offset))
        used.add(ip)
        return ip

    def _claim_ip(self, ip: str, used: set, spec: dict, name: str) -> None:
        index = int(ipaddress.ip_address(ip)) - self.base if _in(ip, self.net) else -1
        if not 0 <= index < self.ips.size:
            detail = (f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid "
                      f"range. The range of valid IPs is {self.net}")
        elif ip in used:
            detail = f"failed to allocate IP {ip}: {ERR_IP_ALLOCATED}"
        else:
            used.add(ip)
            return
        raise InvalidError("Service", name, [FieldError(
            "Invalid value", "spec.clusterIPs", list(spec.get("clusterIPs") or [ip]), detail)])

    def _next_port(self, used: set) -> int:
        offset = self.ports.pick(self.rng, {p - self.port_base for p in used})
        if offset is None:
            raise StatusError(f"Internal error occurred: failed to allocate a nodePort: {ERR_FULL}",
                              code=500, reason="InternalError")
        return self.port_base + offset

    def _claim_port(self, port: int, used: set, index: int, name: str) -> None:
        if not 0 <= port - self.port_base < self.ports.size:
            detail = (f"provided port is not in the valid range. The range of valid ports is "
                      f"{self.port_range}")
        elif port in used:
            detail = ERR_PORT_ALLOCATED
        else:
            return
        raise InvalidError("Service", name, [FieldError(
            "Invalid value", f"spec.ports[{index}].nodePort", port, detail)])


# ---------------------------------------------------------------------- reading Services
def _key(svc: dict) -> str:
    meta = svc.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def _in(ip: str, net) -> bool:
    try:
        return ipaddress.ip_address(ip) in net
    except ValueError:
        return False


def _cluster_ips(svc: dict) -> list[str]:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [ip for ip in ips if ip and ip != "None"]


def _node_ports(svc: dict) -> list[int]:
    return [p["nodePort"] for p in (svc.get("spec") or {}).get("ports") or [] if p.get("nodePort")]


def _needs_cluster_ip(spec: dict) -> bool:
    """ExternalName and headless (``clusterIP: None``) Services get no virtual IP."""
    return spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None"


def _needs_node_ports(spec: dict) -> bool:
    if spec.get("type") == "NodePort":
        return True
    return spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True)


def _carry_over(spec: dict, old_spec: dict) -> None:
    """``patchAllocatedValues``: keep the old ClusterIP and NodePorts the client omitted."""
    if _needs_cluster_ip(spec) and _needs_cluster_ip(old_spec) and not spec.get("clusterIP"):
        if old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
            spec["clusterIPs"] = list(old_spec.get("clusterIPs") or [old_spec["clusterIP"]])
    if _needs_node_ports(spec) and _needs_node_ports(old_spec):
        old_by_port = {(p.get("protocol", "TCP"), p.get("port")): p.get("nodePort")
                       for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            if not port.get("nodePort"):
                kept = old_by_port.get((port.get("protocol", "TCP"), port.get("port")))
                if kept:
                    port["nodePort"] = kept


# ---------------------------------------------------------------------- the server's hooks
def allocator_for(server) -> ServiceAllocator:
    """The allocator of one API server replica (made on first use, dropped on restart)."""
    alloc = getattr(server, "_service_alloc", None)
    if alloc is None or getattr(server, "_service_alloc_cache", None) is not server.cache:
        alloc = ServiceAllocator(server.sim.rng(f"{server.name}/service-allocator"))
        server._service_alloc = alloc
        server._service_alloc_cache = server.cache
    return alloc


def allocate(server, svc: dict, old: Optional[dict] = None) -> None:
    """Called by the API server before it stores a new (or updated) Service."""
    services = list(server.cache.objects["services"].values())
    alloc = allocator_for(server)
    alloc.forget_seen(services)
    alloc.allocate(svc, services, old)


def release(server, svc: Optional[dict]) -> None:
    """Called by the API server when a Service is deleted or could not be stored."""
    allocator_for(server).release(svc)
