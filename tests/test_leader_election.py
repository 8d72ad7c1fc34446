"""Leader election for kube-scheduler and kube-controller-manager (client-go leaderelection)."""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed
from kubesim.api import clock
from kubesim.leaderelection import (LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD, JITTER_FACTOR,
                                    Observation, new_lease, try_acquire_or_renew)


def stored(lease: dict, rv: str) -> dict:
    lease = dict(lease, metadata=dict(lease["metadata"], resourceVersion=rv))
    return lease


# ---------------------------------------------------------------- the pure decision
def test_no_lease_yet_means_create():
    action, body, _ = try_acquire_or_renew(None, "cp-1_a", 0.0, Observation())
    assert (action, body) == ("create", None)
    lease = new_lease("kube-scheduler", "cp-1_a", 3.0)
    assert lease["spec"]["holderIdentity"] == "cp-1_a"
    assert lease["spec"]["leaseDurationSeconds"] == 15
    assert lease["spec"]["leaseTransitions"] == 0
    assert lease["spec"]["renewTime"] == clock.micro_timestamp(3.0)


def test_a_fresh_lease_of_someone_else_means_wait():
    lease = stored(new_lease("kube-scheduler", "cp-1_a", 0.0), "10")
    action, _, seen = try_acquire_or_renew(lease, "cp-2_b", 1.0, Observation())
    assert action == "wait"
    assert seen.time == 1.0 and seen.resource_version == "10"


def test_expiry_is_measured_on_the_candidates_own_clock():
    """A candidate that first sees an old renewTime still waits a whole leaseDuration from
    the moment it saw the record (observedTime), so clock skew cannot make it jump early."""
    lease = stored(new_lease("kube-scheduler", "cp-1_a", 0.0), "10")
    action, _, seen = try_acquire_or_renew(lease, "cp-2_b", 100.0, Observation())
    assert action == "wait"                                   # renewTime is 100 s old
    action, _, seen = try_acquire_or_renew(lease, "cp-2_b", 100.0 + LEASE_DURATION - 0.1, seen)
    assert action == "wait"
    action, body, _ = try_acquire_or_renew(lease, "cp-2_b", 100.0 + LEASE_DURATION + 0.1, seen)
    assert action == "update"
    assert body["spec"]["holderIdentity"] == "cp-2_b"
    assert body["spec"]["leaseTransitions"] == 1
    assert body["spec"]["acquireTime"] == body["spec"]["renewTime"]


def test_a_renewal_resets_the_candidates_clock():
    lease = stored(new_lease("kube-scheduler", "cp-1_a", 0.0), "10")
    _, _, seen = try_acquire_or_renew(lease, "cp-2_b", 1.0, Observation())
    renewed = stored(lease, "11")
    _, _, seen = try_acquire_or_renew(renewed, "cp-2_b", 10.0, seen)
    action, _, _ = try_acquire_or_renew(renewed, "cp-2_b", 17.0, seen)
    assert action == "wait", "15 s have not passed since the record last changed"


def test_the_leader_renews_without_a_transition():
    lease = stored(new_lease("kube-scheduler", "cp-1_a", 0.0), "10")
    action, body, _ = try_acquire_or_renew(lease, "cp-1_a", 2.0, Observation())
    assert action == "update"
    assert body["spec"]["acquireTime"] == clock.micro_timestamp(0.0)
    assert body["spec"]["renewTime"] == clock.micro_timestamp(2.0)
    assert body["spec"]["leaseTransitions"] == 0


def test_an_empty_holder_is_free_to_take():
    lease = stored(new_lease("kube-scheduler", "", 0.0), "10")
    action, body, _ = try_acquire_or_renew(lease, "cp-2_b", 0.5, Observation())
    assert action == "update" and body["spec"]["leaseTransitions"] == 0


# ---------------------------------------------------------------- in a running cluster
def ha_cluster(**kw) -> kubesim.Cluster:
    return kubesim.Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3, **kw)


def holder(c, name: str) -> str:
    return c.get("Lease", name, namespace="kube-system")["spec"]["holderIdentity"]


def acquisitions(c, since: float = 0.0) -> list:
    return [(r.time, r.source) for r in c.trace.filter(kind="component", since=since)
            if r.ref.get("leader_election") == "leading"]


def binders(c, since: float = 0.0) -> set:
    """Which components sent Pod bindings."""
    return {r.source for r in c.trace.filter(kind="message", since=since)
            if r.ref.get("resource") == "pods" and "binding" in r.summary}


