"""Scale-down victim order, ported from Kubernetes v1.33 controller_utils_test.go
(TestSortingActivePodsWithRanks) and replica_set_test.go (getPodsToDelete)."""
from __future__ import annotations

import itertools
import random

import pytest

from kubesim.api import clock
from kubesim.controllers.active_pods import (
    active_pods_less, deletion_cost, pods_to_delete, ranks_by_related_pods_on_same_node)

NOW = 100 * 24 * 3600.0           # simulated seconds; the ages below are what matter
MONTH, HOUR = 30 * 24 * 3600.0, 3600.0
ZERO = None
_uids = itertools.count()


def pod(name, node, phase, ready, restarts=0, ready_since=ZERO, created=ZERO, annotations=None):
    """controller_utils_test.go's pod(): a Ready condition and a container status only if ready."""
    status = {"phase": phase}
    if ready:
        cond = {"type": "Ready", "status": "True"}
        if ready_since is not None:
            cond["lastTransitionTime"] = clock.timestamp(ready_since)
        status["conditions"] = [cond]
        status["containerStatuses"] = [{"name": "c", "restartCount": restarts}]
    meta = {"name": name, "uid": ""}
    if created is not None:
        meta["creationTimestamp"] = clock.timestamp(created)
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": status}


COST = "controller.kubernetes.io/pod-deletion-cost"
unscheduled = pod("unscheduled", "", "Pending", False)
scheduled_pending = pod("pending", "node", "Pending", False)
unknown_phase = pod("unknown-phase", "node", "Unknown", False)
running_not_ready = pod("not-ready", "node", "Running", False)
ready_no_transition = pod("ready-no-last-transition-time", "node", "Running", True)
ready_now = pod("ready-now", "node", "Running", True, 0, NOW, NOW)
ready_then = pod("ready-then", "node", "Running", True, 0, NOW - MONTH, NOW - MONTH)
ready_high_restarts = pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW)
ready_now_created_then = pod("ready-now-created-then", "node", "Running", True, 0, NOW, NOW - MONTH)
low_cost = pod("low-deletion-cost", "node", "Running", True, 0, NOW, NOW - MONTH, {COST: "10"})
high_cost = pod("high-deletion-cost", "node", "Running", True, 0, NOW, NOW - MONTH, {COST: "100"})
unscheduled_5h = pod("unscheduled-5-hours", "", "Pending", False, 0, NOW - 5 * HOUR, NOW - 5 * HOUR)
unscheduled_8h = pod("unscheduled-10-hours", "", "Pending", False, 0, NOW - 8 * HOUR, NOW - 8 * HOUR)
ready_2h = pod("ready-2-hours", "", "Running", True, 0, NOW - 2 * HOUR, NOW - MONTH)
ready_5h = pod("ready-5-hours", "", "Running", True, 0, NOW - 5 * HOUR, NOW - MONTH)
ready_8h = pod("ready-10-hours", "", "Running", True, 0, NOW - 8 * HOUR, NOW - MONTH)


@pytest.mark.parametrize("p1, p2", [
    (unscheduled, None), (scheduled_pending, None), (unknown_phase, None), (running_not_ready, None),
    (ready_now_created_then, None), (ready_now, None), (ready_then, None),
    (ready_high_restarts, None),
    (unscheduled_5h, unscheduled_8h),      # same power of two of age: 2^44 ns
    (ready_5h, ready_8h),
])
def test_equivalent_pods(p1, p2):
    p2 = p2 or p1
    assert not active_pods_less(p1, p2, 1, 1, NOW)
    assert not active_pods_less(p2, p1, 1, 1, NOW)


@pytest.mark.parametrize("lesser, greater", [
    ((unscheduled, 1), (scheduled_pending, 2)),
    ((unscheduled, 2), (scheduled_pending, 1)),
    ((scheduled_pending, 1), (unknown_phase, 2)),
    ((unknown_phase, 1), (running_not_ready, 2)),
    ((running_not_ready, 1), (ready_no_transition, 1)),
    ((ready_no_transition, 1), (ready_now, 1)),
    ((ready_now, 2), (ready_no_transition, 1)),
    ((ready_now, 1), (ready_then, 1)),
    ((ready_now, 2), (ready_then, 1)),
    ((ready_high_restarts, 1), (ready_now, 1)),
    ((ready_now, 2), (ready_high_restarts, 1)),
    ((ready_now, 1), (ready_now_created_then, 1)),
    ((ready_now_created_then, 2), (ready_now, 1)),
    ((low_cost, 2), (high_cost, 1)),       # deletion cost outranks doubling up
    ((ready_2h, 1), (ready_5h, 1)),
])
def test_deleted_first(lesser, greater):
    (a, rank_a), (b, rank_b) = lesser, greater
    assert active_pods_less(a, b, rank_a, rank_b, NOW)
    assert not active_pods_less(b, a, rank_b, rank_a, NOW)


def test_deletion_cost_parses_int32_and_ignores_the_rest():
    assert deletion_cost(low_cost) == 10
    assert deletion_cost(pod("x", "n", "Running", True, annotations={COST: "-5"})) == -5
    assert deletion_cost(pod("x", "n", "Running", True, annotations={COST: "cheap"})) == 0
    assert deletion_cost(pod("x", "n", "Running", True, annotations={COST: str(2**31)})) == 0
    assert deletion_cost(ready_now) == 0


def test_rank_counts_active_related_pods_per_node():
    a1, a2 = pod("a1", "n1", "Running", True), pod("a2", "n1", "Running", True)
    b1 = pod("b1", "n2", "Running", True)
    gone = pod("gone", "n2", "Running", True)
    gone["metadata"]["deletionTimestamp"] = clock.timestamp(NOW)
    assert ranks_by_related_pods_on_same_node([a1, b1], [a1, a2, b1, gone]) == [2, 1]


def test_pods_to_delete_takes_the_doubled_up_pod_and_respects_deletion_cost():
    """Three equal Ready Pods, two of them on n1: scaling down by one removes one from n1,
    unless a deletion cost makes another Pod cheaper."""
    pods = [pod(f"p{i}", node, "Running", True, 0, NOW - HOUR, NOW - HOUR)
            for i, node in enumerate(["n1", "n1", "n2"])]
    for p in pods:
        p["metadata"]["uid"] = f"uid-{next(_uids)}"
    victims = pods_to_delete(pods, pods, 1, NOW)
    assert victims[0]["spec"]["nodeName"] == "n1"
    pods[2]["metadata"]["annotations"] = {COST: "-1"}
    assert pods_to_delete(pods, pods, 1, NOW) == [pods[2]]
    assert pods_to_delete(pods, pods, 3, NOW) == pods


def test_order_is_a_consistent_total_order_on_the_ported_pods():
    pods = [unscheduled, scheduled_pending, unknown_phase, running_not_ready,
            ready_no_transition, ready_now, ready_high_restarts, ready_then]
    expected = ["unscheduled", "pending", "unknown-phase", "not-ready",
                "ready-no-last-transition-time", "ready-high-restarts", "ready-now", "ready-then"]
    rng = random.Random(0)
    for _ in range(20):
        shuffled = pods[:]
        rng.shuffle(shuffled)
        got = pods_to_delete(shuffled, [], len(pods) - 1, NOW)
        assert [p["metadata"]["name"] for p in got] == expected[:-1]
