"""kube-proxy: rule names and probabilities, iptables vs IPVS balancing, affinity, propagation."""
from __future__ import annotations

import pytest

from kubesim import seed
from kubesim.lessons import lesson07
from kubesim.proxy.iptables import kernel_threshold, port_proto_hash, probability
from kubesim.proxy.ipvs import RealServer, VirtualServer
from kubesim.proxy.servicemap import Endpoint, ServicePort, categorize

URL = "http://web-service"


# ---------------------------------------------------------------------- names and numbers
@pytest.mark.parametrize("name, proto, chain", [
    # chain names seen in `iptables-save` on real clusters
    ("default/kubernetes:https", "tcp", "NPX46M4PTMTKRN6Y"),
    ("kube-system/kube-dns:dns", "udp", "TCOU7JCQXEZGVUNU"),
    ("kube-system/kube-dns:dns-tcp", "tcp", "ERIFXISQEP7F7OF4"),
    ("kube-system/kube-dns:metrics", "tcp", "JD5MR3NA4I4DYORP"),
])
def test_chain_hash_is_kube_proxys(name, proto, chain):
    assert port_proto_hash(name, proto) == chain


def test_probabilities_as_kube_proxy_writes_them():
    assert [probability(n) for n in (4, 3, 2)] == ["0.2500000000", "0.3333333333", "0.5000000000"]
    # iptables-save on a node shows the kernel's 31-bit fraction: 0.33333333349
    assert f"{kernel_threshold('0.3333333333') / 2 ** 31:.11f}" == "0.33333333349"


def test_ready_endpoints_only_then_serving_terminating_fallback():
    sp = ServicePort("default", "web", "", "TCP", "10.96.5.5", 80)
    ready = Endpoint("10.244.1.2", 80, "worker-1", True, True, False)
    unready = Endpoint("10.244.1.3", 80, "worker-1", False, False, False)
    draining = Endpoint("10.244.2.2", 80, "worker-2", False, True, True)
    assert categorize([ready, unready, draining], sp).cluster == (ready,)
    assert categorize([unready, draining], sp).cluster == (draining,)
    assert not categorize([unready], sp).has_any
    local = ServicePort("default", "web", "", "TCP", "10.96.5.5", 80, internal_local=True)
    here = Endpoint("10.244.1.2", 80, "worker-1", True, True, False, local=True)
    far = Endpoint("10.244.2.2", 80, "worker-2", True, True, False)
    cat = categorize([here, far], local)
    assert cat.local == (here,) and cat.reachable == (here,)
    assert categorize([far], local).has_any and not categorize([far], local).local


def test_ipvs_schedulers():
    eps = [Endpoint(f"10.244.1.{i}", 80, "w", True, True, False) for i in (2, 3, 4)]
    rr = VirtualServer("10.96.1.1", 80, "TCP", "rr", 0, "s", [RealServer(e) for e in eps])
    assert [str(rr.schedule("c", 0)[0].endpoint) for _ in range(6)] == \
        ["10.244.1.2:80", "10.244.1.3:80", "10.244.1.4:80"] * 2
    lc = VirtualServer("10.96.1.1", 80, "TCP", "lc", 0, "s", [RealServer(e) for e in eps])
    lc.reals[0].active, lc.reals[1].active = 2, 1
    assert str(lc.schedule("c", 0)[0].endpoint) == "10.244.1.4:80"
    sticky = VirtualServer("10.96.1.1", 80, "TCP", "rr", 10, "s", [RealServer(e) for e in eps])
    first = sticky.schedule("client-a", 0)[0]
    assert all(sticky.schedule("client-a", t)[0] is first for t in (1, 5, 14))
    assert sticky.schedule("client-a", 30)[0] is not first          # template expired


# ---------------------------------------------------------------------- in a cluster
@pytest.fixture(scope="module")
def iptables():
    return lesson07.web_story()


@pytest.fixture(scope="module")
def ipvs():
    return lesson07.web_story(proxy_mode="ipvs")


def test_iptables_save_shows_the_probability_ladder(iptables):
    rules = iptables.kube_proxies["worker-1"].iptables_save(grep="KUBE-SVC")
    ip = iptables.get("Service", "web-service")["spec"]["clusterIP"]
    chain = "KUBE-SVC-" + port_proto_hash("default/web-service", "tcp")
    ladder = [l for l in rules.splitlines() if l.startswith(f"-A {chain}") and "->" in l]
    assert len(ladder) == 3
    assert "--probability 0.3333333333" in ladder[0] and "--probability 0.5000000000" in ladder[1]
    assert "--probability" not in ladder[2]
    assert f"-A KUBE-SERVICES -m comment --comment \"default/web-service cluster IP\" -m tcp -p tcp " \
           f"-d {ip} --dport 80 -j {chain}" in rules
    pods = sorted(p["status"]["podIP"] for p in iptables.list("Pod", "default", selector="app=web"))
    assert [l.split('-> ')[1].split(':')[0] for l in ladder] == sorted(pods, key=lambda i: f"{i}:80")
    full = iptables.kube_proxies["worker-1"].iptables_save()
    assert full.startswith("*filter") and "*nat" in full and full.rstrip().endswith("COMMIT")
    assert f"-j DNAT --to-destination {pods[0]}:80" in full