def test_one_replica_of_each_leads_and_only_it_acts():
    c = ha_cluster()
    c.apply(seed.DEPLOYMENT)
    c.run(20)
    assert sorted(n for n in c.components if n.startswith("kube-scheduler")) == \
        ["kube-scheduler-1", "kube-scheduler-2", "kube-scheduler-3"]
    leaders = dict((src, t) for t, src in acquisitions(c))
    assert set(leaders) == {"kube-scheduler-1", "kube-controller-manager-1"}
    assert holder(c, "kube-scheduler").startswith("control-plane-1_")
    assert binders(c) == {"kube-scheduler-1"}
    out = c.kubectl("get leases -n kube-system")
    assert out.splitlines()[0].split() == ["NAME", "HOLDER", "AGE"]
    assert "kube-controller-manager   control-plane-1_" in out
    events = c.kubectl("get events -n kube-system")
    assert "LeaderElection" in events and "became leader" in events
    assert all(c.list("Pod", "default")) and len(c.list("Pod", "default")) == 3


def test_a_dead_leader_is_replaced_after_the_lease_runs_out():
    c = ha_cluster()
    c.apply(seed.DEPLOYMENT)
    c.run(20)
    crashed_at = c.now
    c.crash("control-plane-1")
    c.run(30)
    new = {src: t - crashed_at for t, src in acquisitions(c, since=crashed_at)}
    assert not any(src.endswith("-1") for src in new), new
    sched = [t for s, t in new.items() if s.startswith("kube-scheduler")]
    kcm = [t for s, t in new.items() if s.startswith("kube-controller-manager")]
    assert len(sched) == 1 and len(kcm) == 1, new
    # The candidate starts its 15 s when it first sees the last renewal (one poll, up to
    # 2 s x (1 + 1.2) after it), and notices the expiry at its next poll after that.
    worst = LEASE_DURATION + 2 * RETRY_PERIOD * (1 + JITTER_FACTOR) + 1.0
    for t in sched + kcm:
        assert LEASE_DURATION - RETRY_PERIOD < t <= worst, new
    lease = c.get("Lease", "kube-scheduler", namespace="kube-system")["spec"]
    assert lease["leaseTransitions"] == 1
    assert not lease["holderIdentity"].startswith("control-plane-1_")
    # the new leaders work: new Pods are scheduled and run
    c.kubectl("scale deployment web-app --replicas=6")
    c.run(30)
    running = [p for p in c.list("Pod", "default") if p["status"].get("phase") == "Running"]
    assert len(running) >= 5
    assert binders(c, since=crashed_at + 1) <= {"kube-scheduler-2", "kube-scheduler-3"}


def test_a_cut_off_leader_stops_before_anyone_else_starts():
    """Partition the leader's host: it cannot renew, gives up after the renew deadline and
    exits ("leaderelection lost"); only later, after the lease duration, does another
    replica take over — never two leaders at once."""
    c = ha_cluster()
    c.run(5)
    cut_at = c.now
    others = [h for h in c.hosts if h != "control-plane-1"]
    c.partition(["control-plane-1"], others)
    c.run(40)
    lost = [r for r in c.trace.filter(kind="component", since=cut_at)
            if r.ref.get("leader_election") == "lost"]
    assert {r.source for r in lost} == {"kube-scheduler-1", "kube-controller-manager-1"}
    gained = acquisitions(c, since=cut_at)
    assert len(gained) == 2
    for r in lost:
        assert RENEW_DEADLINE <= r.time - cut_at <= RENEW_DEADLINE + 2 * RETRY_PERIOD + 10.5
        role = r.source.rsplit("-", 1)[0]
        successor = next(t for t, src in gained if src.startswith(role))
        assert r.time < successor, "the old leader must stop before the new one starts"
    exits = [r for r in c.trace.filter(kind="component", since=cut_at) if r.ref.get("exited")]
    assert {r.source for r in exits} == {"kube-scheduler-1", "kube-controller-manager-1"}
    c.heal()
    c.run(20)
    assert acquisitions(c, since=cut_at + 40) == [], "a healed replica stays a candidate"
    assert c.components["kube-scheduler-1"].up


def test_a_whole_zone_can_fail():
    """The seed's HA design: three zones, a control-plane node in each; losing zone-a loses
    one etcd member, one API server and the leaders — and the cluster carries on."""
    c = ha_cluster()
    c.apply(seed.DEPLOYMENT)
    c.run(20)
    failed_at = c.now
    c.fail_zone("zone-a")
    c.run(40)
    assert c.kubectl("scale deployment web-app --replicas=5") == "deployment.apps/web-app scaled"
    c.run(400)
    running = [p for p in c.list("Pod", "default")
               if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 5
    assert all(c.get("Node", p["spec"]["nodeName"])["metadata"]["labels"]
               ["topology.kubernetes.io/zone"] != "zone-a" for p in running)
    assert len(acquisitions(c, since=failed_at)) == 2


def test_single_control_plane_keeps_its_names_and_elects_nobody():
    c = kubesim.Cluster(seed=0)
    c.run(5)
    assert "kube-scheduler" in c.components and "kube-controller-manager" in c.components
    assert c.get("Lease", "kube-scheduler", namespace="kube-system") is None
