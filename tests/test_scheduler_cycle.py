"""The scheduling cycle as a whole: how many nodes it looks at, the weighted sum, the
FailedScheduling text, preemption, profiles, learner plugins and ``explain``.

Cases cite k8s.io/kubernetes pkg/scheduler/schedule_one_test.go, framework/types_test.go,
framework/plugins/defaultpreemption/default_preemption_test.go and
apis/config/v1/default_plugins.go.
"""
from __future__ import annotations

import random

import pytest

from kubesim.scheduler import (Plugin, Profile, default_profile, explain, load_config,
                               num_feasible_nodes_to_find, schedule_one)
from kubesim.scheduler.cycle import fit_error_message
from kubesim.scheduler.framework import UNRESOLVABLE, UNSCHEDULABLE, Status
from kubesim.scheduler.plugins.default_preemption import pick_one_node
from kubesim.scheduler.snapshot import Snapshot
from kubesim.scheduler.testing import make_node, make_pod


# schedule_one_test.go TestNumFeasibleNodesToFind
@pytest.mark.parametrize("case,percentage,nodes,want", [
    ("not set percentageOfNodesToScore and nodes number not more than 50", 0, 10, 10),
    ("set profile percentageOfNodesToScore and nodes number not more than 50", 40, 10, 10),
    ("not set percentageOfNodesToScore and nodes number more than 50", 0, 1000, 420),
    ("set profile percentageOfNodesToScore and nodes number more than 50", 40, 1000, 400),
    ("not set profile percentageOfNodesToScore and nodes number more than 50*125", 0, 6000, 300),
    ("set profile percentageOfNodesToScore and nodes number more than 50*125", 40, 6000, 2400),
])
def test_num_feasible_nodes_to_find(case, percentage, nodes, want):
    assert num_feasible_nodes_to_find(nodes, percentage) == want, case


def test_num_feasible_nodes_for_the_benchmark_shape():
    assert num_feasible_nodes_to_find(5000) == 500
    assert num_feasible_nodes_to_find(99) == 99 and num_feasible_nodes_to_find(100) == 100


# framework/types_test.go TestFitError_Error
def test_fit_error_prefilter_message():
    # "nodes failed Prefilter plugin"
    assert fit_error_message(3, {}, pre_filter_msg="Node(s) failed PreFilter plugin FalsePreFilter") == \
        "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter."


def test_fit_error_filter_messages():
    one = {n: Status(UNSCHEDULABLE, "Node(s) failed Filter plugin FalseFilter-1") for n in "abc"}
    # "nodes failed one Filter plugin with an empty PostFilterMsg"
    assert fit_error_message(3, one) == "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1."
    # "nodes failed one Filter plugin with a non-empty PostFilterMsg"
    assert fit_error_message(3, one, post_filter_msg="Error running PostFilter plugin FailedPostFilter") == \
        ("0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1. "
         "Error running PostFilter plugin FailedPostFilter")
    # "nodes failed two Filter plugins with an empty PostFilterMsg"
    two = dict(one, c=Status(UNSCHEDULABLE, "Node(s) failed Filter plugin FalseFilter-2"))
    assert fit_error_message(3, two) == ("0/3 nodes are available: 1 Node(s) failed Filter plugin "
                                         "FalseFilter-2, 2 Node(s) failed Filter plugin FalseFilter-1.")


def six_nodes():
    """3 workers with 1 CPU, 3 GPU nodes tainted dedicated=gpu."""
    workers = [make_node(f"worker-{i}").capacity(cpu="1", memory="4Gi").obj() for i in (1, 2, 3)]
    gpus = [make_node(f"gpu-{i}").capacity(cpu="8", memory="32Gi").label("pool", "gpu")
            .taint("dedicated", "gpu", "NoSchedule").obj() for i in (1, 2, 3)]
    return workers + gpus


def test_failed_scheduling_message_of_the_issue():
    x = explain(make_pod("big").req(cpu="2").obj(), six_nodes())
    assert x.message == ("0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint "
                         "{dedicated: gpu}. preemption: 0/6 nodes are available: 3 No preemption victims "
                         "found for incoming pod, 3 Preemption is not helpful for scheduling.")
    assert x.feasible == [] and x.best == set()
    assert x.filtered["gpu-1"] == "TaintToleration: node(s) had untolerated taint {dedicated: gpu}"


def test_toleration_lands_on_the_gpu_pool_and_node_affinity_pins_it():
    pod = (make_pod("train").req(cpu="2").toleration("dedicated", "gpu", "NoSchedule", "Equal")
           .node_affinity_in("pool", ["gpu"]).obj())
    x = explain(pod, six_nodes())
    assert x.feasible == ["gpu-1", "gpu-2", "gpu-3"]
    assert x.filtered["worker-1"].startswith("NodeAffinity:")


