"""Each plugin's verdicts and scores equal kube-scheduler's, case by case.

Every test names the Kubernetes test file (under k8s.io/kubernetes
pkg/scheduler/framework/plugins/) and the case it reproduces; the inputs are written
with :mod:`kubesim.scheduler.testing`, which mirrors ``st.MakePod()`` / ``st.MakeNode()``.
"""
from __future__ import annotations

import pytest

from kubesim.scheduler.framework import UNRESOLVABLE, UNSCHEDULABLE
from kubesim.scheduler.plugins import (ImageLocality, InterPodAffinity, NodeAffinity, NodeName,
                                       NodePorts, NodeResourcesBalancedAllocation, NodeResourcesFit,
                                       NodeUnschedulable, PodTopologySpread, TaintToleration)
from kubesim.scheduler.snapshot import normalized_image_name
from kubesim.scheduler.testing import filter_node, make_node, make_pod, score_nodes

MB = 1024 * 1024


def code(status):
    return "Success" if status is None else status.code


# =========================================================================== TaintToleration
# tainttoleration/taint_toleration_test.go TestTaintTolerationFilter
@pytest.mark.parametrize("case,tolerations,taints,want", [
    ("A pod having no tolerations can't be scheduled onto a node with nonempty taints",
     [], [("dedicated", "user1", "NoSchedule")], "node(s) had untolerated taint {dedicated: user1}"),
    ("A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
     [dict(key="dedicated", value="user1", effect="NoSchedule")], [("dedicated", "user1", "NoSchedule")], None),
    ("A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
     [dict(key="dedicated", operator="Equal", value="user2", effect="NoSchedule")],
     [("dedicated", "user1", "NoSchedule")], "node(s) had untolerated taint {dedicated: user1}"),
    ("A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
     [dict(key="foo", operator="Exists", effect="NoSchedule")], [("foo", "bar", "NoSchedule")], None),
    ("A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
     [dict(key="foo", operator="Equal", value="bar", effect="PreferNoSchedule")], [("foo", "bar", "NoSchedule")],
     "node(s) had untolerated taint {foo: bar}"),
    ("The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
     [dict(key="foo", operator="Equal", value="bar")], [("foo", "bar", "NoSchedule")], None),
    ("The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
     [], [("dedicated", "user1", "PreferNoSchedule")], None),
])
def test_taint_toleration_filter(case, tolerations, taints, want):
    pod = make_pod("pod1")
    for t in tolerations:
        pod.toleration(**t)
    node = make_node("nodeA")
    for key, value, effect in taints:
        node.taint(key, value, effect)
    status = filter_node(TaintToleration(), pod.obj(), node.obj())
    if want is None:
        assert status is None, case
    else:
        assert status.code == UNRESOLVABLE and status.reasons == [want], case


# taint_toleration_test.go TestTaintTolerationScore
def test_taint_toleration_score_node_with_tolerated_taints_scores_higher():
    # "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints"
    pod = make_pod("pod1").toleration("foo", "bar", "PreferNoSchedule", "Equal").obj()
    nodes = [make_node("nodeA").taint("foo", "bar", "PreferNoSchedule").obj(),
             make_node("nodeB").taint("foo", "blah", "PreferNoSchedule").obj()]
    assert score_nodes(TaintToleration(), pod, nodes) == [100, 0]


def test_taint_toleration_score_more_intolerable_taints_lower_score():
    # "the more intolerable taints a node has, the lower score it gets."
    pod = make_pod("pod1").toleration("foo", "bar", "PreferNoSchedule", "Equal").obj()
    nodes = [make_node("nodeA").obj(),
             make_node("nodeB").taint("cpu-type", "arm64", "PreferNoSchedule").obj(),
             make_node("nodeC").taint("cpu-type", "arm64", "PreferNoSchedule")
             .taint("disk-type", "ssd", "PreferNoSchedule").obj()]
    assert score_nodes(TaintToleration(), pod, nodes) == [100, 50, 0]


def test_taint_toleration_score_only_prefer_no_schedule_counts():
    # "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function"
    pod = (make_pod("pod1").toleration("cpu-type", "arm64", "NoSchedule", "Equal")
           .toleration("disk-type", "ssd", "NoSchedule", "Equal").obj())
    nodes = [make_node("nodeA").obj(),
             make_node("nodeB").taint("cpu-type", "arm64", "NoSchedule").obj(),
             make_node("nodeC").taint("cpu-type", "arm64", "PreferNoSchedule")
             .taint("disk-type", "ssd", "PreferNoSchedule").obj()]
    assert score_nodes(TaintToleration(), pod, nodes) == [100, 100, 0]


# =========================================================================== NodeUnschedulable / NodeName
# nodeunschedulable/node_unschedulable_test.go TestNodeUnschedulable
@pytest.mark.parametrize("case,unschedulable,toleration,want", [
    ("Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)", True, None, UNRESOLVABLE),
    ("Schedule pod to normal node", False, None, "Success"),
    ("Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)", True,
     dict(key="node.kubernetes.io/unschedulable", effect="NoSchedule"), "Success"),
])
def test_node_unschedulable(case, unschedulable, toleration, want):
    pod = make_pod("p")
    if toleration:
        pod.toleration(**toleration)
    status = filter_node(NodeUnschedulable(), pod.obj(), make_node("n").unschedulable(unschedulable).obj())
    assert code(status) == want, case
    if status is not None:
        assert status.reasons == ["node(s) were unschedulable"]


# nodename/node_name_test.go TestNodeName
@pytest.mark.parametrize("case,pod_node,want", [
    ("no host specified", "", "Success"),
    ("host matches", "foo", "Success"),
    ("host doesn't match", "bar", UNRESOLVABLE),
])
def test_node_name(case, pod_node, want):
    pod = make_pod("p")
    if pod_node:
        pod.node(pod_node)
    status = filter_node(NodeName(), pod.obj(), make_node("foo").obj())
    assert code(status) == want, case
    if status is not None:
        assert status.reasons == ["node(s) didn't match the requested node name"]


