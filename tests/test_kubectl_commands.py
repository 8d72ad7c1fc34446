"""``Cluster.kubectl``: the command line, the API calls behind it and what it prints."""
from __future__ import annotations

import pytest

import kubesim
from engine_helpers import WEB_APP, running


@pytest.fixture(scope="module")
def cluster():
    c = kubesim.Cluster(seed=0)
    c.apply(WEB_APP)
    c.run(30)
    return c


def test_get_pods_has_kubectls_columns(cluster):
    lines = cluster.kubectl("get pods").splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(lines) == 4
    assert all(line.split()[1:4] == ["1/1", "Running", "0"] for line in lines[1:])
    wide = cluster.kubectl("get pods -o wide").splitlines()
    assert wide[0].split()[5:7] == ["IP", "NODE"]


def test_get_nodes_shows_the_control_plane_role(cluster):
    out = cluster.kubectl("get nodes")
    assert "control-plane   Ready    control-plane" in out
    assert out.count("Ready") == 4


def test_get_goes_through_the_api_server(cluster):
    before = len(cluster.trace)
    t0 = cluster.now
    cluster.kubectl("get deployments")
    msgs = cluster.trace.filter(kind="message", source="kubectl", since=t0)
    assert any(m.summary.startswith("LIST deployments") for m in msgs)
    assert cluster.now > t0 and len(cluster.trace) > before


def test_errors_are_printed_as_kubectl_prints_them(cluster):
    assert cluster.kubectl("get pod nope") == 'Error from server (NotFound): pods "nope" not found'
    assert cluster.kubectl("get foo") == 'error: the server doesn\'t have a resource type "foo"'
    assert cluster.kubectl("get pods -n nowhere") == "No resources found in nowhere namespace."
    assert cluster.kubectl("frobnicate").startswith('error: unknown command "frobnicate"')
    assert cluster.kubectl("get pods --bogus").startswith("error: unknown flag: --bogus")


def test_scale_and_label_selector():
    c = kubesim.Cluster(seed=4)
    c.apply(WEB_APP)
    c.run(10)
    assert c.kubectl("scale deployment web-app --replicas=5") == "deployment.apps/web-app scaled"
    assert c.run_until(lambda cl: running(cl) == 5, timeout=60)
    names = c.kubectl("get pods -l app=web -o name").splitlines()
    assert len(names) == 5 and all(n.startswith("pod/web-app-") for n in names)
    assert c.kubectl("get pods -l app=other") == "No resources found in default namespace."


def test_delete_deployment_cascades_to_replicasets_and_pods():
    c = kubesim.Cluster(seed=5)
    c.apply(WEB_APP)
    c.run(10)
    assert c.kubectl("delete deployment web-app") == 'deployment.apps "web-app" deleted'
    c.run(40)
    assert c.list("ReplicaSet", "default") == []
    assert c.list("Pod", "default") == []


def test_delete_pod_is_replaced_by_the_replicaset():
    c = kubesim.Cluster(seed=6)
    c.apply(WEB_APP)
    c.run(10)
    victim = c.list("Pod", "default")[0]["metadata"]["name"]
    assert c.kubectl(f"delete pod {victim}") == f'pod "{victim}" deleted'
    assert c.get("Pod", victim) is None, "kubectl delete waits until the Pod is gone"
    assert c.run_until(lambda cl: running(cl) == 3, timeout=30)


def test_create_and_delete_namespace():
    c = kubesim.Cluster(seed=7)
    assert c.kubectl("create namespace finance-prod") == "namespace/finance-prod created"
    assert "finance-prod" in c.kubectl("get ns")
    assert c.kubectl("create namespace finance-prod") == \
        'Error from server (AlreadyExists): namespaces "finance-prod" already exists'
    c.apply(WEB_APP.replace("  name: web-app", "  name: web-app\n  namespace: finance-prod"))
    c.run(10)
    assert c.kubectl("delete namespace finance-prod") == 'namespace "finance-prod" deleted'
    assert c.get("Namespace", "finance-prod") is None
    assert c.list("Pod", "finance-prod") == []


def test_output_formats(cluster):
    yaml_text = cluster.kubectl("get deployment web-app -o yaml")
    assert yaml_text.startswith("apiVersion: apps/v1\nkind: Deployment\n")
    json_text = cluster.kubectl("get deployments -o json")
    assert '"kind": "List"' in json_text
    assert cluster.kubectl("get deploy -o name") == "deployment.apps/web-app"


def test_describe_pod_lists_the_kubelet_events(cluster):
    pod = cluster.list("Pod", "default")[0]["metadata"]["name"]
    out = cluster.kubectl(f"describe pod {pod}")
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started"):
        assert f"Normal  {reason}" in out
    assert "Controlled By:  ReplicaSet/web-app-" in out


def test_failed_scheduling_message_is_kube_schedulers():
    c = kubesim.Cluster(seed=8)
    big = WEB_APP.replace("replicas: 3", "replicas: 1").replace(
        "        ports:", "        resources:\n          requests:\n            cpu: 6\n        ports:")
    c.apply(big)
    c.run(5)
    pod = c.list("Pod", "default")[0]
    assert pod["status"]["phase"] == "Pending"
    events = [e for e in c.list("Event", "default") if e["reason"] == "FailedScheduling"]
    assert events[0]["message"] == (
        "0/4 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes "
        "are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims "
        "found for incoming pod.")
    assert "Pending" in c.kubectl("get pods")
