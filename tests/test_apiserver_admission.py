"""Admission plugins: LimitRanger, ResourceQuota (with its controller), NodeRestriction.

Messages are the plugins' own (plugin/pkg/admission/limitranger/admission.go,
k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go,
plugin/pkg/admission/noderestriction/admission.go).
"""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed
from kubesim.errors import KubesimError, StatusError

NS = seed.NAMESPACE


def pod(name: str, cpu: str = "", memory: str = "", limits: str = "") -> str:
    res = ""
    if cpu or memory:
        req = ", ".join(x for x in (f"cpu: {cpu}" if cpu else "", f"memory: {memory}" if memory else "") if x)
        res += f"      requests: {{{req}}}\n"
    if limits:
        res += f"      limits: {{{limits}}}\n"
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: finance-prod\n"
            f"spec:\n  containers:\n  - name: app\n    image: nginx:1.25\n"
            + (f"    resources:\n{res}" if res else ""))


def quota(hard: dict, name: str = "compute") -> str:
    lines = "".join(f"    {k}: \"{v}\"\n" for k, v in hard.items())
    return (f"apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: {name}\n"
            f"  namespace: finance-prod\nspec:\n  hard:\n{lines}")


LIMITS = """\
apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: finance-prod
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 250m, memory: 256Mi}
    max: {cpu: "1"}
    min: {cpu: 100m}
"""


@pytest.fixture
def cluster():
    c = kubesim.Cluster(seed=0)
    c.apply(NS)
    return c


def apply_error(c, manifest) -> str:
    with pytest.raises(KubesimError) as err:
        c.apply(manifest)
    return str(err.value)


