"""kubesim.api.objects: resource arithmetic (component-helpers/resource), QoS classes
(pkg/apis/core/helper/qos), owner references and conditions."""
import pytest

from kubesim.api.objects import (
    condition, is_controlled_by, node_allocatable, node_capacity, object_key, owner_of, pod_limits,
    pod_requests, qos_class, set_condition,
)


def container(name="c", requests=None, limits=None, **extra):
    res = {}
    if requests is not None:
        res["requests"] = requests
    if limits is not None:
        res["limits"] = limits
    return {"name": name, "image": "x", "resources": res, **extra}


def pod(*containers, init=(), overhead=None):
    spec = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    if overhead:
        spec["overhead"] = overhead
    return {"metadata": {"name": "p", "namespace": "default"}, "spec": spec}


def test_requests_of_the_course_fragment():
    p = pod(container(requests={"cpu": "250m", "memory": "256Mi"}, limits={"cpu": "500m", "memory": "512Mi"}))
    assert pod_requests(p) == {"cpu": 250, "memory": 268435456, "pods": 1}
    assert pod_limits(p) == {"cpu": 500, "memory": 536870912}


def test_requests_sum_containers_and_take_the_largest_init_container():
    p = pod(container("a", requests={"cpu": "100m", "memory": "100Mi"}),
            container("b", requests={"cpu": "200m"}),
            init=[container("i1", requests={"cpu": "500m"}), container("i2", requests={"memory": "50Mi"})],
            overhead={"cpu": "10m"})
    assert pod_requests(p) == {"cpu": 510, "memory": 100 * 2**20, "pods": 1}


def test_sidecars_add_up():
    # KEP-753: a restartable init container runs next to everything after it.
    sidecar = container("log", requests={"cpu": "100m"}, restartPolicy="Always")
    p = pod(container("app", requests={"cpu": "200m"}),
            init=[sidecar, container("migrate", requests={"cpu": "250m"})])
    assert pod_requests(p)["cpu"] == 350          # max(200 + 100, 250 + 100)


def test_limits_overhead_only_where_limited():
    p = pod(container(limits={"cpu": "1"}), overhead={"cpu": "100m", "memory": "10Mi"})
    assert pod_limits(p) == {"cpu": 1100}


def test_node_resources():
    node = {"status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "allocatable": {"cpu": "3800m", "memory": "7Gi", "pods": "110"}}}
    assert node_capacity(node) == {"cpu": 4000, "memory": 8 * 2**30, "pods": 110}
    assert node_allocatable(node) == {"cpu": 3800, "memory": 7 * 2**30, "pods": 110}
    assert node_allocatable({"status": {"capacity": {"cpu": "2"}}}) == {"cpu": 2000}


@pytest.mark.parametrize("containers,qos", [
    ([container()], "BestEffort"),
    ([container(requests={"cpu": "0"})], "BestEffort"),
    ([container(requests={"ephemeral-storage": "1Gi"})], "BestEffort"),
    ([container(requests={"cpu": "100m"})], "Burstable"),
    ([container(limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
    ([container(limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "500m", "memory": "1Gi"})], "Burstable"),
    ([container(limits={"cpu": "1"}, requests={"cpu": "1"})], "Burstable"),
    ([container("a", limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "1", "memory": "1Gi"}),
      container("b")], "Burstable"),
    ([container(requests={"cpu": "250m", "memory": "256Mi"}, limits={"cpu": "500m", "memory": "512Mi"})], "Burstable"),
])
def test_qos_class(containers, qos):
    assert qos_class(pod(*containers)) == qos


def test_owner_references():
    rs = {"metadata": {"name": "web-abc", "namespace": "default", "uid": "u-1"}}
    p = {"metadata": {"name": "web-abc-x", "namespace": "default", "ownerReferences": [
        {"apiVersion": "v1", "kind": "Thing", "name": "t", "uid": "u-0"},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u-1", "controller": True}]}}
    assert owner_of(p)["kind"] == "ReplicaSet"
    assert is_controlled_by(p, rs) is True
    assert is_controlled_by(p, {"metadata": {"uid": "u-0"}}) is False
    assert owner_of({"metadata": {}}) is None


def test_object_key():
    assert object_key({"metadata": {"name": "web", "namespace": "prod"}}) == "prod/web"
    assert object_key({"metadata": {"name": "worker-1"}}) == "worker-1"


def test_conditions():
    obj = {}
    assert condition(obj, "Available") is None
    assert set_condition(obj, {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                               "lastTransitionTime": "2025-01-01T00:00:00Z"}) is True
    # same status: lastTransitionTime stays, reason/message follow
    assert set_condition(obj, {"type": "Available", "status": "False", "reason": "Other",
                               "lastTransitionTime": "2025-01-01T00:01:00Z"}) is True
    assert condition(obj, "Available")["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    assert condition(obj, "Available")["reason"] == "Other"
    # flip: the transition time moves
    set_condition(obj, {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                        "lastTransitionTime": "2025-01-01T00:02:00Z"})
    assert condition(obj, "Available")["lastTransitionTime"] == "2025-01-01T00:02:00Z"
    set_condition(obj, {"type": "Progressing", "status": "True"})
    assert [c["type"] for c in obj["status"]["conditions"]] == ["Available", "Progressing"]
    assert set_condition(obj, {"type": "Progressing", "status": "True"}) is False
