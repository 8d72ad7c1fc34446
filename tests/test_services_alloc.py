"""ClusterIP and NodePort allocation: random from the range, user values honoured, Kubernetes' errors."""
from __future__ import annotations

import ipaddress
import random

import pytest

import kubesim
from kubesim.apiserver.service_alloc import ServiceAllocator, range_offset
from kubesim.errors import InvalidError, KubesimError


def svc(name="web", **spec):
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("ports", [{"port": 80, "protocol": "TCP"}])
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def test_static_band_sizes_match_kubernetes():
    # calculateRangeOffset: min(max(16, size/16), 256) for IPs; min(max(16, size/32), 128) for ports
    assert range_offset(2 ** 20, 16, 256, 16) == 256          # 10.96.0.0/12
    assert range_offset(256, 16, 256, 16) == 16               # a /24
    assert range_offset(16, 16, 256, 16) == 0                 # a /28 has no static band
    assert range_offset(2768, 16, 128, 32) == 86              # 30000-32767


def test_dynamic_ips_are_random_in_the_upper_band_and_seeded():
    a = ServiceAllocator(random.Random(1))
    ips = []
    for i in range(50):
        s = svc(f"s{i}")
        a.allocate(s, [])
        ips.append(s["spec"]["clusterIP"])
    net = ipaddress.ip_network("10.96.0.0/12")
    assert all(ipaddress.ip_address(ip) in net for ip in ips)
    assert all(int(ipaddress.ip_address(ip)) - int(net.network_address) > 256 for ip in ips)
    assert len(set(ips)) == 50
    assert len({ip.split(".")[1] for ip in ips}) > 5           # spread over the whole /12
    b = ServiceAllocator(random.Random(1))
    again = []
    for i in range(50):
        s = svc(f"s{i}")
        b.allocate(s, [])
        again.append(s["spec"]["clusterIP"])
    assert again == ips


def test_requested_ip_honoured_and_conflicts_worded_like_kubernetes():
    a = ServiceAllocator(random.Random(0))
    s = svc(clusterIP="10.96.0.50")
    a.allocate(s, [])
    assert s["spec"]["clusterIPs"] == ["10.96.0.50"]
    with pytest.raises(InvalidError) as err:
        a.allocate(svc("other", clusterIP="10.96.0.50"), [])
    assert str(err.value) == ('The Service "other" is invalid: spec.clusterIPs: Invalid value: '
                              '[]string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: '
                              'provided IP is already allocated')
    with pytest.raises(InvalidError) as err:
        a.allocate(svc("far", clusterIP="10.200.0.1"), [])
    assert "the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12" \
        in str(err.value)
    a.release(s)
    a.allocate(svc("again", clusterIP="10.96.0.50"), [])     # released: free again


def test_headless_and_external_name_get_no_ip():
    a = ServiceAllocator(random.Random(0))
    headless = svc(clusterIP="None")
    a.allocate(headless, [])
    assert headless["spec"]["clusterIPs"] == ["None"]
    ext = svc(type="ExternalName", externalName="example.com")
    a.allocate(ext, [])
    assert "clusterIP" not in ext["spec"]


def test_node_ports_random_above_the_static_band_and_conflicts_refused():
    a = ServiceAllocator(random.Random(3))
    ports = []
    for i in range(20):
        s = svc(f"np{i}", type="NodePort")
        a.allocate(s, [])
        ports.append(s["spec"]["ports"][0]["nodePort"])
    assert all(30086 <= p <= 32767 for p in ports) and len(set(ports)) == 20
    a.allocate(svc("fixed", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), [])
    with pytest.raises(InvalidError) as err:
        a.allocate(svc("clash", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]), [])
    assert str(err.value) == ('The Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: '
                              '30080: provided port is already allocated')


def test_update_keeps_allocated_values_the_client_left_out():
    a = ServiceAllocator(random.Random(0))
    old = svc(type="NodePort")
    a.allocate(old, [])
    new = svc(type="NodePort")                                 # a PUT without clusterIP/nodePort
    a.allocate(new, [old], old)
    assert new["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    assert new["spec"]["ports"][0]["nodePort"] == old["spec"]["ports"][0]["nodePort"]
    back = svc(type="ClusterIP")
    a.allocate(back, [new], new)
    assert "nodePort" not in back["spec"]["ports"][0]


# ---------------------------------------------------------------------- through the API server
@pytest.fixture(scope="module")
def cluster():
    c = kubesim.Cluster(seed=0)
    c.run(1)
    return c


def test_bootstrap_services_hold_their_well_known_ips(cluster):
    assert cluster.get("Service", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    assert cluster.get("Service", "kube-dns", "kube-system")["spec"]["clusterIP"] == "10.96.0.10"
    with pytest.raises(KubesimError) as err:
        cluster.apply("apiVersion: v1\nkind: Service\nmetadata: {name: dns2}\n"
                      "spec: {clusterIP: 10.96.0.10, ports: [{port: 53}]}\n")
    assert "failed to allocate IP 10.96.0.10: provided IP is already allocated" in str(err.value)


def test_apply_allocates_keeps_and_releases(cluster):
    cluster.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np}\n"
                  "spec: {type: NodePort, selector: {app: x}, ports: [{port: 80}]}\n")
    svc1 = cluster.get("Service", "np")
    ip, port = svc1["spec"]["clusterIP"], svc1["spec"]["ports"][0]["nodePort"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12")
    assert 30000 <= port <= 32767
    cluster.apply("apiVersion: v1\nkind: Service\nmetadata: {name: np, labels: {team: a}}\n"
                  "spec: {type: NodePort, selector: {app: x}, ports: [{port: 80}]}\n")
    again = cluster.get("Service", "np")
    assert again["spec"]["clusterIP"] == ip and again["spec"]["ports"][0]["nodePort"] == port
    cluster.kubectl("delete service np")
    cluster.run(0.5)
    cluster.apply(f"apiVersion: v1\nkind: Service\nmetadata: {{name: np2}}\n"
                  f"spec: {{type: NodePort, clusterIP: {ip}, ports: [{{port: 80, nodePort: {port}}}]}}\n")
    assert cluster.get("Service", "np2")["spec"]["clusterIP"] == ip


def test_changing_type_to_nodeport_allocates_a_port(cluster):
    base = "apiVersion: v1\nkind: Service\nmetadata: {name: grow}\nspec: {type: %s, ports: [{port: 80}]}\n"
    cluster.apply(base % "ClusterIP")
    assert "nodePort" not in cluster.get("Service", "grow")["spec"]["ports"][0]
    cluster.apply(base % "NodePort")
    assert 30000 <= cluster.get("Service", "grow")["spec"]["ports"][0]["nodePort"] <= 32767