# =========================================================================== NodePorts
# nodeports/node_ports_test.go TestNodePorts
@pytest.mark.parametrize("case,want_ports,used_ports,fits", [
    ("nothing running", [], [], True),
    ("other port", [("UDP", "127.0.0.1", 8080)], [("UDP", "127.0.0.1", 9090)], True),
    ("same udp port", [("UDP", "127.0.0.1", 8080)], [("UDP", "127.0.0.1", 8080)], False),
    ("same tcp port", [("TCP", "127.0.0.1", 8080)], [("TCP", "127.0.0.1", 8080)], False),
    ("different host ip", [("TCP", "127.0.0.1", 8080)], [("TCP", "127.0.0.2", 8080)], True),
    ("different protocol", [("UDP", "127.0.0.1", 8080)], [("TCP", "127.0.0.1", 8080)], True),
    ("first tcp port conflict due to 0.0.0.0 hostIP", [("TCP", "0.0.0.0", 8001), ("UDP", "127.0.0.1", 8001)],
     [("TCP", "127.0.0.1", 8001)], False),
    ("TCP hostPort conflict due to 0.0.0.0 hostIP", [("TCP", "10.0.10.10", 8001), ("TCP", "0.0.0.0", 8001)],
     [("TCP", "0.0.0.0", 8001)], False),
])
def test_node_ports(case, want_ports, used_ports, fits):
    pod = make_pod("p")
    for proto, ip, port in want_ports:
        pod.host_port(port, proto, ip)
    existing = make_pod("e").node("n")
    for proto, ip, port in used_ports:
        existing.host_port(port, proto, ip)
    status = filter_node(NodePorts(), pod.obj(), make_node("n").obj(), [existing.obj()])
    assert (status is None) == fits, case
    if status is not None:
        assert status.code == UNSCHEDULABLE
        assert status.reasons == ["node(s) didn't have free ports for the requested pod ports"]


# =========================================================================== NodeResourcesFit
def fit_node(**extra):
    """fit_test.go: makeResources(10, 20, 32, 5, 20, 5) — cpu 10m, memory 20, 32 Pods,
    5 example.com/aaa, 20 ephemeral-storage, 5 hugepages-2Mi."""
    return make_node("machine").capacity({"cpu": "10m", "memory": "20", "pods": "32",
                                          "example.com/aaa": "5", "ephemeral-storage": "20",
                                          "hugepages-2Mi": "5", **extra}).obj()


def resource_pod(*containers, init=(), node=None):
    p = make_pod()
    for c in containers:
        p.req(c)
    for c in init:
        p.init_req(c)
    if node:
        p.node(node)
    return p.obj()


def cm(cpu, mem, **scalar):
    return {"cpu": f"{cpu}m", "memory": str(mem), **{k.replace("_", "."): str(v) for k, v in scalar.items()}}


# fit_test.go TestEnoughRequests
@pytest.mark.parametrize("case,pod,existing,want", [
    ("no resources requested always fits", resource_pod(), cm(10, 20), []),
    ("too many resources fails", resource_pod(cm(1, 1)), cm(10, 20), ["Insufficient cpu", "Insufficient memory"]),
    ("too many resources fails due to init container cpu",
     resource_pod(cm(1, 1), init=[cm(3, 1)]), cm(8, 19), ["Insufficient cpu"]),
    ("too many resources fails due to highest init container cpu",
     resource_pod(cm(1, 1), init=[cm(3, 1), cm(2, 1)]), cm(8, 19), ["Insufficient cpu"]),
    ("too many resources fails due to init container memory",
     resource_pod(cm(1, 1), init=[cm(1, 3)]), cm(9, 19), ["Insufficient memory"]),
    ("init container fits because it's the max, not sum, of containers and init containers",
     resource_pod(cm(1, 1), init=[cm(1, 1)]), cm(9, 19), []),
    ("both resources fit", resource_pod(cm(1, 1)), cm(5, 5), []),
    ("one resource memory fits", resource_pod(cm(2, 1)), cm(9, 5), ["Insufficient cpu"]),
    ("one resource cpu fits", resource_pod(cm(1, 2)), cm(5, 19), ["Insufficient memory"]),
    ("equal edge case", resource_pod(cm(5, 1)), cm(5, 19), []),
    ("equal edge case for init container", resource_pod(cm(4, 1), init=[cm(5, 1)]), cm(5, 19), []),
    ("extended resource fits", resource_pod({"example.com/aaa": "1"}), {}, []),
    ("extended resource capacity enforced", resource_pod({**cm(1, 1), "example.com/aaa": "10"}),
     {"example.com/aaa": "0"}, ["Insufficient example.com/aaa"]),
    ("extended resource allocatable enforced", resource_pod({**cm(1, 1), "example.com/aaa": "1"}),
     {"example.com/aaa": "5"}, ["Insufficient example.com/aaa"]),
    ("extended resource allocatable enforced for multiple containers",
     resource_pod({**cm(1, 1), "example.com/aaa": "3"}, {**cm(1, 1), "example.com/aaa": "3"}),
     {"example.com/aaa": "2"}, ["Insufficient example.com/aaa"]),
    ("extended resource allocatable admits multiple init containers",
     resource_pod(init=[{**cm(1, 1), "example.com/aaa": "3"}, {**cm(1, 1), "example.com/aaa": "3"}]),
     {"example.com/aaa": "2"}, []),
])
def test_fit_filter(case, pod, existing, want):
    node = fit_node()
    pods = [resource_pod(existing, node="machine")]
    status = filter_node(NodeResourcesFit(), pod, node, pods)
    assert (status.reasons if status else []) == want, case
    if status:
        assert status.code == UNSCHEDULABLE       # preemption might help


def test_fit_filter_too_many_pods():
    # fit_test.go TestNotEnoughRequests "even without specified resources, predicate fails when there's no space for additional pod"
    node = make_node("machine").capacity({"cpu": "10m", "memory": "20", "pods": "1"}).obj()
    status = filter_node(NodeResourcesFit(), resource_pod(), node, [resource_pod(cm(10, 20), node="machine")])
    assert status.reasons == ["Too many pods"]


