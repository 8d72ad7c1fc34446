"""Faults: crashed nodes and components, partitions, and what Kubernetes does about them."""
from __future__ import annotations

import kubesim
from engine_helpers import WEB_APP, running


def test_crashed_worker_pods_are_replaced_after_grace_period_plus_300s():
    c = kubesim.Cluster(seed=0)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    victim = c.list("Pod", "default")[0]["spec"]["nodeName"]
    crashed_at = c.now
    c.crash(victim)
    c.run(45)
    node = c.get("Node", victim)
    ready = [x for x in node["status"]["conditions"] if x["type"] == "Ready"][0]
    assert ready["status"] == "True", "not yet: the grace period (50 s) has not passed"
    c.run(15)   # past 50 s + a 5 s monitor period
    node = c.get("Node", victim)
    ready = [x for x in node["status"]["conditions"] if x["type"] == "Ready"][0]
    assert ready["status"] == "Unknown"
    assert any(t["key"] == "node.kubernetes.io/unreachable" for t in node["spec"]["taints"])
    # The pods on the dead node are still there until their 300 s toleration runs out.
    on_victim = [p for p in c.list("Pod", "default") if p["spec"]["nodeName"] == victim]
    assert on_victim and not on_victim[0]["metadata"].get("deletionTimestamp")
    c.run(crashed_at + 50 + 300 + 20 - c.now)
    assert running(c) == 3
    alive = [p for p in c.list("Pod", "default") if not p["metadata"].get("deletionTimestamp")]
    assert all(p["spec"]["nodeName"] != victim for p in alive)
    # The old Pod stays Terminating: its kubelet is gone and cannot confirm the deletion.
    stuck = [p for p in c.list("Pod", "default") if p["spec"]["nodeName"] == victim]
    assert stuck and all(p["metadata"].get("deletionTimestamp") for p in stuck)


def test_scheduler_down_leaves_new_pods_pending_until_it_returns():
    c = kubesim.Cluster(seed=1)
    c.run(1)
    c.crash("kube-scheduler")
    c.apply(WEB_APP)
    c.run(20)
    pods = c.list("Pod", "default")
    assert len(pods) == 3, "the controller-manager still creates the Pods"
    assert all(not p["spec"].get("nodeName") for p in pods)
    c.restart("kube-scheduler")
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)


def test_api_server_down_freezes_the_cluster_but_pods_keep_running():
    c = kubesim.Cluster(seed=2)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    c.crash("kube-apiserver-1")
    out = c.kubectl("get pods")
    assert "refused" in out
    c.run(30)
    assert running(c) == 3
    c.restart("kube-apiserver-1")
    c.run(5)
    assert "web-app-" in c.kubectl("get pods")


def test_fail_zone_crashes_every_node_in_it():
    c = kubesim.Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3)
    c.run(2)
    c.fail_zone("zone-b")
    down = {h for h in c.host_zone if not c.network.is_up(h)}
    assert down == {h for h, z in c.host_zone.items() if z == "zone-b"}


def test_partition_drops_messages_between_groups():
    c = kubesim.Cluster(seed=0)
    c.run(1)
    c.partition(["worker-1"], ["control-plane"])
    c.run(15)
    dropped = c.trace.filter(kind="message", source="kubelet-worker-1")
    assert any(r.ref.get("dropped") == "partitioned" for r in dropped)
    c.heal()
    c.run(15)
    late = c.trace.filter(kind="message", source="kubelet-worker-1", since=c.now - 12)
    assert any("arrive" in r.ref for r in late)


def test_watches_on_a_dead_api_server_host_are_noticed_by_the_http2_health_check():
    """A host that dies resets no connection: every kubelet watching through its API server
    hears nothing.  The client's HTTP/2 health check (PING after 30 s of silence, dropped 15 s
    later) ends such a watch and the reflector re-lists through a live replica, so a Pod
    bound to any node starts within about a minute — not after the 5–10 minute watch timeout."""
    c = kubesim.Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3)
    c.run(30)
    c.crash("control-plane-1")
    c.run(5)                       # etcd elects a new leader meanwhile
    workers = [h for h in c.kubelets if h.startswith("worker-") and c.network.is_up(h)]
    for host in workers:
        c.apply(f"""\
apiVersion: v1
kind: Pod
metadata:
  name: pinned-{host}
spec:
  nodeName: {host}
  containers:
  - name: web
    image: nginx:1.25
""")
    c.run(70)
    phases = {p["metadata"]["name"]: p["status"].get("phase") for p in c.list("Pod", "default")}
    assert phases == {f"pinned-{h}": "Running" for h in workers}