# ----------------------------------------------------------------------------- LimitRanger
def test_limitranger_fills_in_defaults_and_says_so(cluster):
    cluster.apply(LIMITS)
    cluster.apply(pod("plain"))
    p = cluster.get("Pod", "plain", "finance-prod")
    assert p["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}}
    assert p["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; "
        "cpu, memory limit for container app")
    assert p["status"]["qosClass"] == "Burstable"       # computed after admission


def test_limitranger_refuses_too_much_and_too_little(cluster):
    cluster.apply(LIMITS)
    assert apply_error(cluster, pod("big", limits="cpu: 2")) == (
        'Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: '
        "maximum cpu usage per Container is 1, but limit is 2.")
    assert apply_error(cluster, pod("tiny", cpu="50m")) == (
        'Error from server (Forbidden): error when creating "STDIN": pods "tiny" is forbidden: '
        "minimum cpu usage per Container is 100m, but request is 50m.")


def test_limitranger_lists_several_problems_in_brackets(cluster):
    cluster.apply(LIMITS.replace('    min: {cpu: 100m}\n', '    min: {cpu: 100m}\n    max: {cpu: "1", memory: 1Gi}\n')
                  .replace('    max: {cpu: "1"}\n', ''))
    msg = apply_error(cluster, pod("huge", limits="cpu: 2, memory: 2Gi"))
    assert msg.endswith("[maximum cpu usage per Container is 1, but limit is 2., "
                        "maximum memory usage per Container is 1Gi, but limit is 2Gi.]")


# ----------------------------------------------------------------------------- ResourceQuota
def test_a_new_quota_gets_its_status_from_the_controller(cluster):
    cluster.apply(quota({"requests.cpu": "4", "pods": "10"}))
    cluster.run(1)
    status = cluster.get("ResourceQuota", "compute", "finance-prod")["status"]
    assert status == {"hard": {"pods": "10", "requests.cpu": "4"},
                      "used": {"pods": "0", "requests.cpu": "0"}}


def test_exceeded_quota_message_is_kubernetes(cluster):
    # The example: 3750m of 4 CPUs used, a Pod asking for 500m more.
    cluster.apply(quota({"requests.cpu": "4"}))
    cluster.run(1)
    for i in range(5):
        cluster.apply(pod(f"p{i}", cpu="750m"))
    used = cluster.get("ResourceQuota", "compute", "finance-prod")["status"]["used"]
    assert used == {"requests.cpu": "3750m"}          # charged by admission, create by create
    assert apply_error(cluster, pod("x", cpu="500m")) == (
        'Error from server (Forbidden): error when creating "STDIN": pods "x" is forbidden: '
        "exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=3750m, "
        "limited: requests.cpu=4")
    cluster.apply(pod("fits", cpu="250m"))           # 4000m: exactly at the limit is allowed


def test_quota_on_cpu_requires_every_container_to_ask_for_it(cluster):
    cluster.apply(quota({"requests.cpu": "4", "limits.memory": "8Gi"}))
    cluster.run(1)
    assert apply_error(cluster, pod("vague")) == (
        'Error from server (Forbidden): error when creating "STDIN": pods "vague" is forbidden: '
        "failed quota: compute: must specify limits.memory for: app; requests.cpu for: app")


def test_object_count_quota_and_replenishment(cluster):
    cluster.apply(quota({"count/deployments.apps": "1"}, name="objects"))
    cluster.run(1)
    cluster.apply(seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n"))
    second = seed.DEPLOYMENT.replace("  name: web-app\n", "  name: api\n  namespace: finance-prod\n")
    assert apply_error(cluster, second).endswith(
        'deployments.apps "api" is forbidden: exceeded quota: objects, requested: '
        "count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1")
    cluster.kubectl("delete deployment web-app -n finance-prod")
    cluster.run(2)
    assert cluster.get("ResourceQuota", "objects", "finance-prod")["status"]["used"] == \
        {"count/deployments.apps": "0"}
    assert cluster.apply(second) == ["deployment.apps/api created"]


def test_a_runaway_deployment_stops_at_the_quota_with_failedcreate_events(cluster):
    cluster.apply(quota({"requests.cpu": "1"}))
    cluster.run(1)
    dep = seed.DEPLOYMENT.replace("  name: web-app\n", "  name: web-app\n  namespace: finance-prod\n") \
        .replace("replicas: 3", "replicas: 10") \
        .replace("        ports:", "        resources:\n          requests: {cpu: 250m}\n        ports:")
    cluster.apply(dep)
    cluster.run(15)
    pods = cluster.list("Pod", "finance-prod")
    assert len(pods) == 4
    events = [e for e in cluster.list("Event", "finance-prod") if e["reason"] == "FailedCreate"]
    assert events
    msg = events[0]["message"]
    assert msg.startswith('Error creating: pods "web-app-') and msg.endswith(
        '" is forbidden: exceeded quota: compute, requested: requests.cpu=250m, '
        "used: requests.cpu=1, limited: requests.cpu=1")
    # Scaling down gives the quota back (the controller's replenishment).
    cluster.kubectl("scale deployment web-app -n finance-prod --replicas=2")
    cluster.run(40)
    assert cluster.get("ResourceQuota", "compute", "finance-prod")["status"]["used"] == \
        {"requests.cpu": "500m"}


# ----------------------------------------------------------------------------- NodeRestriction
def test_a_kubelet_may_only_touch_its_own_node_and_lease(cluster):
    cluster.run(2)
    kubelet = cluster.client("system:node:worker-1", ["system:nodes"])
    other = cluster.get("Node", "worker-2")
    with pytest.raises(StatusError) as err:
        cluster.call(kubelet.update("nodes", other, subresource="status"))
    assert err.value.status_message == \
        'nodes "worker-2" is forbidden: node "worker-1" is not allowed to modify node "worker-2"'
    lease = cluster.get("Lease", "worker-2", "kube-node-lease")
    with pytest.raises(StatusError) as err:
        cluster.call(kubelet.update("leases", lease))
    assert err.value.status_message == ('leases.coordination.k8s.io "worker-2" is forbidden: can only '
                                        "access node lease with the same name as the requesting node")
    mine = cluster.get("Node", "worker-1")
    mine["spec"]["taints"] = [{"key": "x", "effect": "NoSchedule"}]
    with pytest.raises(StatusError) as err:
        cluster.call(kubelet.update("nodes", mine))
    assert err.value.status_message.endswith('node "worker-1" is not allowed to modify taints')


def test_a_kubelet_cannot_read_what_the_node_rules_do_not_allow(cluster):
    kubelet = cluster.client("system:node:worker-1", ["system:nodes"])
    with pytest.raises(StatusError) as err:
        cluster.call(kubelet.list("deployments", namespace="default"))
    assert err.value.code == 403