def test_fit_ignores_limits():
    # Only requests count (fit.go computePodResourceRequest uses PodRequests).
    pod = make_pod().obj()
    pod["spec"]["containers"] = [{"name": "c", "image": "x",
                                  "resources": {"requests": {"cpu": "1m"}, "limits": {"cpu": "100"}}}]
    assert filter_node(NodeResourcesFit(), pod, fit_node(), []) is None


def cap(cpu, mem, **extra):
    return make_node().capacity({"cpu": cpu, "memory": mem, **extra})


# least_allocated_test.go TestLeastAllocatedScoringStrategy
@pytest.mark.parametrize("case,pod,nodes,existing,want,resources", [
    ("nothing scheduled, nothing requested", make_pod().obj(),
     [("node1", "4000", "10000"), ("node2", "4000", "10000")], [], [100, 100], None),
    ("nothing scheduled, resources requested, differently sized nodes",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "4000", "10000"), ("node2", "6000", "10000")], [], [37, 50], None),
    ("no resources requested, pods scheduled with resources", make_pod().obj(),
     [("node1", "10000", "20000"), ("node2", "10000", "20000")],
     [("node1", "3000", "0"), ("node1", "3000", "0"), ("node2", "3000", "0"), ("node2", "3000", "5000")],
     [70, 57], None),
    ("resources requested, pods scheduled with resources",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "10000", "20000"), ("node2", "10000", "20000")],
     [("node1", "3000", "0"), ("node2", "3000", "5000")], [57, 45], None),
    ("resources requested, pods scheduled with resources, differently sized nodes",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "10000", "20000"), ("node2", "10000", "50000")],
     [("node1", "3000", "0"), ("node2", "3000", "5000")], [57, 60], None),
    ("requested resources exceed node capacity", make_pod().req(cpu="3000", memory="0").obj(),
     [("node1", "4000", "10000"), ("node2", "4000", "10000")],
     [("node1", "3000", "0"), ("node2", "3000", "5000")], [50, 25], None),
    ("nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "4000", "10000"), ("node2", "6000", "10000")], [], [41, 50],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}]),
])
def test_least_allocated(case, pod, nodes, existing, want, resources):
    node_objs = [make_node(n).capacity(cpu=c, memory=m).obj() for n, c, m in nodes]
    pods = [make_pod().node(n).req(cpu=c, memory=m).obj() for n, c, m in existing]
    plugin = NodeResourcesFit("LeastAllocated", resources or (("cpu", 1), ("memory", 1)))
    assert score_nodes(plugin, pod, node_objs, pods) == want, case


def test_least_allocated_honors_extended_resource_if_requested():
    # least_allocated_test.go "honor extended resource if the pod requests"
    res = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": "intel.com/foo", "weight": 1}]
    pod = make_pod().req({"cpu": "3000", "memory": "5000", "intel.com/foo": "2"}).obj()
    nodes = [make_node("node1").capacity({"cpu": "6000", "memory": "10000", "intel.com/foo": "4"}).obj(),
             make_node("node2").capacity({"cpu": "6000", "memory": "10000", "intel.com/foo": "10"}).obj()]
    assert score_nodes(NodeResourcesFit("LeastAllocated", res), pod, nodes) == [50, 60]
    # "bypass extended resource if the pod does not request"
    pod = make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj()
    nodes = [make_node("node1").capacity(cpu="6000", memory="10000").obj(),
             make_node("node2").capacity({"cpu": "6000", "memory": "10000", "intel.com/foo": "4"}).obj()]
    assert score_nodes(NodeResourcesFit("LeastAllocated", res), pod, nodes) == [50, 50]


# most_allocated_test.go TestMostAllocatedScoringStrategy
@pytest.mark.parametrize("case,pod,nodes,existing,want", [
    ("nothing scheduled, nothing requested", make_pod().obj(),
     [("node1", "4000", "10000"), ("node2", "4000", "10000")], [], [0, 0]),
    ("nothing scheduled, resources requested, differently sized nodes",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "4000", "10000"), ("node2", "6000", "10000")], [], [62, 50]),
    ("resources requested, pods scheduled with resources",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [("node1", "10000", "20000"), ("node2", "10000", "20000")],
     [("node1", "3000", "0"), ("node2", "3000", "5000")], [42, 55]),
])
def test_most_allocated(case, pod, nodes, existing, want):
    node_objs = [make_node(n).capacity(cpu=c, memory=m).obj() for n, c, m in nodes]
    pods = [make_pod().node(n).req(cpu=c, memory=m).obj() for n, c, m in existing]
    assert score_nodes(NodeResourcesFit("MostAllocated"), pod, node_objs, pods) == want, case


# requested_to_capacity_ratio_test.go TestRequestedToCapacityRatioScoringStrategy
SHAPE = [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]


@pytest.mark.parametrize("case,pod,existing,want", [
    ("nothing scheduled, nothing requested (default - least requested nodes have priority)",
     make_pod().obj(), [make_pod().node("node1").obj(), make_pod().node("node1").obj()], [100, 100]),
    ("nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)",
     make_pod().req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [make_pod().node("node1").obj(), make_pod().node("node1").obj()], [38, 50]),
    ("no resources requested, pods scheduled with resources (default - least requested nodes have priority)",
     make_pod().obj(), [make_pod().node("node1").req(cpu="3000", memory="5000").obj(),
                        make_pod().node("node2").req(cpu="3000", memory="5000").obj()], [38, 50]),
])
def test_requested_to_capacity_ratio(case, pod, existing, want):
    nodes = [make_node("node1").capacity(cpu="4000", memory="10000").obj(),
             make_node("node2").capacity(cpu="6000", memory="10000").obj()]
    plugin = NodeResourcesFit("RequestedToCapacityRatio", shape=SHAPE)
    assert score_nodes(plugin, pod, nodes, existing) == want, case


