"""etcd's Raft members inside a kubesim Cluster: failover, quorum loss, a frozen cluster."""
from __future__ import annotations

import pytest

import kubesim
from engine_helpers import WEB_APP, running
from kubesim.errors import KubesimError


def containers_running(cluster) -> int:
    """Containers the runtimes are running right now (what the nodes do, not what etcd says)."""
    return sum(1 for kubelet in cluster.kubelets.values() if kubelet.up
               for sandbox in kubelet.runtime.sandboxes.values()
               for c in sandbox.containers.values()
               if c.exit_code is None and c.image.startswith("nginx") is not False
               and "pause" not in c.image)


@pytest.fixture(scope="module")
def ha():
    c = kubesim.Cluster(seed=0, etcd_members=3)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    return c


def test_default_cluster_has_one_member_and_no_raft_traffic():
    c = kubesim.Cluster(seed=0)
    c.run(2)
    assert [m.role for m in c.etcd] == ["leader"]
    assert not c.trace.filter(kind="message", rpc="raft")


def test_members_start_with_a_leader_and_replicate(ha):
    assert [m.role for m in ha.etcd] == ["leader", "follower", "follower"]
    raft = {r.ref["raft"]["type"] for r in ha.trace.filter(kind="message", rpc="raft")}
    assert {"MsgApp", "MsgAppResp", "MsgHeartbeat"} <= raft
    stores = [[(kv.key, kv.mod_revision) for kv in m.store.range("/registry/")] for m in ha.etcd]
    assert stores[0] == stores[1] == stores[2]


def test_losing_the_etcd_leader_costs_one_election():
    c = kubesim.Cluster(seed=1, etcd_members=3)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    c.crash("etcd-1")
    c.run(3)
    assert sorted(m.role for m in c.etcd if m.up) == ["follower", "leader"]
    assert c.kubectl("scale deployment web-app --replicas=4").strip() == "deployment.apps/web-app scaled"
    assert c.run_until(lambda cl: running(cl) == 4, timeout=60)
    c.restart("etcd-1")
    c.run(2)
    assert c.etcd[0].role == "follower"
    assert c.etcd[0].applied_index == max(m.applied_index for m in c.etcd)


def test_quorum_loss_freezes_the_cluster_but_pods_keep_running():
    c = kubesim.Cluster(seed=2, etcd_members=3)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    before = containers_running(c)
    c.crash("etcd-2")
    c.crash("etcd-3")
    c.run(3)
    with pytest.raises(KubesimError) as err:
        c.apply(WEB_APP.replace("replicas: 3", "replicas: 5"))
    assert "Error from server: etcdserver: request timed out" in str(err.value)
    assert "etcdserver: request timed out" in c.kubectl("scale deployment web-app --replicas=6")
    c.run(15)      # shorter than the node monitor grace period: no node is declared lost
    assert containers_running(c) == before == 3, "the nodes keep their containers running"
    assert running(c) == 3
    c.restart("etcd-2")
    c.run(5)
    assert any(m.role == "leader" for m in c.etcd)
    c.apply(WEB_APP.replace("replicas: 3", "replicas: 5"))
    assert c.run_until(lambda cl: running(cl) == 5, timeout=60)