def test_iptables_spreads_uniformly_chi_square(iptables):
    run = iptables.load(URL, rps=200, seconds=15, source="client")
    assert run.ok == run.total == 3000 and len(run.counts) == 3
    expected = run.total / 3
    chi2 = sum((n - expected) ** 2 / expected for n in run.counts.values())
    assert chi2 < 9.21, run.counts            # df = 2, alpha = 0.01


def test_ipvs_round_robin_cycles_in_order(ipvs):
    served = [ipvs.http_get(URL, source="client").pod_ip for _ in range(9)]
    order = sorted({*served}, key=lambda ip: f"{ip}:80")
    start = order.index(served[0])
    assert served == [order[(start + i) % 3] for i in range(9)]
    run = ipvs.load(URL, rps=100, seconds=3, source="client")
    assert sorted(run.counts.values()) == [100, 100, 100]
    assert "rr" in ipvs.kube_proxies["worker-1"].ipvsadm()


def test_ipvs_least_connections_option():
    c = lesson07.web_story(proxy_mode="ipvs", ipvs_scheduler="lc")
    run = c.load(URL, rps=100, seconds=3, source="client")
    assert len(run.counts) == 3 and max(run.counts.values()) - min(run.counts.values()) <= 3
    assert " lc" in c.kube_proxies["worker-1"].ipvsadm()


@pytest.mark.parametrize("mode", ["iptables", "ipvs"])
def test_client_ip_affinity_pins_a_client(mode):
    sticky = seed.SERVICE.replace("  type: ClusterIP\n", "  type: ClusterIP\n  sessionAffinity: ClientIP\n")
    c = lesson07.web_story(proxy_mode=mode, service=sticky)
    assert c.get("Service", "web-service")["spec"]["sessionAffinity"] == "ClientIP"
    assert len({c.http_get(URL, source="client").pod for _ in range(30)}) == 1
    clients = {c.http_get(URL, source="client", client_ip=f"10.244.7.{i}").pod for i in range(2, 40)}
    assert len(clients) == 3
    if mode == "iptables":
        assert "--rcheck --seconds 10800 --reap" in c.kube_proxies["worker-1"].iptables_save()


def test_affinity_expires_after_its_timeout():
    sticky = seed.SERVICE.replace("  type: ClusterIP\n", "  type: ClusterIP\n  sessionAffinity: ClientIP\n"
                                  "  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 1\n")
    c = lesson07.web_story(service=sticky)
    served = set()
    for _ in range(12):
        served.add(c.http_get(URL, source="client").pod)
        c.run(2)
    assert len(served) > 1


def test_unready_pod_gets_no_new_traffic_once_propagated():
    c = lesson07.web_story(probe=True)
    victim = lesson07.web_pods(c)[0]
    c.app(victim).fail_readiness()
    c.run(5)                                  # 2 failed probes, EndpointSlice update, rules synced
    run = c.load(URL, rps=100, seconds=5, source="client")
    assert victim not in run.counts and run.ok == run.total and len(run.counts) == 2
    c.app(victim).recover()
    c.run(3)
    assert victim in c.load(URL, rps=100, seconds=2, source="client").counts


def test_just_deleted_pod_still_answers_for_a_moment(iptables):
    victim = lesson07.web_pods(iptables)[0]
    lesson07.at(iptables, 0.001, lambda: iptables.client().delete("pods", victim, namespace="default"))
    run = iptables.load(URL, rps=1000, seconds=1.5, source="client")
    served_by_victim = [r.start - run.results[0].start for r in run.results if r.pod == victim]
    assert served_by_victim and max(served_by_victim) < 0.5          # for a moment, then never again
    assert run.results[-1].pod != victim


def test_new_pods_get_traffic_only_after_rules_sync():
    c = lesson07.web_story()
    before = set(lesson07.web_pods(c))
    lesson07.scale_at(c, 0.5, 5)
    run = c.load(URL, rps=100, seconds=20, source="client")
    new = set(lesson07.web_pods(c)) - before
    assert len(new) == 2 and new <= set(run.counts)
    first_new = min(r.start for r in run.results if r.pod in new) - run.results[0].start
    assert first_new > 0.5


