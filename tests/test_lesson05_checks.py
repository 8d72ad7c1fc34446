"""Lesson 05's exercise checks: the solutions pass, plausible wrong answers get a specific hint."""
from __future__ import annotations

import copy

import pytest

from kubesim.checks import checking
from kubesim.controllers import Controller
from kubesim.lessons import lesson05 as L

ZONE = "topology.kubernetes.io/zone"


# ---------------------------------------------------------------------- controllers to check
class ZoneLabeler(Controller):
    """The solution: level-triggered, patches only the zone label, only when it is wrong."""
    name = "zone-labeler"
    watches = ("pods", "nodes")

    def reconcile(self, key):
        pod = self.informer("pods").get(key)
        if pod is None or not pod["spec"].get("nodeName"):
            return
        node = self.informer("nodes").get(pod["spec"]["nodeName"])
        if node is None:
            return
        zone = node["metadata"]["labels"].get(ZONE)
        if (pod["metadata"].get("labels") or {}).get("zone") == zone:
            return
        yield self.client.patch("pods", pod["metadata"]["name"], {"metadata": {"labels": {"zone": zone}}},
                                namespace=pod["metadata"]["namespace"])


class PodsOnly(Controller):
    """Also right: watches only Pods (the nodes informer is shared with the node lifecycle controller)."""
    name = "zone-labeler-pods-only"
    watches = ("pods",)
    reconcile = ZoneLabeler.reconcile


class OnAddOnly(Controller):
    """Edge-triggered: reconciles only when a Pod is added (when it has no node yet)."""
    name = "on-add-only"

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("pods").add_handlers(on_add=self.enqueue)
        self.informer("nodes")

    reconcile = ZoneLabeler.reconcile


class OnAddWaitsForNode(Controller):
    """Edge-triggered but cunning: on add it waits for the binding, labels once, never again."""
    name = "on-add-waits"

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("pods").add_handlers(on_add=self.enqueue)
        self.informer("nodes")

    def reconcile(self, key):
        pod = None
        for _ in range(200):
            pod = self.informer("pods").get(key)
            if pod is None:
                return
            if pod["spec"].get("nodeName"):
                break
            yield self.env.timeout(0.05)
        node = self.informer("nodes").get(pod["spec"]["nodeName"])
        yield self.client.patch("pods", pod["metadata"]["name"],
                                {"metadata": {"labels": {"zone": node["metadata"]["labels"][ZONE]}}},
                                namespace="default")


class OnlyWhenMissing(Controller):
    """Level-triggered, but only fixes a *missing* label, never a wrong one."""
    name = "only-when-missing"
    watches = ("pods", "nodes")

    def reconcile(self, key):
        pod = self.informer("pods").get(key)
        if pod is None or not pod["spec"].get("nodeName") or "zone" in (pod["metadata"].get("labels") or {}):
            return
        node = self.informer("nodes").get(pod["spec"]["nodeName"])
        yield self.client.patch("pods", pod["metadata"]["name"],
                                {"metadata": {"labels": {"zone": node["metadata"]["labels"][ZONE]}}},
                                namespace="default")


class NodeName(Controller):
    """Wrong value: the node's name instead of its zone."""
    name = "node-name"
    watches = ("pods",)

    def reconcile(self, key):
        pod = self.informer("pods").get(key)
        if pod is None or not pod["spec"].get("nodeName"):
            return
        if (pod["metadata"].get("labels") or {}).get("zone") == pod["spec"]["nodeName"]:
            return
        yield self.client.patch("pods", pod["metadata"]["name"],
                                {"metadata": {"labels": {"zone": pod["spec"]["nodeName"]}}}, namespace="default")


class ReplacesLabels(Controller):
    """Writes the whole label map: the Pods lose app=web and the ReplicaSet disowns them."""
    name = "replaces-labels"
    watches = ("pods", "nodes")

    def reconcile(self, key):
        pod = self.informer("pods").get(key)
        if pod is None or not pod["spec"].get("nodeName"):
            return
        zone = self.informer("nodes").get(pod["spec"]["nodeName"])["metadata"]["labels"][ZONE]
        if (pod["metadata"].get("labels") or {}).get("zone") == zone:
            return
        updated = copy.deepcopy(pod)
        updated["metadata"]["labels"] = {"zone": zone}
        yield self.client.update("pods", updated)


class Crashes(Controller):
    """Forgets that a key may name an object that is gone, or a Pod without labels."""
    name = "crashes"
    watches = ("pods",)

    def reconcile(self, key):
        pod = self.informer("pods").get(key)
        pod["metadata"]["labels"]["zone"].upper()
        yield self.env.timeout(0)


