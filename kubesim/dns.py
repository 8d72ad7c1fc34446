"""Cluster DNS: CoreDNS with its ``kubernetes`` plugin, answering at ``kube-dns`` (10.96.0.10).

Sources: the Kubernetes DNS specification (github.com/kubernetes/dns, docs/specification.md),
CoreDNS's kubernetes plugin (coredns.io/plugins/kubernetes), kubeadm's default Corefile
(``kubernetes cluster.local … { pods insecure; ttl 30 }``, ``cache 30``, ``loadbalance``).

* ``<service>.<namespace>.svc.cluster.local`` → the Service's ClusterIP;
  for a *headless* Service (``clusterIP: None``) the addresses of its **ready** endpoints
  (NXDOMAIN when none is ready), shuffled by ``loadbalance``;
  ``<hostname>.<service>.<namespace>.svc.cluster.local`` → one endpoint with that hostname;
  an ExternalName Service → a CNAME to its ``externalName``.
* ``<a-b-c-d>.<namespace>.pod.cluster.local`` → ``a.b.c.d`` (``pods insecure``).
* Anything else under ``cluster.local`` → NXDOMAIN; other names go to the upstream
  resolver, which kubesim's offline cluster does not have (NXDOMAIN too).
* Answers — positive and negative — are cached for the TTL (30 s): a Service created just
  after a failed lookup may stay NXDOMAIN for that long.

CoreDNS watches Services and EndpointSlices through the API server like every component.
In kubesim it runs on the control-plane host (not as Pods), so the ``kube-dns`` Service has
no selector and one endpoint: that host's address.

:func:`search_names` is the client side: a Pod's ``/etc/resolv.conf`` (``dnsPolicy:
ClusterFirst``) has ``search <ns>.svc.cluster.local svc.cluster.local cluster.local`` and
``options ndots:5``, so a name with fewer than five dots is tried with each search suffix
first — ``web-service`` resolves on the first try, ``web-service.default`` on the second.
"""
from __future__ import annotations

from typing import Optional

from .client import APIClient
from .component import Component
from .informers import Informer

CLUSTER_DOMAIN = "cluster.local"
DNS_SERVICE_IP = "10.96.0.10"
TTL = 30                 # kubeadm Corefile: kubernetes { ttl 30 }, cache 30
NDOTS = 5


def search_path(namespace: str, domain: str = CLUSTER_DOMAIN) -> list[str]:
    """The ``search`` line kubelet writes into a ClusterFirst Pod's resolv.conf."""
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def search_names(name: str, search: list[str], ndots: int = NDOTS) -> list[str]:
    """The names a glibc resolver asks for, in order (``res_nsearch``)."""
    if name.endswith("."):
        return [name[:-1]]
    candidates = [f"{name}.{suffix}" for suffix in search]
    return [name] + candidates if name.count(".") >= ndots else candidates + [name]


