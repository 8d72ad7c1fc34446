"""The scheduling queue: priority order, back-off, unschedulable Pods and cluster events.

Cases follow k8s.io/kubernetes pkg/scheduler/backend/queue/scheduling_queue_test.go
(TestPriorityQueue_Pop, TestBackOffFlow, TestPriorityQueue_MoveAllToActiveOrBackoffQueue,
TestPriorityQueue_AddUnschedulableIfNotPresent_Backoff, flushUnschedulablePodsLeftover).
"""
from __future__ import annotations

from kubesim.scheduler.framework import NODE_ADD, POD_ADD
from kubesim.scheduler.queue import SchedulingQueue
from kubesim.scheduler.testing import make_pod


def pod(name, priority=0, gates=False):
    p = make_pod(name).priority(priority).obj()
    if gates:
        p["spec"]["schedulingGates"] = [{"name": "wait"}]
    return p


def test_pop_highest_priority_first_then_oldest():
    q = SchedulingQueue()
    q.add(pod("low", 0), now=0.0)
    q.add(pod("high", 100), now=1.0)
    q.add(pod("low2", 0), now=2.0)
    assert [q.pop(3.0).key for _ in range(3)] == ["default/high", "default/low", "default/low2"]
    assert q.pop(3.0) is None


def test_backoff_doubles_from_one_to_ten_seconds():
    # TestBackOffFlow: 1s, 2s, 4s, 8s, 10s, 10s
    q = SchedulingQueue()
    q.add(pod("p"), now=0.0)
    durations = []
    for _ in range(6):
        qpi = q.pop(1000.0)
        durations.append(q.backoff_duration(qpi))
        q.add_unschedulable(qpi, now=1000.0)      # no plugin to blame: straight to back-off
        q.flush_backoff(2000.0)
    assert durations == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_is_waited_out():
    q = SchedulingQueue()
    q.add(pod("p"), now=0.0)
    qpi = q.pop(0.0)
    q.add_unschedulable(qpi, now=10.0)
    assert q.pop(10.5) is None and q.next_wakeup() == 11.0
    assert q.pop(11.0).key == "default/p"


def test_unschedulable_pods_wait_for_an_interesting_event():
    q = SchedulingQueue()
    q.plugin_events = {"NodeResourcesFit": {NODE_ADD}}
    q.add(pod("p"), now=0.0)
    qpi = q.pop(0.0)
    q.add_unschedulable(qpi, now=0.0, plugins={"NodeResourcesFit"})
    assert q.pending() == {"default/p": "unschedulable"}
    assert q.move_all(POD_ADD, now=5.0) == 0           # NodeResourcesFit does not care
    assert q.move_all(NODE_ADD, now=5.0) == 1
    assert q.pop(5.0).key == "default/p"               # back-off (1 s) already over


def test_event_during_the_cycle_sends_the_pod_to_backoff():
    # moveRequestCycle: the event may already have helped.
    q = SchedulingQueue()
    q.plugin_events = {"X": {NODE_ADD}}
    q.add(pod("p"), now=0.0)
    qpi = q.pop(0.0)
    q.move_all(NODE_ADD, now=0.1)
    q.add_unschedulable(qpi, now=0.2, plugins={"X"})
    assert q.pending() == {"default/p": "backoff"}


def test_unschedulable_leftover_flush_after_five_minutes():
    q = SchedulingQueue()
    q.add(pod("p"), now=0.0)
    q.add_unschedulable(q.pop(0.0), now=0.0, plugins={"X"})
    assert q.flush_unschedulable_leftover(299.0) == 0
    assert q.flush_unschedulable_leftover(300.0) == 1


def test_scheduling_gates_hold_a_pod_until_removed():
    q = SchedulingQueue()
    q.add(pod("gated", gates=True), now=0.0)
    assert q.pop(0.0) is None and q.move_all(NODE_ADD, 1.0) == 0
    q.update(pod("gated"), now=2.0)
    assert q.pop(2.0).key == "default/gated"
