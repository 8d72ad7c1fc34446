"""The running kube-scheduler in a simulated cluster: binding, FailedScheduling, waking up on
cluster events, preemption, and profiles given to ``kubesim.Cluster``."""
from __future__ import annotations

import kubesim
from kubesim.scheduler import default_profile


def deployment(name, replicas, cpu="250m", extra=""):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{extra}      containers:
      - name: c
        image: nginx:1.25
        resources: {{requests: {{cpu: "{cpu}", memory: 64Mi}}}}
"""


def nodes_of(c, app):
    return sorted(p["spec"].get("nodeName") or "" for p in c.list("Pod", "default", selector=f"app={app}"))


def test_default_spreading_puts_replicas_on_different_workers():
    c = kubesim.Cluster(seed=3)
    c.apply(deployment("web", 3))
    c.run(15)
    assert nodes_of(c, "web") == ["worker-1", "worker-2", "worker-3"]
    scheduled = [e for e in c.list("Event", "default") if e["reason"] == "Scheduled"]
    assert len(scheduled) == 3 and scheduled[0]["source"]["component"] == "default-scheduler"


def test_pending_pod_gets_condition_and_event_then_fits_when_room_is_freed():
    c = kubesim.Cluster(seed=4, nodes_per_zone=1, node_cpu=2)
    c.apply(deployment("hog", 1, cpu="1500m"))
    c.run(8)
    c.apply(deployment("late", 1, cpu="1"))
    c.run(5)
    pod = c.list("Pod", "default", selector="app=late")[0]
    cond = next(x for x in pod["status"]["conditions"] if x["type"] == "PodScheduled")
    assert (cond["status"], cond["reason"]) == ("False", "Unschedulable")
    assert cond["message"].startswith("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had "
                                      "untolerated taint {node-role.kubernetes.io/control-plane: }.")
    assert c.scheduler.pending() == {pod["metadata"]["namespace"] + "/" + pod["metadata"]["name"]: "unschedulable"}
    c.kubectl("scale deployment hog --replicas=0")          # a Pod deleted: the queue retries
    c.run(40)
    assert nodes_of(c, "late") == ["worker-1"]


def test_preemption_evicts_the_low_priority_pod_and_nominates_the_node():
    c = kubesim.Cluster(seed=1, nodes_per_zone=2, node_cpu=2)
    c.apply(deployment("filler", 2, cpu="1500m"))
    c.run(10)
    c.apply("""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: critical}
value: 1000
---
apiVersion: v1
kind: Pod
metadata: {name: important}
spec:
  priorityClassName: critical
  containers:
  - name: c
    image: nginx:1.25
    resources: {requests: {cpu: "1"}}
""")
    c.run(0.2)
    pod = c.get("Pod", "important")
    nominated = pod["status"].get("nominatedNodeName")
    assert nominated in ("worker-1", "worker-2")
    events = {e["reason"]: e["message"] for e in c.list("Event", "default")}
    assert events["Preempted"] == f"Preempted by pod {pod['metadata']['uid']} on node {nominated}"
    c.run(20)
    pod = c.get("Pod", "important")
    assert pod["spec"]["nodeName"] == nominated and not pod["status"].get("nominatedNodeName")
    assert pod["status"]["phase"] == "Running"


def test_scheduler_profile_most_allocated_packs_pods():
    spread = kubesim.Cluster(seed=2)
    spread.apply(deployment("app", 4, cpu="100m"))
    spread.run(15)
    packed = kubesim.Cluster(seed=2, scheduler_profile=default_profile(
        scoring_strategy="MostAllocated").without("PodTopologySpread", "NodeResourcesBalancedAllocation"))
    packed.apply(deployment("app", 4, cpu="100m"))
    packed.run(15)
    assert len(set(nodes_of(spread, "app"))) == 3
    assert len(set(nodes_of(packed, "app"))) == 1


def test_pods_for_another_scheduler_are_left_alone():
    c = kubesim.Cluster(seed=5)
    c.apply(deployment("other", 1, extra="      schedulerName: my-scheduler\n"))
    c.run(10)
    assert nodes_of(c, "other") == [""]
