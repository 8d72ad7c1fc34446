"""High availability: stateless API server replicas behind a health-checked load balancer."""
from __future__ import annotations

import kubesim
from kubesim import seed
from engine_helpers import running


def ha_cluster(**kw):
    kw = {"seed": 0, "apiservers": 3, **kw}
    c = kubesim.Cluster(**kw)
    c.apply(seed.DEPLOYMENT)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    return c


def test_the_issue_topology_builds_and_runs():
    c = kubesim.Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3)
    c.run(5)
    assert c.lb is not None and c.lb.backends == ["kube-apiserver-1", "kube-apiserver-2",
                                                  "kube-apiserver-3"]
    assert all(c.lb.healthy.values())
    assert len(c.kubectl("get nodes").splitlines()) == 1 + 9
    c.apply(seed.DEPLOYMENT)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    c.crash("kube-apiserver-2")
    for _ in range(5):
        assert c.kubectl("get deployment web-app").splitlines()[-1].split()[1] == "3/3"
        c.run(1)
    assert not [e for e in c.audit if e["responseStatus"]["code"] in (401, 403)]


def test_single_apiserver_clusters_have_no_load_balancer():
    assert kubesim.Cluster(seed=0).lb is None


def test_requests_are_spread_over_the_replicas():
    c = ha_cluster()
    start = len(c.trace)
    for _ in range(6):
        c.kubectl("get pods")
    served = {r.target for r in c.trace.records[start:]
              if r.kind == "message" and r.source == "kubectl"}
    assert served == {"kube-apiserver-1", "kube-apiserver-2", "kube-apiserver-3"}


def test_one_replica_crashes_and_requests_keep_flowing():
    c = ha_cluster()
    c.crash("kube-apiserver-2")
    for _ in range(10):          # connections to the dead replica are redispatched at once
        assert c.kubectl("get deployments").startswith("NAME")
        c.run(0.5)
    c.run(3)                     # three failed probes, 2 s apart, take it out
    assert c.lb.healthy["kube-apiserver-2"] is False
    downs = [r for r in c.trace.filter(source="apiserver-lb", kind="component")]
    assert downs[-1].summary == "kube-apiserver-2 DOWN: taken out of rotation"
    assert downs[-1].time - c.trace.filter(kind="fault")[-1].time <= 3 * 2.0 + 1.0 + 0.01
    # Watches through the dead replica ended and reconnected: the controllers still act.
    c.kubectl("scale deployment web-app --replicas=5")
    assert c.run_until(lambda cl: running(cl) == 5, timeout=60)
    c.restart("kube-apiserver-2")
    c.run(10)
    assert c.lb.healthy["kube-apiserver-2"] is True
    assert c.trace.filter(source="apiserver-lb", kind="component")[-1].summary == \
        "kube-apiserver-2 UP: back in rotation"


def test_all_replicas_down_kubectl_is_refused_but_pods_keep_running():
    c = ha_cluster()
    for name in ("kube-apiserver-1", "kube-apiserver-2", "kube-apiserver-3"):
        c.crash(name)
    out = c.kubectl("get pods")
    assert out == ("The connection to the server kube-apiserver:6443 was refused - did you "
                   "specify the right host or port?")
    c.run(60)
    assert running(c) == 3
    assert not any(c.lb.healthy.values())


def test_a_replica_that_loses_etcd_fails_readyz_and_leaves_the_rotation():
    c = ha_cluster()
    c.partition(["kube-apiserver-3"], ["etcd-1"])
    c.run(10)
    assert c.lb.healthy["kube-apiserver-3"] is False
    assert c.lb.healthy["kube-apiserver-1"] is True
    c.heal()
    c.run(10)
    assert all(c.lb.healthy.values())