class NotAGenerator(Controller):
    name = "not-a-generator"
    watches = ("pods",)

    def reconcile(self, key):
        self.client.patch("pods", key.split("/")[1], {"metadata": {"labels": {"zone": "x"}}},
                          namespace="default")


class NoReconcile(Controller):
    name = "no-reconcile"
    watches = ("pods",)


class Silent(Controller):
    """Watches nothing: reconcile is never called."""
    name = "silent"
    reconcile = ZoneLabeler.reconcile


def run(check, answer, capsys):
    result = check(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out


# ---------------------------------------------------------------------- task (a)
@pytest.mark.parametrize("cls", [ZoneLabeler, PodsOnly])
def test_zone_labeler_solutions_pass(cls, capsys):
    result, out = run(L.check_zone_labeler, cls, capsys)
    assert result, out
    assert out.count("✅") == 3 and "❌" not in out
    assert "zone-a, zone-b, zone-c" in out and "your controller heals" in out


@pytest.mark.parametrize("cls, hint", [
    (OnAddOnly, "reconciled only once, when it was added"),
    (OnAddWaitsForNode, "only acts when a Pod is added (edge-triggered)"),
    (OnlyWhenMissing, "not only when the label is missing"),
    (NodeName, "label `topology.kubernetes.io/zone` of the Pod's node"),
    (ReplacesLabels, "lost their other labels"),
    (Crashes, "your reconcile raised"),
    (NotAGenerator, "must be a generator"),
    (NoReconcile, "write a `reconcile(self, key)` method"),
    (Silent, "reconcile was never called"),
    (42, "extends kubesim.controllers.Controller"),
])
def test_zone_labeler_wrong_answers_get_a_hint(cls, hint, capsys):
    result, out = run(L.check_zone_labeler, cls, capsys)
    assert not result
    assert "❌" in out and hint in out, out


def test_edge_triggered_passes_the_first_part_and_fails_the_repair(capsys):
    result, out = run(L.check_zone_labeler, OnAddWaitsForNode, capsys)
    assert not result
    assert out.splitlines()[0].startswith("✅ all 3 Pods got the label")
    assert out.splitlines()[1].startswith("❌ someone removed one Pod's label")


def test_placeholder_says_not_yet(capsys):
    with checking("task (a)") as c:
        L.check_zone_labeler(ZoneLabelerUndefined)  # noqa: F821 - the learner did not run the cell
    assert not c
    assert "Not yet: `ZoneLabelerUndefined` has no value" in capsys.readouterr().out


# ---------------------------------------------------------------------- task (b)
@pytest.mark.parametrize("strategy", [
    {"maxSurge": 1, "maxUnavailable": 0},
    {"maxSurge": "25%", "maxUnavailable": 0},
    {"max_surge": "100%", "max_unavailable": "0%"},
    {"maxSurge": 2, "maxUnavailable": "10%"},          # 10 % of 4 rounds down to 0
])
def test_zero_downtime_strategies_pass(strategy, capsys):
    result, out = run(L.check_rollout_strategy, strategy, capsys)
    assert result, out
    assert "never fewer than 4 available" in out and "the rollout finished" in out
    assert "❌" not in out


@pytest.mark.parametrize("strategy, hint", [
    ({"maxSurge": "25%", "maxUnavailable": "25%"}, "Those are the defaults"),
    ({}, "Those are the defaults"),
    ({"maxSurge": 0, "maxUnavailable": 1}, "allows 1 Pod(s) to be missing"),
    ({"maxSurge": 3, "maxUnavailable": "50%"}, "only 2 of 4 replicas were available"),
    ({"maxSurge": 0, "maxUnavailable": 0}, "may not be 0 when `maxSurge` is 0"),
    ({"surge": 1, "unavailable": 0}, "use \"maxSurge\" and \"maxUnavailable\""),
    ((1, 0), "should be a dict"),
    ({"maxSurge": "lots", "maxUnavailable": 0}, "kubectl apply refused it"),
])
def test_strategies_that_drop_a_replica_are_rejected(strategy, hint, capsys):
    result, out = run(L.check_rollout_strategy, strategy, capsys)
    assert not result
    assert "❌" in out and hint in out, out


def test_the_defaults_really_drop_one_of_four():
    """What the hint claims, measured directly."""
    import kubesim
    c = kubesim.Cluster(seed=0)
    c.apply(L.rollout_manifest("25%", "25%"))
    c.run(15)
    start = c.now
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    c.kubectl("rollout status deployment/web-app")
    n = L.rollout_numbers(c, start, c.now + 1)
    assert n.min_available == 3 and n.peak_pods == 5
