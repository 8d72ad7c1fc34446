"""kubesim's engine end to end: the seed's manifests, the message path, determinism."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kubesim
from engine_helpers import SEED_DIR, WEB_APP, running

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seeded():
    """A default cluster with all of the seed's manifests applied and 60 s run."""
    c = kubesim.Cluster(seed=0)
    out = []
    for name in ("namespace.yaml", "deployment.yaml", "service.yaml", "role.yaml"):
        out += c.apply((SEED_DIR / name).read_text())
    c.run(60)
    return c, out


def test_seed_manifests_apply_verbatim(seeded):
    c, out = seeded
    assert out == ["namespace/finance-prod created", "deployment.apps/web-app created",
                   "service/web-service created", "role.rbac.authorization.k8s.io/readonly created"]


def test_web_app_pods_running_within_60_seconds(seeded):
    c, _ = seeded
    pods = c.list("Pod", "default", selector="app=web")
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" for p in pods)
    # Three replicas on three different workers (LeastAllocated spreads them); never on
    # the tainted control-plane node.
    nodes = {p["spec"]["nodeName"] for p in pods}
    assert "control-plane" not in nodes
    dep = c.get("Deployment", "web-app")
    assert dep["status"]["availableReplicas"] == 3
    assert dep["status"]["updatedReplicas"] == 3


def test_pods_reach_running_quickly():
    c = kubesim.Cluster(seed=3)
    c.apply(WEB_APP)
    assert c.run_until(lambda cl: running(cl) == 3, timeout=60)
    assert c.now < 15, "image pull + start should take seconds, not minutes"


def test_apply_twice_is_unchanged_then_configured():
    c = kubesim.Cluster(seed=1)
    assert c.apply(WEB_APP) == ["deployment.apps/web-app created"]
    c.run(5)
    assert c.apply(WEB_APP) == ["deployment.apps/web-app unchanged"]
    assert c.apply(WEB_APP.replace("replicas: 3", "replicas: 5")) == ["deployment.apps/web-app configured"]
    assert c.run_until(lambda cl: running(cl) == 5, timeout=60)


def test_defaults_and_metadata_are_those_of_the_api_server(seeded):
    c, _ = seeded
    dep = c.get("Deployment", "web-app")
    assert dep["spec"]["strategy"] == {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert dep["spec"]["revisionHistoryLimit"] == 10
    assert dep["metadata"]["generation"] == 1
    assert dep["metadata"]["creationTimestamp"].startswith("2025-01-01T00:00:00")
    pod = c.list("Pod", "default")[0]
    owner = pod["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "ReplicaSet" and owner["controller"] is True
    rs = c.get("ReplicaSet", owner["name"])
    assert rs["metadata"]["ownerReferences"][0]["name"] == "web-app"
    assert pod["metadata"]["labels"]["pod-template-hash"] == rs["metadata"]["labels"]["pod-template-hash"]
    assert int(pod["metadata"]["resourceVersion"]) > int(dep["metadata"]["resourceVersion"]) - 100


def test_components_talk_only_through_the_api_server(seeded):
    c, _ = seeded
    apiservers = {a.name for a in c.apiservers}
    etcd = {m.name for m in c.etcd}
    for rec in c.trace.filter(kind="message"):
        pair = {rec.source, rec.target}
        assert pair & apiservers, f"{rec.source} -> {rec.target} bypasses the API server"
        if pair & etcd:
            assert pair - etcd <= apiservers, "only API servers talk to etcd"


def test_kubelet_watches_only_its_own_pods(seeded):
    c, _ = seeded
    for host in ("worker-1", "worker-2", "worker-3"):
        mine = {p["metadata"]["name"] for p in c.list("Pod", "default")
                if p["spec"].get("nodeName") == host}
        for rec in c.trace.filter(kind="message", target=f"kubelet-{host}"):
            if rec.summary.split(" ")[1:2] and rec.summary.split()[1].startswith("pods/"):
                assert rec.summary.split()[1][5:] in mine


def test_write_is_acknowledged_only_after_etcd_commits():
    c = kubesim.Cluster(seed=2)
    c.apply(WEB_APP)
    msgs = c.trace.filter(kind="message")
    created = [m for m in msgs if m.source.startswith("kube-apiserver") and m.target == "kubectl"
               and m.summary == "201 Created"]
    assert created
    reply = created[0]
    commits = [m for m in msgs if m.source.startswith("etcd") and m.summary.startswith("Txn ok")
               and m.ref.get("arrive", 1e9) <= reply.time]
    assert commits, "the API server answered before etcd committed"


def test_same_seed_same_trace_in_other_processes():
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        import kubesim
        c = kubesim.Cluster(seed=7)
        c.apply(open({str(SEED_DIR / 'deployment.yaml')!r}).read())
        c.run(20)
        c.crash("worker-1")
        c.run(20)
        print(c.trace_digest())
    """)
    digests = set()
    for hashseed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1
    other = kubesim.Cluster(seed=8)
    other.apply((SEED_DIR / "deployment.yaml").read_text())
    other.run(20)
    other.crash("worker-1")
    other.run(20)
    assert other.trace_digest() not in digests, "a different seed should give a different trace"


def test_events_are_recorded_like_kubernetes(seeded):
    c, _ = seeded
    reasons = [e["reason"] for e in c.list("Event", "default")]
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started",
                   "SuccessfulCreate", "ScalingReplicaSet"):
        assert reason in reasons, reason
    scheduled = [e for e in c.list("Event", "default") if e["reason"] == "Scheduled"][0]
    assert scheduled["message"].startswith("Successfully assigned default/web-app-")
    assert scheduled["source"]["component"] == "default-scheduler"