class CoreDNS(Component):
    """The cluster's DNS server (one replica, on a control-plane host)."""

    plane = "control"

    def __init__(self, sim, name: str, host: str, choose_server, ip: str):
        super().__init__(sim, name, host)
        self.ip = ip
        self.client = APIClient(self, "system:serviceaccount:kube-system:coredns", (), choose_server)
        self.queries = 0

    def start(self) -> None:
        super().start()
        self.client.reset()
        self.cache: dict[str, tuple[str, list, float]] = {}
        self.services = Informer(self, self.client, "services")
        self.slices = Informer(self, self.client, "endpointslices")
        self.services.start()
        self.slices.start()

    # ------------------------------------------------------------------ messages
    def on_message(self, src, msg) -> None:
        if msg.get("type") != "dns-query":
            self.client.handle(msg)
            return
        self.queries += 1
        rcode, answers = self.lookup(msg["qname"])
        word = " ".join(answers) if answers else ("NXDOMAIN" if rcode == "NXDOMAIN" else rcode)
        self.send(src, {"type": "dns-reply", "id": msg["id"], "qname": msg["qname"],
                        "rcode": rcode, "answers": answers},
                  f"DNS {msg['qname']} → {word}", rpc="dns", request=msg["id"], conn=msg.get("conn", 0))

    # ------------------------------------------------------------------ answering
    def lookup(self, qname: str) -> tuple[str, list[str]]:
        """``(rcode, answers)`` for an A query, through the cache (``cache 30``)."""
        qname = qname.lower().rstrip(".")
        hit = self.cache.get(qname)
        if hit is not None and hit[2] > self.env.now:
            rcode, answers = hit[0], list(hit[1])
        else:
            rcode, answers = self.resolve(qname)
            self.cache[qname] = (rcode, list(answers), self.env.now + TTL)
        if len(answers) > 1 and not answers[0].startswith("CNAME"):
            self.rng.shuffle(answers)                      # the loadbalance plugin
        return rcode, answers

    def resolve(self, qname: str) -> tuple[str, list[str]]:
        """What the kubernetes plugin answers right now (no cache)."""
        svc_zone, pod_zone = f".svc.{CLUSTER_DOMAIN}", f".pod.{CLUSTER_DOMAIN}"
        if qname.endswith(svc_zone):
            labels = qname[: -len(svc_zone)].split(".")
            if len(labels) == 2:
                return self._service(labels[1], labels[0])
            if len(labels) == 3:
                return self._endpoint(labels[2], labels[1], labels[0])
        elif qname.endswith(pod_zone):
            labels = qname[: -len(pod_zone)].split(".")
            if len(labels) == 2 and len(labels[0].split("-")) == 4:
                ip = labels[0].replace("-", ".")
                if all(p.isdigit() and int(p) < 256 for p in ip.split(".")):
                    return "NOERROR", [ip]
        return "NXDOMAIN", []

    def _service(self, ns: str, name: str) -> tuple[str, list[str]]:
        svc = self.services.get(f"{ns}/{name}")
        if svc is None:
            return "NXDOMAIN", []
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return "NOERROR", [f"CNAME {spec.get('externalName', '')}"]
        if spec.get("clusterIP") not in (None, "", "None"):
            return "NOERROR", [spec["clusterIP"]]
        ips = [ep["addresses"][0] for ep in self._endpoints(ns, name, svc)]
        return ("NOERROR", sorted(set(ips))) if ips else ("NXDOMAIN", [])

    def _endpoint(self, ns: str, name: str, host: str) -> tuple[str, list[str]]:
        svc = self.services.get(f"{ns}/{name}")
        if svc is None or (svc.get("spec") or {}).get("clusterIP") not in ("None",):
            return "NXDOMAIN", []
        ips = [ep["addresses"][0] for ep in self._endpoints(ns, name, svc) if ep.get("hostname") == host]
        return ("NOERROR", ips) if ips else ("NXDOMAIN", [])

    def _endpoints(self, ns: str, name: str, svc: dict) -> list[dict]:
        """Ready endpoints of a Service (all of them with ``publishNotReadyAddresses``)."""
        publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
        out = []
        for eps in self.slices.list():
            if eps["metadata"]["namespace"] != ns or \
                    (eps["metadata"].get("labels") or {}).get("kubernetes.io/service-name") != name:
                continue
            for ep in eps.get("endpoints") or []:
                ready = (ep.get("conditions") or {}).get("ready") is not False
                if ep.get("addresses") and (ready or publish):
                    out.append(ep)
        return out


def nslookup_text(name: str, tried: list[tuple[str, str, list]], server: str = DNS_SERVICE_IP) -> str:
    """What ``nslookup <name>`` prints for the lookups ``tried`` [(qname, rcode, answers)]."""
    lines = [f"Server:\t\t{server}", f"Address:\t{server}#53", ""]
    found: Optional[tuple] = next((t for t in tried if t[1] == "NOERROR" and t[2]), None)
    if found is None:
        lines.append(f"** server can't find {name}: NXDOMAIN")
        return "\n".join(lines)
    qname, _, answers = found
    for answer in answers:
        if answer.startswith("CNAME "):
            lines.append(f"{qname}\tcanonical name = {answer.split(' ', 1)[1]}.")
        else:
            lines += [f"Name:\t{qname}", f"Address: {answer}"]
    return "\n".join(lines)