# requested_to_capacity_ratio_test.go TestBrokenLinearFunction
@pytest.mark.parametrize("points,assertions", [
    ([(10, 1), (90, 9)], [(-10, 1), (0, 1), (9, 1), (10, 1), (15, 1), (19, 1), (20, 2), (89, 8), (90, 9),
                          (99, 9), (100, 9), (110, 9)]),
    ([(0, 2), (40, 10), (100, 0)], [(-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0)]),
    ([(0, 2), (40, 2), (100, 2)], [(-10, 2), (0, 2), (20, 2), (30, 2), (40, 2), (70, 2), (100, 2), (110, 2)]),
])
def test_broken_linear_function(points, assertions):
    from kubesim.scheduler.plugins.resource_allocation import broken_linear
    f = broken_linear(points)
    assert [f(p) for p, _ in assertions] == [want for _, want in assertions]


# requested_to_capacity_ratio_test.go TestResourceBinPackingSingleExtended
@pytest.mark.parametrize("case,qty,existing,want", [
    ("nothing scheduled, nothing requested", None, [], [0, 0]),
    ("resources requested, pods scheduled with less resources", "2", [], [2, 5]),
    ("resources requested, pods scheduled with resources, on node with existing pod running ", "2",
     [("node2", "2")], [2, 10]),
    ("resources requested, pods scheduled with more resources", "4", [], [5, 10]),
])
def test_bin_packing_single_extended(case, qty, existing, want):
    nodes = [make_node("node1").capacity({"cpu": "4", "memory": "10000Mi", "intel.com/foo": "8"}).obj(),
             make_node("node2").capacity({"cpu": "4", "memory": "10000Mi", "intel.com/foo": "4"}).obj()]
    pod = make_pod().req({"intel.com/foo": qty}).obj() if qty else make_pod().obj()
    pods = [make_pod().node(n).req({"intel.com/foo": q}).obj() for n, q in existing]
    plugin = NodeResourcesFit("RequestedToCapacityRatio", [{"name": "intel.com/foo", "weight": 1}],
                              shape=[{"utilization": 0, "score": 0}, {"utilization": 100, "score": 1}])
    assert score_nodes(plugin, pod, nodes, pods) == want, case


# =========================================================================== BalancedAllocation
# balanced_allocation_test.go TestNodeResourcesBalancedAllocation
CPU_AND_MEMORY = ({"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"})
CPU_ONLY = ({"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"})


def spec_pod(containers, node=None):
    p = make_pod()
    for c in containers:
        p.req(c)
    return (p.node(node) if node else p).obj()


@pytest.mark.parametrize("case,pod,nodes,existing,want", [
    ("nothing scheduled, resources requested, differently sized nodes", spec_pod(CPU_AND_MEMORY),
     [("node1", "4000m", "10000"), ("node2", "6000m", "10000")], [], [87, 100]),
    ("resources requested, pods scheduled with resources", spec_pod(CPU_AND_MEMORY),
     [("node1", "10000m", "20000"), ("node2", "10000m", "20000")],
     [(CPU_ONLY, "node1"), (CPU_AND_MEMORY, "node2")], [82, 95]),
    ("resources requested, pods scheduled with resources, differently sized nodes", spec_pod(CPU_AND_MEMORY),
     [("node1", "10000m", "20000"), ("node2", "10000m", "50000")],
     [(CPU_ONLY, "node1"), (CPU_AND_MEMORY, "node2")], [82, 80]),
    ("requested resources at node capacity", spec_pod(CPU_ONLY),
     [("node1", "6000m", "10000"), ("node2", "6000m", "10000")],
     [(CPU_ONLY, "node1"), (CPU_AND_MEMORY, "node2")], [50, 75]),
])
def test_balanced_allocation(case, pod, nodes, existing, want):
    node_objs = [make_node(n).capacity(cpu=c, memory=m).obj() for n, c, m in nodes]
    pods = [spec_pod(cs, node) for cs, node in existing]
    assert score_nodes(NodeResourcesBalancedAllocation(), pod, node_objs, pods) == want, case


def test_balanced_allocation_skips_best_effort_pods():
    # balanced_allocation_test.go "nothing scheduled, nothing requested, skip in PreScore"
    nodes = [make_node("node1").capacity(cpu="4000m", memory="10000").obj()]
    assert score_nodes(NodeResourcesBalancedAllocation(), make_pod().obj(), nodes) is None


def test_balanced_allocation_with_a_gpu():
    # balanced_allocation_test.go "include scalar resource on a node for balanced resource allocation"
    res = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": "nvidia.com/gpu", "weight": 1}]
    pod = make_pod().req({"memory": "0", "nvidia.com/gpu": "1"}).obj()
    nodes = [make_node("node1").capacity({"cpu": "3500m", "memory": "40000", "nvidia.com/gpu": "8"}).obj(),
             make_node("node2").capacity({"cpu": "3500m", "memory": "40000", "nvidia.com/gpu": "8"}).obj()]
    gpu_pod = spec_pod(({"cpu": "1000m", "memory": "2000"},
                        {"cpu": "2000m", "memory": "3000", "nvidia.com/gpu": "3"}), "node1")
    pods = [spec_pod(CPU_AND_MEMORY, "node2"), gpu_pod]
    assert score_nodes(NodeResourcesBalancedAllocation(res), pod, nodes, pods) == [70, 65]


# =========================================================================== NodeAffinity
def node_with(labels, name="node1"):
    return make_node(name).labels(labels).obj()


def required(*terms):
    pod = make_pod().obj()
    pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                                                {"nodeSelectorTerms": list(terms)}}}
    return pod


