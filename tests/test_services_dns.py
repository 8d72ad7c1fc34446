"""Cluster DNS: service names, the search path, headless Services, NXDOMAIN, the cache."""
from __future__ import annotations

import pytest

from kubesim.dns import search_names, search_path
from kubesim.lessons import lesson07

HEADLESS = """\
apiVersion: v1
kind: Service
metadata:
  name: web-headless
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
"""
OTHER_NS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    app: cart
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: search
  namespace: shop
spec:
  type: ExternalName
  externalName: search.example.com
"""


def test_resolver_search_order_with_ndots_5():
    search = search_path("default")
    assert search == ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    assert search_names("web", search)[0] == "web.default.svc.cluster.local"
    assert search_names("web.shop", search)[:2] == ["web.shop.default.svc.cluster.local",
                                                    "web.shop.svc.cluster.local"]
    # 4 dots < ndots:5, so even the full name is tried with every suffix first
    assert search_names("web.default.svc.cluster.local", search)[-1] == "web.default.svc.cluster.local"
    assert search_names("web.default.svc.cluster.local.", search) == ["web.default.svc.cluster.local"]


@pytest.fixture(scope="module")
def cluster():
    c = lesson07.web_story(probe=True)
    c.apply(HEADLESS)
    c.apply(OTHER_NS)
    c.run(3)
    return c


def answers(c, name, source="client"):
    text = c.traffic.nslookup(name, source)
    return sorted(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Address: "))


@pytest.mark.parametrize("name", ["web-service", "web-service.default", "web-service.default.svc",
                                  "web-service.default.svc.cluster.local",
                                  "web-service.default.svc.cluster.local."])
def test_every_form_of_the_name_reaches_the_cluster_ip(cluster, name):
    assert answers(cluster, name) == [cluster.get("Service", "web-service")["spec"]["clusterIP"]]


def test_other_namespaces_need_their_name(cluster):
    ip = cluster.get("Service", "cart", "shop")["spec"]["clusterIP"]
    assert answers(cluster, "cart.shop") == [ip]
    assert "NXDOMAIN" in cluster.traffic.nslookup("cart", "client")


def test_headless_returns_the_ready_pod_ips(cluster):
    ips = sorted(p["status"]["podIP"] for p in cluster.list("Pod", "default", selector="app=web"))
    assert answers(cluster, "web-headless") == ips
    r = cluster.http_get("http://web-headless", source="client")
    assert r.ok and r.pod_ip in ips and r.rule == ""          # straight to a Pod: no DNAT
    assert "Pod IP: no translation" in r.explain()


def test_unknown_names_fail_with_nxdomain(cluster):
    assert cluster.traffic.nslookup("no-such-service", "client").endswith(
        "** server can't find no-such-service: NXDOMAIN")
    r = cluster.http_get("http://no-such-service", source="client")
    assert r.error == "NXDOMAIN" and r.message == "curl: (6) Could not resolve host: no-such-service"
    assert "4 names tried" in r.explain()


def test_external_name_is_a_cname(cluster):
    assert "canonical name = search.example.com." in cluster.traffic.nslookup("search.shop", "client")


def test_pod_a_records(cluster):
    ip = cluster.get("Pod", "client")["status"]["podIP"]
    assert answers(cluster, f"{ip.replace('.', '-')}.default.pod.cluster.local") == [ip]


def test_nodes_do_not_resolve_cluster_names(cluster):
    r = cluster.http_get("http://web-service", source="worker-1")
    assert r.error == "NXDOMAIN"
    ip = cluster.get("Service", "web-service")["spec"]["clusterIP"]
    assert cluster.http_get(f"http://{ip}", source="worker-1").ok     # the VIP works from a node


def test_answers_are_cached_for_the_ttl():
    c = lesson07.web_story()
    assert c.http_get("http://web-service", source="client").ok
    c.kubectl("delete service web-service")
    c.run(1)
    stale = c.http_get("http://web-service", source="client", timeout=1)    # the cached answer ...
    assert stale.error == "timeout" and "no rule matches" in stale.explain()  # ... a VIP nobody owns
    c.run(31)
    assert c.http_get("http://web-service", source="client").error == "NXDOMAIN"


def test_dns_down_means_resolving_times_out():
    c = lesson07.web_story()
    c.crash("coredns")
    r = c.http_get("http://web-service", source="client", timeout=3)
    assert r.error == "timeout" and "Resolving timed out" in r.message
