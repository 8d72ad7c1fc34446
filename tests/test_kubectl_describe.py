"""``kubectl describe`` output: against real kubectl v1.33 output, and against hand-made
fixtures of every kind kubesim describes."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from kubesim.api import clock, resources
from kubesim.kubectl import describe, formats

DATA = Path(__file__).parent / "data" / "kubectl"


def _fixture(name: str) -> str:
    return (DATA / name).read_text()


def _rstripped(text: str) -> list[str]:
    return [line.rstrip() for line in text.split("\n")]


# --------------------------------------------------------------------------------------------
# Real output
# --------------------------------------------------------------------------------------------


def _real_pod():
    data = yaml.safe_load((DATA / "real_describe_pod_v1.33.yaml").read_text())
    pod = data["pod"]
    events = []
    for i, (reason, component, message) in enumerate(data["events"]):
        events.append({"metadata": {"name": f"{pod['metadata']['name']}.{i:x}", "namespace": "linkding"},
                       "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": "linkding",
                                          "uid": pod["metadata"]["uid"]},
                       "reason": reason, "message": message, "type": "Normal", "count": 1,
                       "firstTimestamp": pod["metadata"]["creationTimestamp"],
                       "lastTimestamp": pod["metadata"]["creationTimestamp"],
                       "source": {"component": component}})
    return pod, events, formats.sim_seconds(data["now"])


def test_real_describe_pod():
    """A ``kubectl describe pod`` of a k3s cluster (a learner's public notes, January 2026,
    with "Optional: false" in the projected volume -- kubectl >= 1.33).  The notes had lost
    trailing blanks, so lines are compared without them; times converted from -0500 to UTC."""
    pod, events, now = _real_pod()
    random.Random(1).shuffle(events)  # describe sorts them by time (a stable sort)
    got = describe.describe(resources.for_kind("Pod"), pod, now=now, events=events)
    assert _rstripped(got) == _rstripped(_fixture("real_describe_pod_v1.33.txt"))


def test_describe_pod_condition_rows_keep_kubectl_trailing_blank():
    pod, events, now = _real_pod()
    got = describe.describe(resources.for_kind("Pod"), pod, now=now, events=events)
    assert "\n  Ready                       True \n" in got


def _real_node():
    data = yaml.safe_load((DATA / "real_describe_node_v1.33.yaml").read_text())
    pods = []
    for name, cpu, mem_request, mem_limit in data["pods"]:
        requests = {k: v for k, v in (("cpu", cpu), ("memory", mem_request)) if v}
        limits = {"memory": mem_limit} if mem_limit else {}
        resources_ = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
        pods.append({"metadata": {"name": name, "namespace": "kube-system", "creationTimestamp": "2025-07-20T23:48:30Z"},
                     "spec": {"nodeName": "xdlinux", "containers": [{"name": "c", "resources": resources_}]},
                     "status": {"phase": "Running"}})
    done = {"metadata": {"name": "finished-job", "namespace": "default", "creationTimestamp": "2025-07-21T00:00:00Z"},
            "spec": {"nodeName": "xdlinux", "containers": [{"name": "c"}]}, "status": {"phase": "Succeeded"}}
    elsewhere = {"metadata": {"name": "elsewhere", "namespace": "default"}, "spec": {"nodeName": "other"},
                 "status": {"phase": "Running"}}
    return data["node"], data["lease"], pods + [done, elsewhere], formats.sim_seconds(data["now"])


def test_real_describe_node():
    """``kubectl describe node`` of a kubeadm v1.33.3 control-plane node (a learner's public
    notes, July 2025).  Verbatim but for times converted from +0800 to UTC and the Labels and
    Annotations, which the notes elided and are filled in with kubeadm's usual ones."""
    node, lease, pods, now = _real_node()
    random.Random(2).shuffle(pods)
    got = describe.describe(resources.for_kind("Node"), node, now=now, events=[],
                            related={"pods": pods, "lease": lease})
    assert got == _fixture("real_describe_node_v1.33.txt")


# --------------------------------------------------------------------------------------------
# The hand-made cluster
# --------------------------------------------------------------------------------------------

CLUSTER = yaml.safe_load((DATA / "cluster.yaml").read_text())
NOW = CLUSTER["now"]
EVENTS = [o for o in CLUSTER["objects"] if o["kind"] == "Event"]


def _get(kind, name):
    return next(o for o in CLUSTER["objects"] if o["kind"] == kind and o["metadata"]["name"] == name)


def _all(kind):
    return [o for o in CLUSTER["objects"] if o["kind"] == kind]