def expr(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


# node_affinity_test.go TestNodeAffinity
@pytest.mark.parametrize("case,pod,labels,fits", [
    ("missing labels", make_pod().node_selector({"foo": "bar"}).obj(), {}, False),
    ("same labels", make_pod().node_selector({"foo": "bar"}).obj(), {"foo": "bar"}, True),
    ("node labels are superset", make_pod().node_selector({"foo": "bar"}).obj(), {"foo": "bar", "baz": "blah"}, True),
    ("node labels are subset", make_pod().node_selector({"foo": "bar", "baz": "blah"}).obj(), {"foo": "bar"}, False),
    ("Pod with matchExpressions using In operator that matches the existing node",
     required({"matchExpressions": [expr("foo", "In", "bar", "value2")]}), {"foo": "bar"}, True),
    ("Pod with matchExpressions using Gt operator that matches the existing node",
     required({"matchExpressions": [expr("kernel-version", "Gt", "0204")]}), {"kernel-version": "0206"}, True),
    ("Pod with matchExpressions using NotIn operator that matches the existing node",
     required({"matchExpressions": [expr("mem-type", "NotIn", "DDR", "DDR2")]}), {"mem-type": "DDR3"}, True),
    ("Pod with matchExpressions using Exists operator that matches the existing node",
     required({"matchExpressions": [expr("GPU", "Exists")]}), {"GPU": "NVIDIA-GRID-K1"}, True),
    ("Pod with affinity that don't match node's labels won't schedule onto the node",
     required({"matchExpressions": [expr("foo", "In", "value1", "value2")]}), {"foo": "bar"}, False),
    ("Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
     required({"matchExpressions": []}), {"foo": "bar"}, False),
    ("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
     required({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "In", "AMD", "INTER")]}),
     {"GPU": "NVIDIA-GRID-K1"}, False),
    ("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
     required({"matchExpressions": [expr("foo", "In", "bar", "value2")]},
              {"matchExpressions": [expr("diffkey", "In", "wrong", "value2")]}), {"foo": "bar"}, True),
    ("Pod with an invalid value in Affinity term won't be scheduled onto the node",
     required({"matchExpressions": [expr("foo", "NotIn", "invalid value: ___@#$%^")]}), {"foo": "bar"}, False),
    ("Pod with no Affinity will schedule onto a node", make_pod().obj(), {"foo": "bar"}, True),
])
def test_node_affinity_filter(case, pod, labels, fits):
    status = filter_node(NodeAffinity(), pod, node_with(labels))
    assert (status is None) == fits, case
    if status is not None:
        assert status.code == UNRESOLVABLE
        assert status.reasons == ["node(s) didn't match Pod's node affinity/selector"]


def test_node_affinity_match_fields():
    # node_affinity_test.go "Pod with matchFields using In operator that does not match the existing node"
    pod = required({"matchFields": [expr("metadata.name", "In", "node1")]})
    assert filter_node(NodeAffinity(), pod, node_with({}, "node1")) is None
    assert filter_node(NodeAffinity(), pod, node_with({}, "node2")).code == UNRESOLVABLE


def preferred(*weighted):
    pod = make_pod().obj()
    pod["spec"]["affinity"] = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "preference": {"matchExpressions": exprs}} for w, exprs in weighted]}}
    return pod


AFFINITY2 = preferred((2, [expr("foo", "In", "bar")]), (4, [expr("key", "In", "value")]),
                      (5, [expr("foo", "In", "bar"), expr("key", "In", "value"), expr("az", "In", "az1")]))
LABEL1, LABEL2, LABEL3 = {"foo": "bar"}, {"key": "value"}, {"az": "az1"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}


# node_affinity_test.go TestNodeAffinityPriority
def test_node_affinity_score_only_node1_matches():
    # "only node1 matches the preferred scheduling requirements of pod"
    pod = preferred((2, [expr("foo", "In", "bar")]))
    nodes = [node_with(LABEL1, "node1"), node_with(LABEL2, "node2"), node_with(LABEL3, "node3")]
    assert score_nodes(NodeAffinity(), pod, nodes) == [100, 0, 0]


def test_node_affinity_score_different_priorities():
    # "all nodes matches the preferred scheduling requirements of pod but with different priorities "
    nodes = [node_with(LABEL1, "node1"), node_with(LABEL5, "node5"), node_with(LABEL2, "node2")]
    assert score_nodes(NodeAffinity(), AFFINITY2, nodes) == [18, 100, 36]


def test_node_affinity_score_added_affinity():
    # "added affinity and pod has default affinity"
    added = {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 3, "preference": {"matchExpressions": [expr("key", "In", "value")]}}]}
    pod = preferred((2, [expr("foo", "In", "bar")]))
    nodes = [node_with(LABEL1, "node1"), node_with(LABEL2, "node2"), node_with(LABEL5, "node3")]
    assert score_nodes(NodeAffinity(added), pod, nodes) == [40, 60, 100]


def test_node_affinity_prescore_skips_without_affinity():
    # "Skip is returned in PreScore when NodeAffinity is nil"
    assert score_nodes(NodeAffinity(), make_pod().obj(), [node_with(LABEL1)]) is None


# =========================================================================== ImageLocality
def image_node(name, images):
    return make_node(name).images({n: s * MB for n, s in images.items()}).obj()


NODE_40_300_2000 = {"gcr.io/40:latest": 40, "gcr.io/300:latest": 300, "gcr.io/2000:latest": 2000}
NODE_250_10 = {"gcr.io/250:latest": 250, "gcr.io/10:latest": 10}
NODE_4000_30 = {"gcr.io/4000:latest": 4000, "gcr.io/30:latest": 30}