def test_weighted_sum_uses_default_weights():
    nodes = [make_node("a").capacity(cpu="4", memory="8Gi").obj(),
             make_node("b").capacity(cpu="4", memory="8Gi").taint("x", "y", "PreferNoSchedule").obj()]
    x = explain(make_pod().req(cpu="1", memory="1Gi").obj(), nodes)
    assert x.weights == {"TaintToleration": 3, "NodeResourcesFit": 1,
                         "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1}
    for n in ("a", "b"):
        assert x.total[n] == sum(x.scores[n][p] * w for p, w in x.weights.items())
    assert x.scores["a"]["TaintToleration"] == 100 and x.scores["b"]["TaintToleration"] == 0
    assert x.best == {"a"}


def test_limits_do_not_matter_for_scheduling():
    # The seed's web container: requests 250m/256Mi, limits 500m/512Mi.
    pod = make_pod("web").obj()
    pod["spec"]["containers"] = [{"name": "web", "image": "nginx:1.25", "resources": {
        "requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}}]
    node = make_node("small").capacity(cpu="300m", memory="300Mi").obj()
    assert explain(pod, [node]).feasible == ["small"]


def test_ties_are_broken_at_random_but_seeded():
    nodes = [make_node(f"n{i}").capacity(cpu="4", memory="8Gi").obj() for i in range(5)]
    picks = {explain(make_pod().req(cpu="1").obj(), nodes, seed=s).selected for s in range(20)}
    assert len(picks) > 1                                    # uniformly among the best
    assert explain(make_pod().req(cpu="1").obj(), nodes, seed=3).selected == \
        explain(make_pod().req(cpu="1").obj(), nodes, seed=3).selected


def test_percentage_of_nodes_to_score_stops_early_and_start_moves():
    nodes = [make_node(f"n{i:03d}").capacity(cpu="4", memory="8Gi").obj() for i in range(300)]
    snap = Snapshot(nodes)
    pod = make_pod().req(cpu="100m").obj()
    r = schedule_one(pod, snap, default_profile(), random.Random(0), start=0)
    assert len(r.feasible) == num_feasible_nodes_to_find(300) == 144 and r.evaluated == 144
    assert r.feasible[0] == "n000"
    r = schedule_one(pod, snap, default_profile(), random.Random(0), start=144)
    assert r.feasible[0] == "n144"
    fixed = default_profile(percentage_of_nodes_to_score=50)
    assert len(schedule_one(pod, snap, fixed, random.Random(0)).feasible) == 150


def test_nodes_are_listed_zone_by_zone():
    # backend/cache/node_tree.go: round-robin over zones.
    nodes = [make_node(f"{z}{i}").label("topology.kubernetes.io/zone", z).obj()
             for z in ("a", "b") for i in range(3)]
    assert [i.name for i in Snapshot(nodes).node_infos] == ["a0", "b0", "a1", "b1", "a2", "b2"]


def test_single_feasible_node_is_chosen_without_scoring():
    nodes = [make_node("a").capacity(cpu="1").obj(), make_node("b").capacity(cpu="4").obj()]
    r = schedule_one(make_pod().req(cpu="2").obj(), Snapshot(nodes), default_profile())
    assert r.selected == "b" and r.raw_scores == {}


# =========================================================================== preemption
SMALL, LARGE = {"cpu": "100m", "memory": "100"}, {"cpu": "300m", "memory": "300"}
VERY_LARGE = {"cpu": "500m", "memory": "500"}
LOW, MID, HIGH = 0, 100, 1000


def preemption_nodes():
    return [make_node(n).capacity(VERY_LARGE).obj() for n in ("node1", "node2")]


def prio_pod(name, prio, res, node=None):
    p = make_pod(name).uid(name).priority(prio).req(res)
    return (p.node(node) if node else p).obj()


# default_preemption_test.go TestDryRunPreemption
def test_preemption_medium_priority_pod_is_preempted_but_lower_priority_one_stays():
    # "medium priority pod is preempted, but lower priority one stays as it is small"
    pods = [prio_pod("p1.1", LOW, SMALL, "node1"), prio_pod("p1.2", MID, LARGE, "node1"),
            prio_pod("p2", MID, LARGE, "node2")]
    x = explain(prio_pod("p", HIGH, LARGE), preemption_nodes(), pods)
    assert x.feasible == []
    assert x.preemption["node"] in ("node1", "node2")
    assert x.preemption["victims"] == (["default/p1.2"] if x.preemption["node"] == "node1" else ["default/p2"])
    assert "preemption:" not in x.message      # preemption succeeded: nothing more to say


def test_preemption_other_pods_running_are_higher_priority():
    # "a pod that would fit on the nodes, but other pods running are higher priority, no preemption would happen"
    pods = [prio_pod("p1", MID, LARGE, "node1"), prio_pod("p2", MID, LARGE, "node2")]
    x = explain(prio_pod("p", LOW, LARGE), preemption_nodes(), pods)
    assert x.preemption is None
    assert x.message.endswith("preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


def test_preemption_policy_never():
    pods = [prio_pod("p1", LOW, LARGE, "node1"), prio_pod("p2", LOW, LARGE, "node2")]
    pod = make_pod("p").uid("p").priority(HIGH).req(LARGE).preemption_policy("Never").obj()
    x = explain(pod, preemption_nodes(), pods)
    assert x.preemption is None
    assert x.message.endswith("preemption: not eligible due to preemptionPolicy=Never.")


def test_preemption_picks_the_node_with_the_lowest_priority_victim():
    # default_preemption_test.go TestSelectBestCandidate "a pod that fits on both nodes when lower
    # priority pods are preempted" / pickOneNodeForPreemption: the minimum highest-priority victim.
    pods = [prio_pod("p1", MID, LARGE, "node1"), prio_pod("p2", LOW, LARGE, "node2")]
    x = explain(prio_pod("p", HIGH, LARGE), preemption_nodes(), pods)
    assert x.preemption == {"node": "node2", "victims": ["default/p2"]}


def test_pick_one_node_rules_in_order():
    from kubesim.scheduler.nodeinfo import PodInfo
    def v(*prios, start="2025-01-01T00:00:00Z"):
        return [PodInfo(make_pod().priority(p).start_time(start).obj()) for p in prios]
    assert pick_one_node([("a", v(10)), ("b", v(5))])[0] == "b"                  # lowest top priority
    assert pick_one_node([("a", v(5, 5)), ("b", v(5, 1))])[0] == "b"             # smallest sum
    assert pick_one_node([("a", v(5, 5)), ("b", v(5))])[0] == "b"                # fewest victims
    late = v(5, start="2025-01-02T00:00:00Z")
    assert pick_one_node([("a", v(5)), ("b", late)])[0] == "b"                   # latest start


def test_unresolvable_nodes_are_not_preemption_candidates():
    # "Preemption is not helpful for scheduling": a taint cannot be fixed by evicting Pods.
    nodes = [make_node("n").capacity(VERY_LARGE).taint("k", "v").obj()]
    x = explain(prio_pod("p", HIGH, LARGE), nodes, [prio_pod("low", LOW, LARGE, "n")])
    assert x.preemption is None
    assert "1 Preemption is not helpful for scheduling" in x.message


# =========================================================================== profiles and learner plugins
def test_default_profile_plugins_and_weights():
    # apis/config/v1/default_plugins.go getDefaultPlugins
    p = default_profile()
    assert [x.name for x in p.filter_plugins] == [
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts",
        "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"]
    assert [(x.name, w) for x, w in p.score_plugins] == [
        ("TaintToleration", 3), ("NodeAffinity", 2), ("NodeResourcesFit", 1), ("PodTopologySpread", 2),
        ("InterPodAffinity", 2), ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1)]
    assert [x.name for x in p.post_filter_plugins] == ["DefaultPreemption"]


CONFIG = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
      enabled:
      - name: NodeResourcesFit
        weight: 5
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - {name: cpu, weight: 1}
        - {name: memory, weight: 1}
- schedulerName: packer
  plugins:
    multiPoint:
      enabled:
      - name: Packer
        weight: 4
"""


class Packer(Plugin):
    name = "Packer"

    def score(self, pod, node_info):        # the short form: no `state`
        return min(100, len(node_info.pods) * 10)


def test_load_config_subset():
    default, packer = load_config(CONFIG, registry={"Packer": Packer})
    assert default.percentage_of_nodes_to_score == 30
    assert default.plugin("NodeResourcesFit").strategy == "MostAllocated"
    scores = dict((p.name, w) for p, w in default.score_plugins)
    assert scores["NodeResourcesFit"] == 5 and "NodeResourcesBalancedAllocation" not in scores
    assert packer.scheduler_name == "packer" and dict((p.name, w) for p, w in packer.score_plugins)["Packer"] == 4


def test_unknown_plugin_in_config():
    with pytest.raises(ValueError, match='plugin "Nope" does not exist'):
        load_config({"profiles": [{"plugins": {"multiPoint": {"enabled": [{"name": "Nope"}]}}}]})


def test_learner_filter_plugin_with_a_reason_string():
    class NoFridays(Plugin):
        name = "NoFridays"

        def filter(self, pod, node_info):
            return "node(s) are resting on Friday" if node_info.labels.get("day") == "friday" else None

    nodes = [make_node("mon").capacity(cpu="1").label("day", "monday").obj(),
             make_node("fri").capacity(cpu="1").label("day", "friday").obj()]
    x = explain(make_pod().obj(), nodes, config=default_profile().with_plugin(NoFridays()))
    assert x.feasible == ["mon"] and x.filtered == {"fri": "NoFridays: node(s) are resting on Friday"}


def test_learner_score_plugin_bin_packing():
    class BinPacking(Plugin):
        name = "BinPacking"

        def score(self, state, pod, node_info):
            return node_info.requested.milli_cpu * 100 // node_info.allocatable.milli_cpu

    nodes = [make_node("empty").capacity(cpu="4", memory="8Gi").obj(),
             make_node("busy").capacity(cpu="4", memory="8Gi").obj()]
    pods = [make_pod().node("busy").req(cpu="2").obj()]
    profile = default_profile().with_plugin(BinPacking(), weight=10)
    x = explain(make_pod().req(cpu="500m").obj(), nodes, pods, config=profile)
    assert x.scores["busy"]["BinPacking"] == 50 and x.best == {"busy"}


def test_learner_score_out_of_range_is_a_clear_error():
    class TooMuch(Plugin):
        name = "TooMuch"

        def score(self, pod, node_info):
            return 150

    with pytest.raises(ValueError, match='plugin "TooMuch" returns an invalid score 150'):
        explain(make_pod().obj(), [make_node("a").capacity(cpu="1").obj(), make_node("b").capacity(cpu="1").obj()],
                config=default_profile().with_plugin(TooMuch()))


def test_without_and_with_weight():
    p = default_profile().without("ImageLocality").with_weight("NodeResourcesFit", 7)
    assert "ImageLocality" not in [x.name for x in p.plugins]
    assert dict((x.name, w) for x, w in p.score_plugins)["NodeResourcesFit"] == 7
    q = default_profile().without("TaintToleration", point="filter")
    assert "TaintToleration" not in [x.name for x in q.filter_plugins]
    assert "TaintToleration" in [x.name for x, _ in q.score_plugins]


# =========================================================================== affinity, spreading end to end
def zone_cluster():
    return [make_node(f"node-{z}{i}").capacity(cpu="4", memory="8Gi")
            .labels({"topology.kubernetes.io/zone": f"zone-{z}", "kubernetes.io/hostname": f"node-{z}{i}"}).obj()
            for z in "abc" for i in (1, 2)]


def test_required_anti_affinity_spreads_web_replicas_over_nodes():
    web = {"app": "web"}
    placed = []
    nodes = zone_cluster()
    for i in range(6):
        pod = (make_pod(f"web-{i}").labels(web).req(cpu="100m")
               .pod_affinity_in("app", ["web"], "kubernetes.io/hostname", anti=True).obj())
        x = explain(pod, nodes, placed, seed=i)
        pod["spec"]["nodeName"] = x.selected
        placed.append(pod)
    assert len({p["spec"]["nodeName"] for p in placed}) == 6
    x = explain(make_pod("web-6").labels(web).pod_affinity_in("app", ["web"], "kubernetes.io/hostname",
                                                              anti=True).obj(), nodes, placed)
    assert x.feasible == [] and "6 node(s) didn't match pod anti-affinity rules" in x.message


def test_topology_spread_over_three_zones():
    sel = {"matchLabels": {"app": "web"}}
    placed = []
    for i in range(6):
        pod = (make_pod(f"web-{i}").labels({"app": "web"}).req(cpu="100m")
               .spread_constraint(1, "topology.kubernetes.io/zone", "DoNotSchedule", sel).obj())
        x = explain(pod, zone_cluster(), placed, seed=i)
        pod["spec"]["nodeName"] = x.selected
        placed.append(pod)
    zones = [p["spec"]["nodeName"][5] for p in placed]
    assert sorted(zones) == ["a", "a", "b", "b", "c", "c"]


def test_explain_table_text():
    x = explain(make_pod("big").req(cpu="2").obj(), six_nodes()[:4])
    text = x.table()
    assert "worker-1  ✗ NodeResourcesFit: Insufficient cpu" in text
    assert "0/4 nodes are available" in text