DESCRIBE = {
    "describe_pod_crashloop": ("Pod", "web-app-7d9c5b8f6-def34", {}),
    "describe_pod_pending": ("Pod", "web-app-7d9c5b8f6-xyz99", {}),
    "describe_pod_init": ("Pod", "migrate-db", {}),
    "describe_pod_terminating": ("Pod", "old-web", {}),
    "describe_node_worker-1": ("Node", "worker-1", {"pods": _all("Pod"), "lease": _get("Lease", "worker-1")}),
    "describe_node_worker-2": ("Node", "worker-2", {"pods": _all("Pod")}),
    "describe_deployment": ("Deployment", "web-app", {"replicasets": _all("ReplicaSet")}),
    "describe_replicaset": ("ReplicaSet", "web-app-7d9c5b8f6", {"pods": _all("Pod")}),
    "describe_service_nodeport": ("Service", "web", {"endpointslices": _all("EndpointSlice")}),
    "describe_service_lb": ("Service", "shop-lb", {}),
    "describe_namespace": ("Namespace", "default", {"resourcequotas": _all("ResourceQuota")}),
    "describe_configmap": ("ConfigMap", "web-config", {}),
    "describe_secret": ("Secret", "db-password", {}),
    "describe_serviceaccount": ("ServiceAccount", "default", {}),
    "describe_role": ("Role", "pod-reader", {}),
    "describe_rolebinding": ("RoleBinding", "read-pods", {}),
    "describe_resourcequota": ("ResourceQuota", "compute", {}),
    "describe_networkpolicy": ("NetworkPolicy", "default-deny", {}),
    "describe_lease_generic": ("Lease", "worker-1", {}),
}


@pytest.mark.parametrize("name", DESCRIBE)
def test_describe(name):
    kind, object_name, related = DESCRIBE[name]
    got = describe.describe(resources.for_kind(kind), _get(kind, object_name), now=NOW, events=EVENTS,
                            related=related)
    assert got == _fixture(name + ".txt")


def test_show_events_false_prints_no_events_section():
    got = describe.describe(resources.for_kind("Pod"), _get("Pod", "web-app-7d9c5b8f6-xyz99"), now=NOW, events=None)
    assert "Events" not in got
    assert got.endswith("Tolerations:     <none>\n")


def test_events_table_is_aligned_on_its_own():
    """DescribeEvents flushes the tabwriter first: the Events table does not share widths
    with the lines above it, but "Events: <none>" does."""
    got = _fixture("describe_pod_crashloop.txt")
    assert "\nEvents:\n  Type     Reason   Age                 From     Message\n" in got
    assert "\nEvents:                      <none>" not in got
    assert _fixture("describe_pod_init.txt").endswith("Tolerations:        <none>\nEvents:             <none>\n")


def test_events_are_picked_by_involved_object_and_sorted_by_time():
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u1"}}

    def event(name, last, **involved):
        return {"metadata": {"name": name}, "involvedObject": {"name": "p", "namespace": "default", **involved},
                "lastTimestamp": clock.timestamp(last), "firstTimestamp": clock.timestamp(last),
                "type": "Normal", "reason": name, "message": name}
    events = [event("late", 50, uid="u1"), event("early", 10), event("old-pod", 5, uid="u0"),
              event("other-ns", 5, uid="u1") | {"involvedObject": {"name": "p", "namespace": "x"}}]
    found = describe.events_for(pod, events)
    assert [e["metadata"]["name"] for e in found] == ["late", "early"]
    got = describe.describe(resources.for_kind("Pod"), {**pod, "spec": {"containers": []}, "status": {}},
                            now=60, events=events)
    rows = got.split("Events:\n")[1].splitlines()[2:]
    assert [row.split()[1] for row in rows] == ["early", "late"]


def test_event_count_and_series_ages():
    w_events = [
        {"metadata": {"name": "a"}, "involvedObject": {"kind": "Node", "name": "n"}, "type": "Normal",
         "reason": "Starting", "message": "Starting kubelet.", "count": 3,
         "firstTimestamp": clock.timestamp(0), "lastTimestamp": clock.timestamp(290),
         "source": {"component": "kubelet", "host": "n"}},
        {"metadata": {"name": "b"}, "involvedObject": {"kind": "Node", "name": "n"}, "type": "Normal",
         "reason": "RegisteredNode", "message": "Node n event: Registered Node n in Controller",
         "eventTime": clock.timestamp(100), "series": {"count": 2, "lastObservedTime": clock.timestamp(280)},
         "reportingComponent": "node-controller"},
    ]
    node = {"kind": "Node", "metadata": {"name": "n"}, "spec": {}, "status": {}}
    got = describe.describe(resources.for_kind("Node"), node, now=300, events=w_events)
    assert got.endswith(
        "Events:\n"
        "  Type    Reason          Age                  From             Message\n"
        "  ----    ------          ----                 ----             -------\n"
        "  Normal  RegisteredNode  20s (x2 over 3m20s)  node-controller  Node n event: Registered Node n in Controller\n"
        "  Normal  Starting        10s (x3 over 5m)     kubelet          Starting kubelet.\n")