# image_locality_test.go TestImageLocalityPriority
@pytest.mark.parametrize("case,images,nodes,want", [
    ("two images spread on two nodes, prefer the larger image one", ["gcr.io/40", "gcr.io/250"],
     [NODE_40_300_2000, NODE_250_10], [0, 5]),
    ("two images on one node, prefer this node", ["gcr.io/40", "gcr.io/300"],
     [NODE_40_300_2000, NODE_250_10], [7, 0]),
    ("if exceed limit, use limit", ["gcr.io/10", "gcr.io/4000"], [NODE_4000_30, NODE_250_10], [100, 0]),
    ("if exceed limit, use limit (with node which has no images present)", ["gcr.io/10", "gcr.io/4000"],
     [NODE_4000_30, NODE_250_10, {}], [66, 0, 0]),
    ("pod with multiple large images, node2 is preferred", ["gcr.io/300", "gcr.io/600", "gcr.io/900"],
     [{"gcr.io/600:latest": 600, "gcr.io/40:latest": 40, "gcr.io/900:latest": 900},
      {"gcr.io/300:latest": 300, "gcr.io/600:latest": 600, "gcr.io/900:latest": 900}, {}], [32, 36, 0]),
    ("pod with multiple small images", ["gcr.io/30", "gcr.io/40"],
     [{"gcr.io/20:latest": 20, "gcr.io/30:latest": 30, "gcr.io/40:latest": 40}, NODE_4000_30], [1, 0]),
])
def test_image_locality(case, images, nodes, want):
    pod = make_pod()
    for image in images:
        pod.container(image)
    node_objs = [image_node(f"node{i + 1}", imgs) for i, imgs in enumerate(nodes)]
    assert score_nodes(ImageLocality(), pod.obj(), node_objs, normalize=False) == want, case


@pytest.mark.parametrize("case,name,want", [
    ("add :latest postfix 1", "root", "root:latest"),
    ("add :latest postfix 2", "gcr.io:5000/root", "gcr.io:5000/root:latest"),
    ("keep it as is 1", "root:tag", "root:tag"),
    ("keep it as is 2", "root@sha256:abc", "root@sha256:abc"),
])
def test_normalized_image_name(case, name, want):
    # image_locality_test.go TestNormalizedImageName
    assert normalized_image_name(name) == want, case


# =========================================================================== InterPodAffinity
NODE1 = make_node("machine1").labels({"region": "r1", "zone": "z11"}).obj()
SECURITYSCAN = {"service": "securityscan"}


def affinity_pod(labels, affinity=(), anti=(), node=None, ns="default"):
    p = make_pod(namespace=ns).labels(labels)
    if node:
        p.node(node)
    pod = p.obj()
    a = pod["spec"].setdefault("affinity", {})
    if affinity:
        a["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": list(affinity)}
    if anti:
        a["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": list(anti)}
    return pod


def term(op, values=(), key="service", topology="region", **extra):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return {"labelSelector": {"matchExpressions": [e]}, "topologyKey": topology, **extra}


# interpodaffinity/filtering_test.go TestRequiredAffinitySingleNode (one reason per status,
# as in current Kubernetes)
@pytest.mark.parametrize("case,pod,pods,want", [
    ("A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
     make_pod().obj(), [], None),
    ("satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
     affinity_pod({"security": "S1"}, [term("In", ["securityscan", "value2"])]),
     [make_pod().labels(SECURITYSCAN).node("machine1").obj()], None),
    ("satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
     affinity_pod({"security": "S1"}, [term("NotIn", ["securityscan3", "value3"])]),
     [make_pod().labels(SECURITYSCAN).node("machine1").obj()], None),
    ("Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
     affinity_pod({"security": "S1"}, [term("In", ["securityscan", "value2"], topology="", namespaces=["DiffNameSpace"])]),
     [make_pod(namespace="ns").labels(SECURITYSCAN).node("machine1").obj()],
     (UNRESOLVABLE, "node(s) didn't match pod affinity rules")),
    ("Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
     affinity_pod(SECURITYSCAN, [term("In", ["antivirusscan", "value2"], topology="")]),
     [make_pod().labels(SECURITYSCAN).node("machine1").obj()],
     (UNRESOLVABLE, "node(s) didn't match pod affinity rules")),
    ("satisfies the PodAffinity and PodAntiAffinity with the existing pod",
     affinity_pod({"security": "S1"}, [term("In", ["securityscan", "value2"])],
                  [term("In", ["antivirusscan", "value2"], topology="node")]),
     [make_pod().labels(SECURITYSCAN).node("machine1").obj()], None),
    ("satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
     affinity_pod({"security": "S1"}, [term("In", ["securityscan", "value2"])],
                  [term("In", ["securityscan", "value2"], topology="zone")]),
     [make_pod().labels(SECURITYSCAN).node("machine1").obj()],
     (UNSCHEDULABLE, "node(s) didn't match pod anti-affinity rules")),
    ("satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
     affinity_pod(SECURITYSCAN, [term("In", ["securityscan", "value2"])],
                  [term("In", ["antivirusscan", "value2"], topology="node")]),
     [affinity_pod(SECURITYSCAN, anti=[term("In", ["securityscan", "value2"], topology="zone")], node="machine1")],
     (UNSCHEDULABLE, "node(s) didn't satisfy existing pods anti-affinity rules")),
    ("pod matches its own Label in PodAffinity and that matches the existing pod Labels",
     affinity_pod(SECURITYSCAN, [term("NotIn", ["securityscan", "value2"])]),
     [make_pod().labels(SECURITYSCAN).node("machine2").obj()],
     (UNRESOLVABLE, "node(s) didn't match pod affinity rules")),
    ("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
     make_pod().labels(SECURITYSCAN).obj(),
     [affinity_pod(SECURITYSCAN, anti=[term("In", ["securityscan", "value2"], topology="zone")], node="machine1")],
     (UNSCHEDULABLE, "node(s) didn't satisfy existing pods anti-affinity rules")),
    ("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
     make_pod().labels(SECURITYSCAN).obj(),
     [affinity_pod(SECURITYSCAN, anti=[term("NotIn", ["securityscan", "value2"], topology="zone")], node="machine1")],
     None),
])
def test_inter_pod_affinity_filter(case, pod, pods, want):
    status = filter_node(InterPodAffinity(), pod, NODE1, pods)
    if want is None:
        assert status is None, case
    else:
        assert (status.code, status.reasons) == (want[0], [want[1]]), case


def test_inter_pod_affinity_first_pod_of_a_group_may_go_anywhere():
    # filtering.go satisfyPodAffinity: no Pod matches anywhere, but the Pod matches its own terms.
    pod = affinity_pod(SECURITYSCAN, [term("In", ["securityscan"])])
    assert filter_node(InterPodAffinity(), pod, NODE1, []) is None


