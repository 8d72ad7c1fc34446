"""Lesson 04's exercise checks: each accepts the solution and rejects plausible wrong answers
with a specific hint (kubesim/lessons/lesson04.py)."""
from __future__ import annotations

import copy

import pytest
import yaml

from kubesim.checks import checking
from kubesim.lessons import lesson04 as L
from kubesim.scheduler import Plugin, default_profile

TOLERATION = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]


def failures(c) -> list[str]:
    """The ❌ messages a checker printed."""
    return [v.message for v in c.verdicts if not v]


# ====================================================================== task (a)
def gpu_pod(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "train"},
            "spec": {"containers": [{"name": "train", "image": "nginx:1.25",
                                     "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}],
                     **spec}}


@pytest.mark.parametrize("spec", [
    dict(tolerations=TOLERATION, nodeSelector={"pool": "gpu"}),
    dict(tolerations=[{"key": "dedicated", "operator": "Exists"}],
         affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
             "nodeSelectorTerms": [{"matchExpressions": [
                 {"key": "pool", "operator": "In", "values": ["gpu"]}]}]}}}),
], ids=["toleration+nodeSelector", "exists-toleration+node-affinity"])
def test_gpu_pod_accepts_the_solutions(spec):
    assert L.check_gpu_pod(gpu_pod(**spec))


def test_gpu_pod_accepts_yaml_text():
    assert L.check_gpu_pod(yaml.safe_dump(gpu_pod(tolerations=TOLERATION, nodeSelector={"pool": "gpu"})))


def test_gpu_pod_rejects_a_toleration_alone():
    c = L.check_gpu_pod(gpu_pod(tolerations=TOLERATION))
    assert not c
    assert any("only *allows*" in m and "worker-1" in m for m in failures(c))


def test_gpu_pod_rejects_a_node_selector_without_toleration():
    c = L.check_gpu_pod(gpu_pod(nodeSelector={"pool": "gpu"}))
    assert not c
    assert any("fits nowhere" in m and "untolerated taint {dedicated: gpu}" in m for m in failures(c))


def test_gpu_pod_rejects_a_toleration_for_the_wrong_effect():
    wrong = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoExecute"}]
    c = L.check_gpu_pod(gpu_pod(tolerations=wrong, nodeSelector={"pool": "gpu"}))
    assert not c


def test_gpu_pod_undefined_answer_is_a_hint_not_a_traceback(capsys):
    with checking("task (a)") as c:
        L.check_gpu_pod(gpu_pod_answer)  # noqa: F821 - the learner did not run the cell
    assert not c and c.verdict.reason == "undefined-name"
    assert "Traceback" not in capsys.readouterr().out