def test_deployment_old_and_new_replicasets():
    dep = _get("Deployment", "web-app")
    new = _get("ReplicaSet", "web-app-7d9c5b8f6")
    old = yaml.safe_load(yaml.safe_dump(new))
    old["metadata"]["name"] = "web-app-5c6b7d8e9"
    old["metadata"]["creationTimestamp"] = "2025-01-01T00:30:00Z"
    old["spec"]["replicas"] = 0
    old["status"]["replicas"] = 0
    old["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    unrelated = yaml.safe_load(yaml.safe_dump(new))
    unrelated["metadata"]["name"] = "other"
    unrelated["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    assert describe.deployment_replicasets(dep, [unrelated, old, new]) == ([old], new)
    got = describe.describe(resources.for_kind("Deployment"), dep, now=NOW, events=[],
                            related={"replicasets": [new, old]})
    assert "OldReplicaSets:  web-app-5c6b7d8e9 (0/0 replicas created)\n" in got
    assert "NewReplicaSet:   web-app-7d9c5b8f6 (3/3 replicas created)\n" in got


def test_replicaset_counts_its_pods_by_phase():
    rs = _get("ReplicaSet", "web-app-7d9c5b8f6")
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"], "uid": "rs-web",
             "controller": True}
    pods = [{"metadata": {"name": n, "namespace": "default", "ownerReferences": [owner]}, "status": {"phase": p}}
            for n, p in (("a", "Running"), ("b", "Running"), ("c", "Pending"), ("d", "Failed"))]
    pods.append({"metadata": {"name": "orphan", "namespace": "default"}, "status": {"phase": "Running"}})
    got = describe.describe(resources.for_kind("ReplicaSet"), rs, now=NOW, events=[], related={"pods": pods})
    assert "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 1 Failed\n" in got


def test_service_endpoints_from_endpoint_slices():
    slice_ = {"ports": [{"name": "http", "port": 8080}],
              "endpoints": [{"addresses": [f"10.0.0.{i}"], "conditions": {"ready": i != 2}} for i in range(1, 6)]}
    assert describe.format_endpoint_slices([slice_], {"http"}) == "10.0.0.1:8080,10.0.0.3:8080,10.0.0.4:8080 + 1 more..."
    assert describe.format_endpoint_slices([slice_], {"metrics"}) == ""
    assert describe.format_endpoint_slices([], {"http"}) == "<none>"


def test_pod_requests_and_limits_count_init_containers_and_sidecars():
    pod = {"spec": {
        "initContainers": [{"name": "setup", "resources": {"requests": {"cpu": "1"}}},
                           {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}}],
        "containers": [{"name": "a", "resources": {"requests": {"cpu": "200m", "memory": "64Mi"}}},
                       {"name": "b", "resources": {"requests": {"cpu": "300m", "memory": "1Gi"}}}],
        "overhead": {"cpu": "10m"}}}
    requests, limits = describe.pod_requests_and_limits(pod)
    assert {k: str(v) for k, v in requests.items()} == {"cpu": "1010m", "memory": "1088Mi"}
    assert limits == {}


@pytest.mark.parametrize("resources_, want", [
    ({}, "BestEffort"),
    ({"requests": {"cpu": "100m"}}, "Burstable"),
    ({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "Burstable"),
])
def test_qos_class_when_status_has_none(resources_, want):
    pod = {"spec": {"containers": [{"name": "c", "resources": resources_}]}, "status": {}}
    assert describe.pod_qos_class(pod) == want


def test_generic_describer_labels():
    assert describe._smart_label("apiVersion") == "API Version"
    assert describe._smart_label("holderIdentity") == "Holder Identity"
    assert describe._smart_label("podCIDRs") == "Pod CID Rs"  # fatih/camelcase, as kubectl does
    assert describe._smart_label("node-role") == "Node - Role"
    assert describe._smart_label("k8s") == "k8s"