# interpodaffinity/scoring_test.go TestPreferredAffinity
def weighted_pod(labels, affinity=(), anti=(), node=None):
    p = make_pod().labels(labels)
    if node:
        p.node(node)
    pod = p.obj()
    a = pod["spec"].setdefault("affinity", {})
    if affinity:
        a["podAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": w, "podAffinityTerm": t} for w, t in affinity]}
    if anti:
        a["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": w, "podAffinityTerm": t} for w, t in anti]}
    return pod


REGION_CHINA = {"region": "China"}
REGION_INDIA = {"region": "India"}
AZ_AZ1 = {"az": "az1"}
S1 = {"security": "S1"}
S2 = {"security": "S2"}
STAY_WITH_S1 = [(5, term("In", ["S1"], key="security"))]
AVOID_S1 = [(5, term("In", ["S1"], key="security"))]


def test_inter_pod_affinity_score_all_same_without_existing_pods():
    # scoring_test.go "all nodes have same priority as NodeAffinity is nil"
    nodes = [make_node("node1").labels(REGION_CHINA).obj(), make_node("node2").labels(REGION_INDIA).obj(),
             make_node("node3").labels(AZ_AZ1).obj()]
    assert score_nodes(InterPodAffinity(), make_pod().obj(), nodes) is None     # PreScore: Skip


def test_inter_pod_affinity_score_prefers_the_topology_of_matching_pods():
    # scoring_test.go "Affinity: pod that matches topology key & pods in nodes will get high score
    # comparing to others which doesn't match either pods in nodes or in topology key"
    pod = weighted_pod(S1, affinity=STAY_WITH_S1)
    pods = [make_pod().labels(S1).node("node1").obj(), make_pod().labels(S2).node("node2").obj(),
            make_pod().labels(S1).node("node3").obj()]
    nodes = [make_node("node1").labels(REGION_CHINA).obj(), make_node("node2").labels(REGION_INDIA).obj(),
             make_node("node3").labels(AZ_AZ1).obj()]
    assert score_nodes(InterPodAffinity(), pod, nodes, pods) == [100, 0, 0]


def test_inter_pod_affinity_score_anti_affinity():
    # scoring_test.go "Anti Affinity: pod that does not match existing pods in node will get high score"
    pod = weighted_pod(S1, anti=AVOID_S1)
    pods = [make_pod().labels(S1).node("node1").obj(), make_pod().labels(S2).node("node2").obj()]
    nodes = [make_node("node1").labels(REGION_CHINA).obj(), make_node("node2").labels(REGION_INDIA).obj()]
    assert score_nodes(InterPodAffinity(), pod, nodes, pods) == [0, 100]


# =========================================================================== PodTopologySpread
FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}
ZONES4 = [("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")]


def zone_nodes(nodes=ZONES4, zone_key="zone"):
    return [make_node(n).label(zone_key, z).label("node", n).obj() for n, z in nodes]


def foo_pods(*placements, ns="default"):
    return [make_pod(f"p-{n}{i}", namespace=ns).node(n).label("foo", "").obj()
            for n, count in placements for i in range(count)]


def spread_pod(max_skew, key, when="DoNotSchedule", label=("foo", ""), selector=FOO, **kw):
    return make_pod("p").label(*label).spread_constraint(max_skew, key, when, selector, **kw).obj()


def filter_all(plugin, pod, nodes, pods):
    """Run PreFilter once, then Filter on each node (as filtering_test.go does)."""
    from kubesim.scheduler.framework import CycleState
    from kubesim.scheduler.nodeinfo import PodInfo
    from kubesim.scheduler.snapshot import Snapshot
    snap = Snapshot(nodes, pods)
    state = CycleState(PodInfo(pod), snap)
    status = plugin.pre_filter(state, pod, snap.node_infos)
    if status is not None and status.code == "Skip":
        return {n["metadata"]["name"]: "Success" for n in nodes}
    return {n["metadata"]["name"]: code(plugin.filter(state, pod, snap.get(n["metadata"]["name"])))
            for n in nodes}


S, U, UU = "Success", UNSCHEDULABLE, UNRESOLVABLE