def test_no_endpoints_rejects_and_unknown_port_times_out(iptables):
    iptables.apply("apiVersion: v1\nkind: Service\nmetadata: {name: empty}\n"
                   "spec: {selector: {app: nothing}, ports: [{port: 80}]}\n")
    iptables.run(2)
    r = iptables.http_get("http://empty", source="client")
    assert r.error == "connection refused" and "Connection refused" in r.message
    assert '"default/empty has no endpoints"' in iptables.kube_proxies["worker-1"].iptables_save("REJECT")
    assert iptables.http_get("http://web-service:8080", source="client", timeout=1).error == "timeout"


def test_ipvs_vip_port_nobody_serves_is_refused(ipvs):
    assert ipvs.http_get("http://web-service:8080", source="client").error == "connection refused"


def test_node_port_and_external_traffic_policy():
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {name: web-np}\nspec:\n  type: NodePort\n"
           "  externalTrafficPolicy: %s\n  selector: {app: web}\n  ports: [{port: 80, nodePort: %d}]\n")
    c = lesson07.web_story()
    c.apply(svc % ("Cluster", 30080))
    c.apply(svc.replace("web-np", "web-local") % ("Local", 30081))
    c.run(2)
    control_plane = c.kubelets["control-plane"].node_spec["ip"]       # runs no web Pod
    r = c.http_get(f"http://{control_plane}:30080")
    assert r.ok and r.seen_ip == control_plane                         # SNAT to the node
    assert c.http_get(f"http://{control_plane}:30081", timeout=1).error == "timeout"
    w2 = c.kubelets["worker-2"].node_spec["ip"]
    local = c.http_get(f"http://{w2}:30081", client_ip="198.51.100.7")
    assert local.ok and local.node == "worker-2" and local.seen_ip == "198.51.100.7"
    assert c.http_get(f"http://{w2}:30099").error == "connection refused"


def test_internal_traffic_policy_local():
    c = lesson07.web_story(service=seed.SERVICE.replace("  type: ClusterIP\n",
                                                        "  type: ClusterIP\n  internalTrafficPolicy: Local\n"))
    client_node = c.get("Pod", "client")["spec"]["nodeName"]
    run = c.load(URL, rps=50, seconds=1, source="client")
    assert run.nodes == {client_node: 50}
    cp = c.http_get(URL.replace("web-service", c.get("Service", "web-service")["spec"]["clusterIP"]),
                    source="control-plane", timeout=1)
    assert cp.error == "timeout" and "DROP" in cp.explain()


def test_rules_survive_a_kube_proxy_crash_but_stop_updating(iptables):
    node = iptables.get("Pod", "client")["spec"]["nodeName"]
    iptables.crash(f"kube-proxy-{node}")
    assert iptables.http_get(URL, source="client").ok                 # the kernel keeps the rules
    iptables.kubectl("scale deployment web-app --replicas=0")
    iptables.run(5)
    r = iptables.http_get(URL, source="client", timeout=1)
    assert not r.ok and r.error in ("connection refused", "timeout")  # stale rules: dead endpoints
    iptables.restart(f"kube-proxy-{node}")
    iptables.run(2)
    assert iptables.http_get(URL, source="client").error == "connection refused"   # REJECT now


def test_terminating_endpoints_serve_when_nothing_else_is_ready():
    """A selector-less Service with a hand-written EndpointSlice: only serving-and-terminating
    endpoints, which kube-proxy uses when no endpoint is ready (CategorizeEndpoints)."""
    iptables = lesson07.web_story()
    pods = {p["metadata"]["name"]: p["status"]["podIP"]
            for p in iptables.list("Pod", "default", selector="app=web")}
    names = sorted(pods)
    ep = lambda name, ready, serving, terminating: (
        f"- addresses: [{pods[name]}]\n  conditions: {{ready: {ready}, serving: {serving}, "
        f"terminating: {terminating}}}\n  targetRef: {{kind: Pod, namespace: default, name: {name}}}\n")
    iptables.apply("apiVersion: v1\nkind: Service\nmetadata: {name: manual}\nspec: {ports: [{port: 80}]}\n")
    iptables.apply("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: manual-1\n"
                   "  labels: {kubernetes.io/service-name: manual}\naddressType: IPv4\n"
                   "ports: [{name: '', port: 80, protocol: TCP}]\nendpoints:\n"
                   + ep(names[0], "false", "true", "true") + ep(names[1], "false", "false", "true"))
    iptables.run(2)
    served = {iptables.http_get("http://manual", source="client").pod for _ in range(10)}
    assert served == {names[0]}                # serving + terminating; not the non-serving one