# ====================================================================== task (b)
SPREAD = yaml.safe_load("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
      containers:
      - name: web
        image: nginx:1.25
        resources: {requests: {cpu: 250m, memory: 256Mi}}
""")


def spread(**changes) -> dict:
    d = copy.deepcopy(SPREAD)
    tmpl = d["spec"]["template"]["spec"]
    for key, value in changes.items():
        if key == "replicas":
            d["spec"]["replicas"] = value
        elif value is None:
            tmpl.pop(key)
        else:
            tmpl["topologySpreadConstraints"][0][key] = value
    return d


def test_zone_spread_accepts_the_solution():
    assert L.check_zone_spread(SPREAD)
    assert L.check_zone_spread(yaml.safe_dump(SPREAD))


def test_zone_spread_rejects_no_constraint():
    c = L.check_zone_spread(spread(topologySpreadConstraints=None))
    assert not c
    assert any("topologySpreadConstraints" in m for m in failures(c))


def test_zone_spread_rejects_spreading_over_nodes():
    c = L.check_zone_spread(spread(topologyKey="kubernetes.io/hostname"))
    assert not c
    assert any("spreading over nodes is not spreading over zones" in m for m in failures(c))


def test_zone_spread_rejects_a_selector_that_misses_the_pods():
    c = L.check_zone_spread(spread(labelSelector={"matchLabels": {"app": "api"}}))
    assert not c
    assert any("labelSelector" in m for m in failures(c))


def test_zone_spread_rejects_three_replicas():
    c = L.check_zone_spread(spread(replicas=3))
    assert not c
    assert any("replicas: 6" in m for m in failures(c))


# ====================================================================== task (c)
class BinPacking(Plugin):
    """The solution: requested CPU share, 0-100."""
    name = "BinPacking"

    def score(self, pod, node_info):
        return node_info.requested.milli_cpu * 100 // node_info.allocatable.milli_cpu


class Spreading(Plugin):
    """Wrong: the opposite — prefers the emptiest node."""
    name = "Spreading"

    def score(self, pod, node_info):
        return 100 - node_info.requested.milli_cpu * 100 // node_info.allocatable.milli_cpu


class NotAPlugin:
    name = "NotAPlugin"

    def score(self, pod, node_info):
        return 0


def test_bin_packing_accepts_the_solution():
    assert L.check_bin_packing(BinPacking, default_profile().with_plugin(BinPacking(), weight=10))
    assert L.check_bin_packing(BinPacking(), default_profile().with_plugin(BinPacking(), weight=5))


def test_bin_packing_rejects_weight_one():
    """Weight 1 does not outweigh the system-default topology spread (weight 2) and
    LeastAllocated: the cluster still spreads the Pods."""
    c = L.check_bin_packing(BinPacking)            # no profile: the default one plus the plugin, weight 1
    assert not c
    assert any("give your plugin a weight" in m for m in failures(c))


def test_bin_packing_rejects_a_spreading_plugin():
    c = L.check_bin_packing(Spreading, default_profile().with_plugin(Spreading(), weight=10))
    assert not c
    assert any("prefer the node whose CPU is already the most requested" in m for m in failures(c))


def test_bin_packing_rejects_a_profile_without_the_plugin():
    c = L.check_bin_packing(BinPacking, default_profile())
    assert not c
    assert any("add it to the profile" in m for m in failures(c))


def test_bin_packing_rejects_a_class_that_is_not_a_plugin():
    c = L.check_bin_packing(NotAPlugin)
    assert not c
    assert any("extends `Plugin`" in m for m in failures(c))


def test_bin_packing_placeholder_is_a_hint():
    class Placeholder(Plugin):
        name = "BinPacking"

        def score(self, pod, node_info):
            raise NotImplementedError("Your answer here")

    c = L.check_bin_packing(Placeholder, default_profile().with_plugin(Placeholder(), weight=10))
    assert not c and c.verdict.reason == "not-implemented"


# ====================================================================== task (d)
FIXED = L.BROKEN_POD.replace("  nodeSelector:\n    disktype: ssd\n", "").replace('cpu: "5"', 'cpu: "2"')


def test_fixed_pod_accepts_the_solution():
    assert L.check_fixed_pod(FIXED)


def test_fixed_pod_rejects_the_broken_pod():
    c = L.check_fixed_pod(L.BROKEN_POD)
    assert not c
    assert any("didn't match Pod's node affinity/selector" in m for m in failures(c))


def test_fixed_pod_rejects_fixing_only_the_selector():
    """The second problem hides behind the first: 5 CPUs fit no worker."""
    c = L.check_fixed_pod(L.BROKEN_POD.replace("  nodeSelector:\n    disktype: ssd\n", ""))
    assert not c
    assert any("Insufficient cpu" in m for m in failures(c))


def test_fixed_pod_rejects_escaping_to_the_gpu_pool():
    pod = yaml.safe_load(L.BROKEN_POD)
    del pod["spec"]["nodeSelector"]
    pod["spec"]["tolerations"] = TOLERATION
    c = L.check_fixed_pod(pod)
    assert not c
    assert any("GPU pool" in m for m in failures(c))


def test_fixed_pod_rejects_dropping_the_cpu_request():
    pod = yaml.safe_load(L.BROKEN_POD)
    del pod["spec"]["nodeSelector"]
    del pod["spec"]["containers"][0]["resources"]["requests"]["cpu"]
    c = L.check_fixed_pod(pod)
    assert not c
    assert any("keep a CPU request" in m for m in failures(c))