# podtopologyspread/filtering_test.go TestSingleConstraint
@pytest.mark.parametrize("case,pod,nodes,pods,want", [
    ("no existing pods", spread_pod(1, "zone"), zone_nodes(), [], [S, S, S, S]),
    ("no existing pods, incoming pod doesn't match itself",
     spread_pod(1, "zone", selector={"matchExpressions": [{"key": "bar", "operator": "Exists"}]}),
     zone_nodes(), [], [S, S, S, S]),
    ("existing pods in a different namespace do not count", spread_pod(1, "zone"), zone_nodes(),
     foo_pods(("node-a", 1), ns="ns1") + foo_pods(("node-a", 1), ns="ns2") + foo_pods(("node-x", 1), ("node-y", 1)),
     [S, S, U, U]),
    ("pods spread across zones as 3/3, all nodes fit", spread_pod(1, "zone"), zone_nodes(),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-y", 3)), [S, S, S, S]),
    ("pods spread across zones as 1/2 due to absence of label 'zone' on node-b", spread_pod(1, "zone"),
     [zone_nodes()[0], make_node("node-b").label("zon", "zone1").label("node", "node-b").obj()] + zone_nodes()[2:],
     foo_pods(("node-a", 1), ("node-b", 1), ("node-x", 1), ("node-y", 1)), [S, UU, U, U]),
    ("pod cannot be scheduled as all nodes don't have label 'rack'", spread_pod(1, "rack"),
     zone_nodes([("node-a", "zone1"), ("node-x", "zone2")]), [], [UU, UU]),
    ("pods spread across nodes as 2/1/0/3, only node-x fits", spread_pod(1, "node"), zone_nodes(),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-y", 3)), [U, U, S, U]),
    ("pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit", spread_pod(2, "node"),
     zone_nodes(), foo_pods(("node-a", 2), ("node-b", 1), ("node-y", 3)), [U, S, S, U]),
    ("pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
     spread_pod(1, "node", label=("bar", "")), zone_nodes(),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-y", 3)), [U, S, S, U]),
])
def test_pod_topology_spread_filter(case, pod, nodes, pods, want):
    got = filter_all(PodTopologySpread(), pod, nodes, pods)
    assert list(got.values()) == want, case


def test_pod_topology_spread_filter_node_affinity_restricts_domains():
    # filtering_test.go "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits"
    pod = (make_pod("p").label("foo", "").node_affinity_in("node", ["node-a", "node-y"])
           .spread_constraint(1, "node", "DoNotSchedule", FOO).obj())
    got = filter_all(PodTopologySpread(), pod, zone_nodes(), foo_pods(("node-a", 2), ("node-b", 1), ("node-y", 3)))
    assert list(got.values()) == [S, S, S, U]


def test_pod_topology_spread_filter_terminating_pods_are_excluded():
    # filtering_test.go "terminating Pods should be excluded"
    nodes = [make_node("node-a").label("node", "node-a").obj(), make_node("node-b").label("node", "node-b").obj()]
    pods = [make_pod("p-a").node("node-a").label("foo", "").terminating().obj(),
            make_pod("p-b").node("node-b").label("foo", "").obj()]
    got = filter_all(PodTopologySpread(), spread_pod(1, "node"), nodes, pods)
    assert list(got.values()) == [S, U]


def test_pod_topology_spread_filter_reason_texts():
    pod = spread_pod(1, "node")
    nodes = zone_nodes()
    from kubesim.scheduler.framework import CycleState
    from kubesim.scheduler.nodeinfo import PodInfo
    from kubesim.scheduler.snapshot import Snapshot
    snap = Snapshot(nodes + [make_node("bare").obj()], foo_pods(("node-a", 2)))
    state = CycleState(PodInfo(pod), snap)
    p = PodTopologySpread()
    p.pre_filter(state, pod, snap.node_infos)
    assert p.filter(state, pod, snap.get("node-a")).reasons == [
        "node(s) didn't match pod topology spread constraints"]
    assert p.filter(state, pod, snap.get("bare")).reasons == [
        "node(s) didn't match pod topology spread constraints (missing required label)"]


HOSTS4 = ["node-a", "node-b", "node-c", "node-d"]


def host_nodes(names=HOSTS4):
    return [make_node(n).label("kubernetes.io/hostname", n).obj() for n in names]


# podtopologyspread/scoring_test.go TestPodTopologySpreadScore
@pytest.mark.parametrize("case,pod,pods,want", [
    ("one constraint on node, no existing pods",
     spread_pod(1, "kubernetes.io/hostname", "ScheduleAnyway"), [], [100, 100, 100, 100]),
    ("one constraint on node, all 4 nodes are candidates",
     spread_pod(1, "kubernetes.io/hostname", "ScheduleAnyway"),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-d", 3)), [20, 60, 100, 0]),
    ("one constraint on node, null selector",
     spread_pod(1, "kubernetes.io/hostname", "ScheduleAnyway", selector=None),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-d", 3)), [100, 100, 100, 100]),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=2",
     spread_pod(2, "kubernetes.io/hostname", "ScheduleAnyway"),
     foo_pods(("node-a", 2), ("node-b", 1), ("node-d", 3)), [33, 66, 100, 16]),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=3",
     spread_pod(3, "kubernetes.io/hostname", "ScheduleAnyway"),
     foo_pods(("node-a", 4), ("node-b", 3), ("node-c", 2), ("node-d", 1)), [44, 66, 77, 100]),
])
def test_pod_topology_spread_score(case, pod, pods, want):
    assert score_nodes(PodTopologySpread(), pod, host_nodes(), pods) == want, case


def test_pod_topology_spread_score_system_defaulting_with_a_service():
    # scoring_test.go "system defaulting, nodes don't have zone, pods match service"
    from kubesim.scheduler.framework import CycleState
    from kubesim.scheduler.nodeinfo import PodInfo
    from kubesim.scheduler.snapshot import Snapshot
    pods = foo_pods(("node-a", 4), ("node-b", 3), ("node-c", 2), ("node-d", 1))
    service = {"kind": "Service", "metadata": {"name": "svc", "namespace": "default"},
               "spec": {"selector": {"foo": ""}}}
    pod = make_pod("p").label("foo", "").obj()
    snap = Snapshot(host_nodes(), pods, [service])
    state = CycleState(PodInfo(pod), snap)
    plugin = PodTopologySpread()
    infos = snap.node_infos
    assert plugin.pre_score(state, pod, infos) is None
    scores = {i.name: plugin.score(state, pod, i) for i in infos}
    plugin.normalize_score(state, pod, scores)
    assert [scores[n] for n in HOSTS4] == [44, 66, 77, 100]


def test_pod_topology_spread_score_candidates_and_missing_labels():
    # scoring_test.go "one constraint on node, 3 out of 4 nodes are candidates" and
    # "... one node doesn't match topology key"
    pod = spread_pod(1, "kubernetes.io/hostname", "ScheduleAnyway")
    pods = foo_pods(("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3))
    all_nodes = host_nodes(["node-a", "node-b", "node-x", "node-y"])
    assert score_nodes(PodTopologySpread(), pod, all_nodes[:3], pods, all_nodes=all_nodes) == [33, 83, 100]
    nodes = [all_nodes[0], make_node("node-b").label("n", "node-b").obj(), all_nodes[2]]
    everything = nodes + [all_nodes[3]]
    assert score_nodes(PodTopologySpread(), pod, nodes, pods, all_nodes=everything) == [16, 0, 100]


def test_pod_topology_spread_score_zone_constraint():
    # scoring_test.go "one constraint on zone, 3 out of 4 nodes are candidates"
    pod = spread_pod(1, "zone", "ScheduleAnyway")
    pods = foo_pods(("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3))
    everything = [make_node(n).label("zone", z).label("kubernetes.io/hostname", n).obj()
                  for n, z in ZONES4]
    assert score_nodes(PodTopologySpread(), pod, everything[:3], pods, all_nodes=everything) == [75, 75, 100]
