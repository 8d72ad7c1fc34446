"""What kube-proxy reads from Services and EndpointSlices (pkg/proxy/serviceport.go,
endpoint.go, endpointslicecache.go, topology.go).

* :func:`service_ports` turns a Service into one :class:`ServicePort` per port — kube-proxy's
  unit of work, named ``<namespace>/<service>[:<port name>]`` (``ServicePortName``).
* :func:`endpoints_by_port` merges every EndpointSlice of a Service into the endpoints of
  each service port, sorted by ``ip:port`` as the EndpointSliceCache does.
* :func:`categorize` picks which endpoints get traffic (``CategorizeEndpoints``): only
  *ready* ones; if none is ready anywhere, those that are *serving and terminating*; with
  ``trafficPolicy: Local`` only those on this node.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

#: sessionAffinityConfig.clientIP.timeoutSeconds default (pkg/apis/core/v1/defaults.go).
DEFAULT_STICKY_SECONDS = 10800


@dataclass(frozen=True)
class ServicePort:
    """One port of one Service, as kube-proxy stores it (``BaseServicePortInfo``)."""

    namespace: str
    name: str
    port_name: str
    protocol: str
    cluster_ip: str          # "" for headless / ExternalName: no rules at all
    port: int
    node_port: int = 0
    sticky_seconds: int = 0  # > 0 with sessionAffinity: ClientIP
    internal_local: bool = False
    external_local: bool = False

    @property
    def name_string(self) -> str:
        """``ServicePortName.String()``: ``default/web-service`` or ``default/kubernetes:https``."""
        return f"{self.namespace}/{self.name}" + (f":{self.port_name}" if self.port_name else "")

    @property
    def service_key(self) -> str:
        """``namespace/name`` of the Service."""
        return f"{self.namespace}/{self.name}"

    @property
    def externally_accessible(self) -> bool:
        """Reachable on node IPs (a NodePort; kubesim has no external IPs or load balancers)."""
        return self.node_port > 0

    def uses_cluster_endpoints(self) -> bool:
        """Does some traffic policy of this port use endpoints on every node?"""
        return not self.internal_local or (self.externally_accessible and not self.external_local)

    def uses_local_endpoints(self) -> bool:
        """Does some traffic policy of this port use only this node's endpoints?"""
        return self.internal_local or (self.externally_accessible and self.external_local)


@dataclass(frozen=True)
class Endpoint:
    """One backend address of a service port, with the conditions kube-proxy acts on."""

    ip: str
    port: int
    node: str
    ready: bool
    serving: bool
    terminating: bool
    pod: str = ""
    local: bool = False

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


def service_ports(svc: dict) -> list[ServicePort]:
    """Every proxied port of a Service (none for headless or ExternalName Services)."""
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP") or ""
    if ip in ("", "None") or spec.get("type") == "ExternalName":
        return []
    sticky = 0
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
        sticky = int(cfg.get("timeoutSeconds") or DEFAULT_STICKY_SECONDS)
    meta = svc["metadata"]
    return [ServicePort(meta["namespace"], meta["name"], p.get("name") or "",
                        p.get("protocol", "TCP"), ip, int(p["port"]),
                        int(p.get("nodePort") or 0) if spec.get("type") in ("NodePort", "LoadBalancer") else 0,
                        sticky, spec.get("internalTrafficPolicy") == "Local",
                        spec.get("externalTrafficPolicy") == "Local")
            for p in spec.get("ports") or []]


def endpoints_by_port(slices: Iterable[dict], node: str) -> dict[tuple[str, str, str], list[Endpoint]]:
    """``{(namespace/service, port name, protocol): [Endpoint]}`` from a Service's slices.

    Duplicate addresses (an endpoint moving between slices) count once; the list is
    sorted by its ``ip:port`` string (``byEndpoint`` in endpointslicecache.go).
    """
    out: dict[tuple, dict[str, Endpoint]] = {}
    for eps in slices:
        labels = eps["metadata"].get("labels") or {}
        svc = labels.get("kubernetes.io/service-name")
        if not svc:
            continue
        key_base = f"{eps['metadata']['namespace']}/{svc}"
        for port in eps.get("ports") or []:
            if port.get("port") is None:
                continue
            key = (key_base, port.get("name") or "", port.get("protocol", "TCP"))
            bucket = out.setdefault(key, {})
            for ep in eps.get("endpoints") or []:
                cond = ep.get("conditions") or {}
                ready = cond.get("ready") is not False              # nil means ready
                serving = cond.get("serving", ready) is not False
                for ip in ep.get("addresses") or []:
                    e = Endpoint(ip, int(port["port"]), ep.get("nodeName", ""), ready, serving,
                                 bool(cond.get("terminating")),
                                 (ep.get("targetRef") or {}).get("name", ""),
                                 ep.get("nodeName", "") == node)
                    bucket.setdefault(str(e), e)
    return {k: sorted(v.values(), key=str) for k, v in out.items()}


@dataclass(frozen=True)
class Categorized:
    """``CategorizeEndpoints``' result for one service port on one node."""

    cluster: tuple
    local: tuple
    reachable: tuple
    has_any: bool


def categorize(endpoints: list[Endpoint], sp: ServicePort) -> Categorized:
    """Which endpoints receive traffic from this node (pkg/proxy/topology.go)."""
    cluster: list[Endpoint] = []
    has_any = False
    if sp.uses_cluster_endpoints():
        cluster = [e for e in endpoints if e.ready]
        if not cluster:   # no ready endpoint anywhere: fall back to serving-and-terminating
            cluster = [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not sp.uses_local_endpoints():
        return Categorized(tuple(cluster), (), tuple(cluster), has_any)
    local_ready = [e for e in endpoints if e.local and e.ready]
    local = local_ready or [e for e in endpoints if e.local and e.serving and e.terminating]
    has_any = has_any or any(e.ready or (e.serving and e.terminating) for e in endpoints)
    if not sp.uses_cluster_endpoints():
        return Categorized((), tuple(local), tuple(local), has_any)
    reachable = list(cluster) + [e for e in local if e not in cluster]
    return Categorized(tuple(cluster), tuple(local), tuple(reachable), has_any)
