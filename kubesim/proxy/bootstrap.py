"""The Services every cluster starts with, and their EndpointSlices.

* ``default/kubernetes`` at the first address of the service range (10.96.0.1:443) — made by
  kube-apiserver's bootstrap controller; its EndpointSlice lists the API servers (port 6443).
* ``kube-system/kube-dns`` at the tenth address (10.96.0.10), ports 53/UDP, 53/TCP and
  9153/TCP — installed by kubeadm's CoreDNS add-on.  kubeadm's Service selects the CoreDNS
  Pods (``k8s-app=kube-dns``); kubesim runs CoreDNS as a component on the control-plane
  host instead, so this Service has no selector and its EndpointSlice names that host.

:func:`default_services` only builds the objects; ``Cluster`` stores them at boot.
"""
from __future__ import annotations

from ..api import clock

KUBERNETES_IP = "10.96.0.1"
KUBE_DNS_IP = "10.96.0.10"


def _meta(name: str, namespace: str, uid: int, labels: dict, **extra) -> dict:
    return {"name": name, "namespace": namespace, "labels": labels,
            "uid": f"00000000-0000-4000-8001-{uid:012d}",
            "creationTimestamp": clock.timestamp(0), **extra}


def _service(name: str, namespace: str, uid: int, labels: dict, ip: str, ports: list) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": _meta(name, namespace, uid, labels),
            "spec": {"clusterIP": ip, "clusterIPs": [ip], "internalTrafficPolicy": "Cluster",
                     "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": ports,
                     "sessionAffinity": "None", "type": "ClusterIP"},
            "status": {"loadBalancer": {}}}


def _slice(name: str, namespace: str, uid: int, labels: dict, addresses: list, ports: list,
           node: str = "") -> dict:
    endpoints = []
    for ip in addresses:
        ep = {"addresses": [ip], "conditions": {"ready": True, "serving": True, "terminating": False}}
        if node:
            ep["nodeName"] = node
        endpoints.append(ep)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": _meta(name, namespace, uid, labels, generation=1),
            "addressType": "IPv4", "endpoints": endpoints,
            "ports": [{"name": p["name"], "port": p["targetPort"], "protocol": p["protocol"]} for p in ports]}


def default_services(apiserver_ips: list, dns_ip: str, dns_node: str) -> list:
    """The ``kubernetes`` and ``kube-dns`` Services and EndpointSlices, ready to store."""
    api_ports = [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
    dns_ports = [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                 {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                 {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]
    dns_labels = {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                  "kubernetes.io/name": "CoreDNS"}
    return [
        _service("kubernetes", "default", 1, {"component": "apiserver", "provider": "kubernetes"},
                 KUBERNETES_IP, api_ports),
        _slice("kubernetes", "default", 2, {"kubernetes.io/service-name": "kubernetes"},
               list(apiserver_ips), api_ports),
        _service("kube-dns", "kube-system", 3, dns_labels, KUBE_DNS_IP, dns_ports),
        _slice("kube-dns", "kube-system", 4, {"kubernetes.io/service-name": "kube-dns",
                                              "k8s-app": "kube-dns"}, [dns_ip], dns_ports, dns_node),
    ]
